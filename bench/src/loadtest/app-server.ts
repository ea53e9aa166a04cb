import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createSyncHandler } from '../../../server/src/index.js';
import { PostgresStore } from '../../../server/src/store/postgres.js';
import { collections, userOf } from './collections.js';

export interface AppServerSettings {
  pg: pg.PoolConfig;
  devices: number;
  teams: number;
  port: number;
}

/**
 * One stateless app server on the library: what a backend author runs several of behind a load balancer. Every
 * device is a user of its own (`Bearer d<n>`), so idempotency keys and conflicts are per device.
 */
export async function runAppServer(settings: AppServerSettings): Promise<void> {
  const pool = new pg.Pool({ ...settings.pg, max: 20 });
  // A dead connection is the store's to report on the request that held it; the pool's own event must not end us.
  pool.on('error', () => undefined);
  const store = await PostgresStore.open({ pool, schema: 'loadtest' });
  const users = new Set(Array.from({ length: settings.devices }, (_, i) => userOf(i)));
  const sync = createSyncHandler({
    store,
    collections: collections(settings.devices, settings.teams),
    auth: (req) => {
      const user = /^Bearer (d\d+)$/.exec(req.headers.authorization ?? '')?.[1];
      return user !== undefined && users.has(user) ? { id: user } : null;
    },
    onError: (error) => console.error('[app-server]', error),
  });
  const server = createServer((req, res) => {
    void sync(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(settings.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
}
