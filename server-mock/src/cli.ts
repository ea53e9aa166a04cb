import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultStaticMounts, startServer, type ServerOptions } from './index.js';

const HELP = `server-mock: the Offline Kit reference backend

  node server-mock/dist/cli.js [--port 8080] [--host 127.0.0.1] [--data-dir DIR | --memory]
                               [--seed-parts 5000] [--latency-ms 0] [--quiet]

Environment: PORT, HOST, DATA_DIR, SEED_PARTS, LATENCY_MS (flags win).`;

/** The repository root: this file runs as server-mock/dist/cli.js (built) or server-mock/src/cli.ts. */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function integer(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`server-mock: ${name} must be a non-negative integer, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'seed-parts': { type: 'string' },
      'latency-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.info(HELP);
    return;
  }
  const root = repoRoot();
  const env = process.env;
  const dataDir = resolve(values['data-dir'] ?? env.DATA_DIR ?? join(root, 'server-mock', 'data'));
  const options: ServerOptions = {
    port: integer('PORT', values.port ?? env.PORT, 8080),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    storage: values.memory
      ? { kind: 'memory' }
      : { kind: 'sqlite', file: join(dataDir, 'offline-kit.sqlite') },
    seedParts: integer('SEED_PARTS', values['seed-parts'] ?? env.SEED_PARTS, 5000),
    latencyMs: integer('LATENCY_MS', values['latency-ms'] ?? env.LATENCY_MS, 0),
    static: defaultStaticMounts(root),
    quiet: values.quiet === true,
  };
  const server = await startServer(options);
  const storage = options.storage?.kind === 'sqlite' ? options.storage.file : 'memory (nothing is kept)';
  console.info(`server-mock listening on ${server.url}`);
  console.info(`  data: ${storage}`);
  if (!existsSync(join(root, 'sample-app', 'dist', 'index.html'))) {
    console.info('  the sample app is not built yet: run `npm run build` at the repository root');
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.info(`server-mock: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('server-mock: failed to close cleanly', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('server-mock: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
