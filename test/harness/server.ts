import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../server-mock/src/index.js';
import { buildFixtureApp } from './fixture-build.js';
import { mockClient, type MockClient } from './mock.js';
import { PATHS } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface MockServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  mock: MockClient;
  close(): Promise<void>;
}

export interface MockServerOptions {
  /** Default: in memory. */
  storage?: { kind: 'memory' } | { kind: 'sqlite'; file: string };
  seedParts?: number;
  latencyMs?: number;
}

function requireBuilt(dir: string, how: string): void {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: run \`${how}\` first`);
}

/**
 * What every test server serves besides the API: the module at `/offline-kit/` (as an app would host it), the
 * fixture app at `/__fixtures/app/dist/`, and the sample app at `/` when it has been built.
 */
export async function staticMounts(): Promise<{ prefix: string; dir: string; spa?: boolean }[]> {
  requireBuilt(PATHS.swDist, 'npm run build -w sw');
  await buildFixtureApp();
  const mounts: { prefix: string; dir: string; spa?: boolean }[] = [
    { prefix: '/offline-kit/', dir: PATHS.swDist },
    { prefix: '/__fixtures/', dir: PATHS.fixtures },
  ];
  if (existsSync(PATHS.sampleAppDist)) mounts.push({ prefix: '/', dir: PATHS.sampleAppDist, spa: true });
  return mounts;
}

/** server-mock in this process, on a free port of 127.0.0.1. */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    storage: options.storage ?? { kind: 'memory' },
    ...(options.seedParts === undefined ? {} : { seedParts: options.seedParts }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    static: await staticMounts(),
    quiet: true,
  });
  const url = `http://127.0.0.1:${server.port}`;
  return { url, port: server.port, mock: mockClient(url), close: () => server.close() };
}

export interface MockServerProcess extends MockServer {
  pid(): number;
  /** The SQLite data folder: survives `kill()` and is reused by `restart()`. */
  dataDir: string;
  /** SIGKILL: no shutdown handler runs, whatever was not committed is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (same origin for the browser). */
  restart(): Promise<void>;
}

/**
 * server-mock as a child process (`node server-mock/dist/cli.js`) on SQLite in a temp folder, so a test can kill -9
 * it in the middle of a batch and start it again on the same data and port.
 */
export async function startMockServerProcess(
  options: { seedParts?: number } = {},
): Promise<MockServerProcess> {
  requireBuilt(PATHS.serverMockCli, 'npm run build -w server-mock');
  requireBuilt(PATHS.swDist, 'npm run build -w sw');
  await buildFixtureApp();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'offline-kit-server-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mock = mockClient(url);
  let child: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    // The CLI serves the module at /offline-kit/ and the fixtures at /__fixtures/ by default, as the in-process one.
    const proc = spawn(process.execPath, [PATHS.serverMockCli, '--quiet'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        ...(options.seedParts === undefined ? {} : { SEED_PARTS: String(options.seedParts) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`server-mock exited with ${proc.exitCode}: ${output}`);
        await mock.state();
        return true;
      },
      { timeout: 15_000, message: `server-mock child on ${url}` },
    );
  };

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };

  await start();
  return {
    url,
    port,
    mock,
    dataDir,
    pid: () => child?.pid ?? -1,
    kill: () => stop('SIGKILL'),
    restart: start,
    async close() {
      await stop('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
