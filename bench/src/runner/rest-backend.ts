/**
 * The plain-REST backend of the "Plain REST" rows: json-server 0.17 (the npm package, unmodified, as
 * test/harness/json-server.ts runs it: "a backend no one here wrote") behind one origin that also serves the bench
 * page and both service workers (a service worker only sees its own origin's requests).
 *
 * In front of json-server's `/api` this origin adds only what the bench needs and json-server lacks:
 * - latency: each `/api` request waits `latencyMs` before json-server sees it, as server-mock's latency fault does,
 *   so the "mobile round trip" replay is the same 20 ms in both kinds of rows;
 * - a sign-in answer (`POST /api/auth/login`): json-server has none; the page still signs in as an app does and gets
 *   a token json-server ignores (as test/harness/rest-suite.ts does);
 * - `GET /__mock/state` with `counts`, which the bench page polls to time a replay (server-mock's shape), read from
 *   json-server's in-memory database, without the latency (a poll is the bench's clock, not the app's traffic).
 *
 * json-server's router runs over an in-memory database (`router(object)`, lowdb's Memory adapter), not a db.json:
 * with a file it rewrites the whole database on every write (about 1 MB here, several ms), which would time the disk
 * of a mock server rather than what the client does. Its ids are numbers, `max + 1` per create.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { normaliseMounts, serveStatic } from '../../../server-mock/src/static.js';
import type { ServerRecord } from './server.js';

type Next = (error?: unknown) => void;
type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** The part of json-server 0.17's API used here (the package ships no types): an express app and router. */
interface JsonServerModule {
  create(): {
    (req: IncomingMessage, res: ServerResponse): void;
    use(path: string, handler: Handler): unknown;
  };
  router(
    db: Record<string, unknown[]>,
  ): Handler & { db: { getState(): unknown; setState(s: unknown): unknown } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isJsonServer(value: unknown): value is JsonServerModule {
  return (
    (isObject(value) || typeof value === 'function') &&
    typeof (value as { create?: unknown }).create === 'function' &&
    typeof (value as { router?: unknown }).router === 'function'
  );
}

function loadJsonServer(): JsonServerModule {
  // A CommonJS package without types: loaded through `require` and narrowed here, at the boundary. It is a
  // devDependency of test/, hoisted to the root node_modules, which both the sources and bench/dist/run.js resolve.
  const loaded: unknown = createRequire(import.meta.url)('json-server');
  if (!isJsonServer(loaded))
    throw new Error('json-server: not the 0.17 API (create, router) the bench expects');
  return loaded;
}

/** json-server's records as the correctness check reads them: numeric ids as strings (their order is their value). */
export function jsonServerRecords(list: unknown): ServerRecord[] {
  if (!Array.isArray(list)) return [];
  return list.map((item: unknown) => {
    if (!isObject(item) || (typeof item.id !== 'number' && typeof item.id !== 'string'))
      throw new Error('a json-server record without an id');
    // json-server deletes for good: nothing it holds is a tombstone.
    return { id: String(item.id), deleted: false, title: item.title };
  });
}

/** `{ counts: { name: length } }`, as server-mock's `/__mock/state` answers the page's poll. */
export function countsOf(state: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!isObject(state)) return counts;
  for (const [name, value] of Object.entries(state)) if (Array.isArray(value)) counts[name] = value.length;
  return counts;
}

export interface RestBackend {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Wait this long before json-server sees each `/api` request, ms. */
  latency(ms: number): Promise<void>;
  /** Replace everything json-server holds (each collection a fresh array of fresh records). */
  reset(seed: Record<string, Record<string, unknown>[]>): void;
  count(collection: string): Promise<number>;
  records(collection: string): Promise<ServerRecord[]>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startRestBackend(
  wwwDir: string,
  seed: Record<string, Record<string, unknown>[]>,
): Promise<RestBackend> {
  const jsonServer = loadJsonServer();
  const copy = (s: Record<string, Record<string, unknown>[]>): Record<string, unknown[]> =>
    Object.fromEntries(Object.entries(s).map(([name, list]) => [name, list.map((r) => ({ ...r }))]));
  // The router makes its routes from the collections it is given: `seed` names every collection the bench uses.
  const router = jsonServer.router(copy(seed));
  const app = jsonServer.create();
  app.use('/api', (req, res, next) => router(req, res, next));
  const mounts = normaliseMounts([{ prefix: '/', dir: wwwDir }]);
  let latencyMs = 0;
  const state = (): Record<string, unknown> => {
    const s: unknown = router.db.getState();
    return isObject(s) ? s : {};
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://bench-rest.invalid');
    if (url.pathname === '/__mock/state') return json(res, 200, { counts: countsOf(state()) });
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (latencyMs > 0) await sleep(latencyMs);
      if (res.destroyed) return;
      if (url.pathname === '/api/auth/login' && req.method === 'POST') {
        req.resume();
        return json(res, 200, { token: 'json-server-ignores-this' });
      }
      app(req, res);
      return;
    }
    if (!(await serveStatic(mounts, req, res, url))) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`nothing is served at ${url.pathname}`);
    }
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[bench rest backend] request failed', error);
      if (!res.headersSent) json(res, 500, { error: 'bench harness error' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the REST backend has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    latency(ms) {
      latencyMs = ms;
      return Promise.resolve();
    },
    reset(next) {
      router.db.setState(copy(next));
    },
    count(collection) {
      return Promise.resolve(countsOf(state())[collection] ?? 0);
    },
    records(collection) {
      return Promise.resolve(jsonServerRecords(state()[collection]));
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
