import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli-options.js';
import { startServer, type ServerOptions } from '../src/index.js';

// The command line as a developer types it: `npm start` stays on 127.0.0.1 with the control API, and a HOST beyond
// loopback starts only when they also say what to do with the control API.
const ROOT = '/repo';

function run(args: string[], env: Record<string, string> = {}): ServerOptions {
  const parsed = parseCommandLine(args, env, ROOT);
  if (parsed.kind !== 'run') throw new Error('expected options, got the help text');
  // In memory on a free port, so the test touches no data file.
  return { ...parsed.options, port: 0, storage: { kind: 'memory' }, seedParts: 10, quiet: true };
}

async function starts(options: ServerOptions): Promise<void> {
  const server = await startServer(options);
  await server.close();
}

describe('command line', () => {
  it('starts with no flags (npm start), on 127.0.0.1 with the control API', async () => {
    const options = run([]);
    expect(options.host).toBe('127.0.0.1');
    await starts(options);
  });

  it('refuses HOST=0.0.0.0 alone, with a one-line message naming the flag and the variable', async () => {
    for (const options of [run(['--host', '0.0.0.0']), run([], { HOST: '0.0.0.0' })]) {
      const outcome = await startServer(options).then(
        async (server) => {
          await server.close();
          return 'started';
        },
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(outcome).toMatch(/--allow-remote-control/);
      expect(outcome).toMatch(/MOCK_ALLOW_REMOTE_CONTROL=1/);
      expect(outcome).toMatch(/--no-control/);
      expect(outcome).not.toContain('\n');
    }
  });

  it('starts on 0.0.0.0 with --allow-remote-control, MOCK_ALLOW_REMOTE_CONTROL=1 or --no-control', async () => {
    await starts(run(['--host', '0.0.0.0', '--allow-remote-control']));
    await starts(run([], { HOST: '0.0.0.0', MOCK_ALLOW_REMOTE_CONTROL: '1' }));
    await starts(run(['--host', '0.0.0.0', '--no-control']));
    await starts(run([], { HOST: '0.0.0.0', MOCK_NO_CONTROL: '1' }));
  });
});
