import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultStaticMounts, type ServerOptions } from './index.js';

export const HELP = `server-mock: the Offline Kit reference backend

  node server-mock/dist/cli.js [--port 8080] [--host 127.0.0.1] [--data-dir DIR | --memory]
                               [--seed-parts 5000] [--latency-ms 0] [--quiet]
                               [--allow-remote-control | --no-control]

Environment: PORT, HOST, DATA_DIR, SEED_PARTS, LATENCY_MS, MOCK_ALLOW_REMOTE_CONTROL=1, MOCK_NO_CONTROL=1
(flags win). A HOST other than 127.0.0.0/8, ::1 or localhost needs --allow-remote-control (the control API
/__mock/* then answers anyone who reaches the server) or --no-control (no control API at all).`;

/** A flag or variable the CLI cannot use: printed as one line, exit code 2. */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

export type CommandLine = { kind: 'help' } | { kind: 'run'; options: ServerOptions };

function integer(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new CommandLineError(`${name} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** `1`/`true`/`yes` on, unset/empty/`0`/`false`/`no` off; anything else is a mistake worth saying. */
function switchedOn(name: string, raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === '0' || value === 'false' || value === 'no') return false;
  if (value === '1' || value === 'true' || value === 'yes') return true;
  throw new CommandLineError(`${name} must be 1 or 0, not ${JSON.stringify(raw)}`);
}

/** The server options of a command line and environment; `root` is the repository checkout. */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  root: string,
): CommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        memory: { type: 'boolean' },
        'seed-parts': { type: 'string' },
        'latency-ms': { type: 'string' },
        quiet: { type: 'boolean' },
        'allow-remote-control': { type: 'boolean' },
        'no-control': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CommandLineError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: 'help' };
  const dataDir = resolve(values['data-dir'] ?? env.DATA_DIR ?? join(root, 'server-mock', 'data'));
  return {
    kind: 'run',
    options: {
      port: integer('PORT', values.port ?? env.PORT, 8080),
      host: values.host ?? env.HOST ?? '127.0.0.1',
      control: !(values['no-control'] === true || switchedOn('MOCK_NO_CONTROL', env.MOCK_NO_CONTROL)),
      allowRemoteControl:
        values['allow-remote-control'] === true ||
        switchedOn('MOCK_ALLOW_REMOTE_CONTROL', env.MOCK_ALLOW_REMOTE_CONTROL),
      storage: values.memory
        ? { kind: 'memory' }
        : { kind: 'sqlite', file: join(dataDir, 'offline-kit.sqlite') },
      seedParts: integer('SEED_PARTS', values['seed-parts'] ?? env.SEED_PARTS, 5000),
      latencyMs: integer('LATENCY_MS', values['latency-ms'] ?? env.LATENCY_MS, 0),
      static: defaultStaticMounts(root),
      quiet: values.quiet === true,
    },
  };
}
