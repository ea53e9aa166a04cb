import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LIMITS, type App } from './app.js';
import { Auth } from './auth/auth.js';
import { createSyncHandler, type SyncHandler } from '@offline-kit/server';
import { COLLECTIONS } from './collections/index.js';
import { Faults } from './faults.js';
import { RequestLog } from './request-log.js';
import { isLoopbackHost, remoteControlRefusal, type ControlAccess } from './control-access.js';
import { seedAll } from './seed/index.js';
import { createHttpServer } from './server.js';
import { normaliseMounts, type StaticMount } from './static.js';
import { Store, type StorageOption } from './store/index.js';

export type { StaticMount } from './static.js';
export type { StorageOption } from './store/index.js';
export type { LogEntry } from './request-log.js';
export type { FaultsView } from './faults.js';
export { CONTROL_HEADER, CONTROL_HEADER_VALUE } from './control-access.js';
export { USERS, DEMO_PASSWORD } from './auth/users.js';
export { LIMITS };

export interface ServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Interface to listen on. Default `127.0.0.1`; `0.0.0.0` to be reachable from other devices, which needs
   * `allowRemoteControl` or `control: false` (startServer refuses otherwise).
   */
  host?: string;
  /** Serve the control API (`/__mock/*`, behind the `X-Offline-Kit-Mock: 1` header). Default true. */
  control?: boolean;
  /**
   * Let the control API answer whoever can reach the server, by any host name, instead of only requests addressed to
   * a loopback name. Needed to listen beyond loopback with the control API on. Default false.
   */
  allowRemoteControl?: boolean;
  /** Where the data lives. Default `{ kind: 'memory' }`: nothing survives `close()`. */
  storage?: StorageOption;
  /** Parts in the catalogue when the store is first seeded (and after `/__mock/reset`). Default 5000. */
  seedParts?: number;
  /** Latency added to every `/api` request, ms. Default 0. */
  latencyMs?: number;
  /** Directories served beside the API (the sample app, the module's bundles, test fixtures). Default none. */
  static?: StaticMount[];
  /** No console output. Default false: one line per API request. */
  quiet?: boolean;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` (or the host it listens on). */
  url: string;
  port: number;
  /** Stops listening, ends open connections and closes the store. */
  close(): Promise<void>;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Starts the reference backend. Seeds the store when it is empty; an existing data file is used as it is. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const control = controlAccess(options);
  // The control API resets data, signs users out and shows every user's records: on a network, only when asked.
  if (control === 'loopback' && !isLoopbackHost(host)) throw new Error(remoteControlRefusal(host));
  const store = Store.open(options.storage ?? { kind: 'memory' });
  try {
    const auth = new Auth(store);
    const log = new RequestLog();
    const sync: SyncHandler = createSyncHandler({
      collections: COLLECTIONS,
      store: store.sync,
      basePath: '/api',
      limits: LIMITS,
      clock: store.clock,
      // Mock tokens: an unknown or expired one is a 401 saying which (the library answers the HttpError as it is).
      auth: (req) => auth.authenticate(req.headers.authorization),
      onError: (error) => console.error('[server-mock] unexpected error', error),
      // Each write inside a batch gets its own log entry; a write's own request is logged when it is answered.
      onWrite: (write) => {
        if (write.via !== 'batch') return;
        log.add({
          at: new Date().toISOString(),
          method: write.method,
          path: write.path,
          status: write.status,
          user: write.user,
          key: write.key,
          durationMs: 0,
          fault: null,
          replay: write.replay,
          via: 'batch',
        });
      },
    });
    const seedParts = options.seedParts ?? 5000;
    if (store.meta.get('seeded') === 0) await seedAll(store, sync, seedParts);
    await store.sync.pruneAnswers(new Date(Date.now() - WEEK_MS));
    const app: App = {
      store,
      sync,
      auth,
      faults: new Faults(options.latencyMs ?? 0, () => Date.now()),
      log,
      seedParts,
    };
    const server = createHttpServer({
      app,
      mounts: normaliseMounts(options.static ?? []),
      verbose: options.quiet !== true,
      control,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const shownHost =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${shownHost}:${port}`,
      port,
      close() {
        closing ??= new Promise<void>((resolve) => {
          server.close(() => {
            void store.close().then(resolve);
          });
          server.closeAllConnections();
        });
        return closing;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function controlAccess(options: ServerOptions): ControlAccess {
  if (options.control === false) return 'off';
  return options.allowRemoteControl === true ? 'remote' : 'loopback';
}

/** The mounts the CLI serves from a checkout of the repository: the sample app, the module's bundles, test pages. */
export function defaultStaticMounts(repoRoot: string): StaticMount[] {
  return [
    { prefix: '/', dir: join(repoRoot, 'sample-app', 'dist'), spa: true },
    { prefix: '/offline-kit/', dir: join(repoRoot, 'sw', 'dist') },
    { prefix: '/__fixtures/', dir: join(repoRoot, 'test', 'fixtures') },
  ];
}
