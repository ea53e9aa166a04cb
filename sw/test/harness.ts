/** An engine on fake-indexeddb against the fake server, with a controllable clock and recorded events. */
import 'fake-indexeddb/auto';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import type { OfflineKitEvent } from '../src/protocol/api.js';
import { validateConfig } from '../src/core/config.js';
import { openPartition } from '../src/core/storage/db.js';
import { Engine } from '../src/core/engine.js';
import { handleRead } from '../src/worker/reads.js';
import { parseApiPath } from '../src/worker/paths.js';
import type { EngineDeps } from '../src/core/deps.js';
import type { WriteInput } from '../src/core/outbox/outbox.js';
import { FakeServer } from './fake-server.js';
import type { WriteMethod } from '../src/protocol/wire.js';

export const baseConfig: OfflineKitConfig = {
  apiBase: '/api',
  collections: {
    'work-orders': { policy: 'read-write-conflict' },
    notes: { policy: 'read-write-conflict', parents: [{ field: 'workOrderId', collection: 'work-orders' }] },
    parts: { policy: 'read-only-delta' },
  },
};

let dbCounter = 0;

export interface Rig {
  engine: Engine;
  server: FakeServer;
  events: OfflineKitEvent[];
  dbName: string;
  write(
    method: WriteMethod,
    path: string,
    body?: unknown,
    extra?: Partial<WriteInput>,
  ): Promise<{ id: string; recordId: string }>;
  /** A new worker on the same partition; `config`: the app's update (a new configuration) came with it. */
  reopen(config?: OfflineKitConfig): Promise<Engine>;
  /** The worker died: a new engine opens the same database while the old one stays stuck where it was. */
  abandon(): Promise<Engine>;
}

export async function makeRig(
  config: OfflineKitConfig = baseConfig,
  options: { server?: FakeServer; deps?: Partial<EngineDeps>; dbName?: string; user?: string | null } = {},
): Promise<Rig> {
  const server = options.server ?? new FakeServer();
  const events: OfflineKitEvent[] = [];
  const resolved = validateConfig(config);
  let uuid = 0;
  const deps: EngineDeps = {
    fetch: server.fetch,
    now: () => Date.now(),
    setTimer: (cb, ms) => setTimeout(cb, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    random: () => 0.5,
    uuid: () => `00000000-0000-4000-8000-${String(++uuid).padStart(12, '0')}-${dbCounter}`,
    emit: (e) => events.push(e),
    // The page handed over credentials (cookies only: no headers), as `connect({ credentials })` does on every connect.
    credentials: () => Promise.resolve({}),
    origin: server.origin,
    browserOnline: () => true,
    ...options.deps,
  };
  const user = options.user === undefined ? 'alice' : options.user;
  const dbName = options.dbName ?? `test-${++dbCounter}-${Math.random()}`;
  const rig: Rig = {
    engine: await Engine.open(resolved, deps, await openPartition(dbName), user),
    server,
    events,
    dbName,
    async write(method, path, body, extra = {}) {
      const url = new URL(path, server.origin);
      const parts = url.pathname.split('/').slice(2);
      const seq = await rig.engine.reserveSeq();
      const bytes = body === undefined ? null : new TextEncoder().encode(JSON.stringify(body)).buffer;
      const result = await rig.engine.enqueue({
        method,
        url: url.pathname + url.search,
        collection: parts[0] ?? '',
        recordId: parts[1] ?? null,
        headers: [['content-type', 'application/json']],
        body: bytes,
        contentType: bytes ? 'application/json' : null,
        ifMatch: null,
        idempotencyKey: null,
        seq,
        ...extra,
      });
      return { id: result.write.id, recordId: result.write.recordId };
    },
    async abandon() {
      rig.engine = await Engine.open(resolved, deps, await openPartition(dbName), user);
      return rig.engine;
    },
    async reopen(next?: OfflineKitConfig) {
      await rig.engine.close();
      const config = next ? validateConfig(next) : resolved;
      rig.engine = await Engine.open(config, deps, await openPartition(dbName), user);
      return rig.engine;
    },
  };
  return rig;
}

/** A GET through the worker's read path (`handleRead`), with the background stores it started. */
export async function readThrough(
  rig: Rig,
  path: string,
): Promise<{ response: Response; stores: Promise<unknown>[] }> {
  const url = new URL(path, rig.server.origin);
  const apiPath = parseApiPath(validateConfig(baseConfig), url, rig.server.origin);
  if (!apiPath) throw new Error('path not recognised');
  const stores: Promise<unknown>[] = [];
  const response = await handleRead(rig.engine, apiPath, new Request(url), (p) => stores.push(p));
  return { response, stores };
}
