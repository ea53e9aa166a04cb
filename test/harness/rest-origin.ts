/**
 * One origin for a REST backend that knows nothing of Offline Kit: the module and the fixture app served as
 * server-mock serves them (a service worker only controls pages of its own origin), `/api/*` handed to the backend,
 * and in front of `/api` a fault layer the test drives in-process (the failures real networks make: a 5xx, a captive
 * portal's login page answered 200, an API that cannot be reached) and a log of what reached the backend.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { normaliseMounts, serveStatic } from '../../server-mock/src/static.js';
import { staticMounts } from './server.js';

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ApiLogEntry {
  method: string;
  /** Path and query, e.g. `/api/work-orders?status=open`. */
  path: string;
  /** What the client received; 0 when the fault layer cut the connection. */
  status: number;
  /** The request's JSON body as the backend read it (writes), else undefined. */
  body: unknown;
  /** Request headers the tests look at (lower-case names). */
  ifMatch: string | null;
  idempotencyKey: string | null;
  /** The fault layer answered instead of the backend: the backend saw nothing. */
  fault: 'fail' | 'portal' | 'answer' | 'unreachable' | null;
}

export interface FaultMatch {
  /** Only requests with these methods (upper case). Default: all. */
  methods?: string[];
  /**
   * Only requests carrying this header (lower-case name): the app's own request, marked by the test, and not a pull
   * the module makes at the same time. Default: any request.
   */
  header?: string;
}

export interface FaultLayer {
  /** The next `count` matching API requests are answered `status` (default 500) without reaching the backend. */
  failNext(count: number, options?: FaultMatch & { status?: number }): void;
  /** The next `count` matching API requests are answered 200 `text/html` with a captive portal's login page. */
  portalNext(count: number, options?: FaultMatch): void;
  /**
   * The next `count` matching API requests are answered `status` (default 200) with this JSON body instead of the
   * backend's: an answer the API could give but the adapter cannot read (an object where a list is expected).
   */
  answerNext(count: number, json: unknown, options?: FaultMatch & { status?: number }): void;
  /** Every API request has its connection destroyed (no answer at all) until `reachable()`. */
  unreachable(): void;
  reachable(): void;
  clear(): void;
}

export interface RestOrigin {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  faults: FaultLayer;
  /** Every API request so far, oldest first (faulted ones included, marked). */
  log(): readonly ApiLogEntry[];
  clearLog(): void;
  close(): Promise<void>;
}

export const CAPTIVE_PORTAL_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Guest Wi-Fi</title></head>
<body><h1>Welcome to Guest Wi-Fi</h1><form method="post" action="/portal/login">
<label>Room number <input name="room"></label><button>Sign in</button></form></body></html>`;

interface Pending {
  kind: 'fail' | 'portal' | 'answer';
  count: number;
  status: number;
  methods: string[] | null;
  header: string | null;
  json?: unknown;
}

function matchOf(options: FaultMatch): { methods: string[] | null; header: string | null } {
  return { methods: options.methods ?? null, header: options.header ?? null };
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** Starts the origin on a free port of 127.0.0.1; `api` answers every request under `/api`. */
export async function startRestOrigin(api: ApiHandler): Promise<RestOrigin> {
  const mounts = normaliseMounts(await staticMounts());
  const entries: ApiLogEntry[] = [];
  let pending: Pending[] = [];
  let cut = false;
  const sockets = new Set<Socket>();

  const takeFault = (req: IncomingMessage, method: string): Pending | null => {
    const match = pending.find(
      (p) =>
        p.count > 0 &&
        (p.methods === null || p.methods.includes(method)) &&
        (p.header === null || req.headers[p.header] !== undefined),
    );
    if (match === undefined) return null;
    match.count -= 1;
    pending = pending.filter((p) => p.count > 0);
    return match;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const entry: ApiLogEntry = {
      method,
      path: req.url ?? '/',
      status: 0,
      body: undefined,
      ifMatch: headerOf(req, 'if-match'),
      idempotencyKey: headerOf(req, 'idempotency-key'),
      fault: null,
    };
    entries.push(entry);
    if (cut) {
      entry.fault = 'unreachable';
      req.socket.destroy();
      return;
    }
    res.on('finish', () => {
      entry.status = res.statusCode;
      // Backends parse the body into `req.body` (json-server through body-parser, ours by hand).
      const parsed: unknown = Reflect.get(req, 'body');
      entry.body = method === 'GET' || method === 'HEAD' ? undefined : parsed;
    });
    const fault = takeFault(req, method);
    if (fault?.kind === 'fail') {
      entry.fault = 'fail';
      const body = JSON.stringify({ error: 'internal', message: 'injected by the test' });
      res.writeHead(fault.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(body);
      return;
    }
    if (fault?.kind === 'answer') {
      entry.fault = 'answer';
      res.writeHead(fault.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(fault.json));
      return;
    }
    if (fault?.kind === 'portal') {
      entry.fault = 'portal';
      // What a hotel or train network answers to any request until the user signs in: its own page, status 200.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(CAPTIVE_PORTAL_PAGE);
      return;
    }
    await api(req, res);
  };

  const server: Server = createServer((req, res) => {
    const run = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://rest-origin.invalid');
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
        await handleApi(req, res);
      } else if (!(await serveStatic(mounts, req, res, url))) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`nothing is served at ${url.pathname}`);
      }
    };
    run().catch((error: unknown) => {
      console.error('[rest-origin] request failed', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('harness error');
      } else {
        res.destroy();
      }
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
  if (address === null || typeof address !== 'object') throw new Error('the REST origin has no port');

  const faults: FaultLayer = {
    failNext(count, options = {}) {
      pending.push({ kind: 'fail', count, status: options.status ?? 500, ...matchOf(options) });
    },
    portalNext(count, options = {}) {
      pending.push({ kind: 'portal', count, status: 200, ...matchOf(options) });
    },
    answerNext(count, json, options = {}) {
      pending.push({
        kind: 'answer',
        count,
        status: options.status ?? 200,
        ...matchOf(options),
        json,
      });
    },
    unreachable() {
      cut = true;
    },
    reachable() {
      cut = false;
    },
    clear() {
      pending = [];
      cut = false;
    },
  };

  return {
    url: `http://127.0.0.1:${address.port}`,
    faults,
    log: () => entries,
    clearLog() {
      entries.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes (not reads) that reached the backend and were answered 2xx: what it applied. */
export function appliedWrites(log: readonly ApiLogEntry[], method: string, path: string): ApiLogEntry[] {
  return log.filter(
    (e) => e.fault === null && e.method === method && e.path === path && e.status >= 200 && e.status < 300,
  );
}
