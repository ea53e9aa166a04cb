import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { login } from '../harness/auth.js';
import { waitFor } from '../harness/wait.js';
import { ENGINES_DIST } from './build.js';
import { ALIVE_PATH } from './fixture/boot-id-request.js';

/**
 * A fresh origin in front of server-mock: an HTTP proxy on its own port of 127.0.0.1 (a new port is a new origin, so
 * every test starts with no service worker and no IndexedDB in any engine, without a new profile). It also serves the
 * engines fixture at `/__engines/`.
 *
 * `down()` makes the API unreachable: requests under `/api/` get their connection destroyed without an answer (what
 * a dead server or a dropped network looks like to a browser that still believes it is online), and connections
 * carrying API requests at that moment are destroyed too. No driver but Playwright's can emulate offline, and this is
 * the harder case for an offline layer anyway. Pages and the module's files stay reachable, as an app's own precache
 * would keep them: a reload while the API is down still loads the app.
 */
export interface TestOrigin {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  down(): void;
  up(): void;
  readonly isDown: boolean;
  /**
   * Until the fixture worker that drew `bootId` has been terminated by the browser: its `ALIVE_PATH` connection,
   * held open while it runs, has closed (fixture/boot-id.ts). A deadline, not a guess at how long an engine takes.
   */
  workerStopped(bootId: string, timeout?: number): Promise<void>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
};

async function serveFixture(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const relative = decodeURIComponent(pathname.slice('/__engines/'.length));
  const file = path.resolve(ENGINES_DIST, relative);
  const type = TYPES[path.extname(file)];
  const found = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!file.startsWith(ENGINES_DIST + path.sep) || type === undefined || !found) {
    res.writeHead(404).end();
    return;
  }
  // Never cached: each test builds nothing new, but a stale worker script would hide a change to the module.
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

const SESSION_COOKIE = 'engines_session';

function sessionOf(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value !== undefined) return value;
  }
  return null;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

export async function startTestOrigin(upstream: string): Promise<TestOrigin> {
  const target = new URL(upstream);
  let isDown = false;
  const apiSockets = new Set<Socket>();
  /** Session id → the user's token upstream. */
  const sessions = new Map<string, string>();
  /** Boot id of a fixture worker → whether its alive connection is still open. */
  const workers = new Map<string, 'running' | 'stopped'>();

  const signInWithCookie = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJson(req);
    const username =
      typeof body === 'object' && body !== null && 'username' in body && typeof body.username === 'string'
        ? body.username
        : null;
    if (username === null) {
      res.writeHead(400).end();
      return;
    }
    const session = await login(upstream, username);
    const id = randomBytes(16).toString('hex');
    sessions.set(id, session.token);
    res.writeHead(204, { 'Set-Cookie': `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict` }).end();
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    const pathname = url.pathname;
    if (pathname === ALIVE_PATH) {
      const bootId = url.searchParams.get('boot') ?? '';
      workers.set(bootId, 'running');
      res.once('close', () => workers.set(bootId, 'stopped'));
      // Headers and a first line now (the worker's fetch resolves), the end never: see fixture/boot-id.ts.
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.write('running\n');
      return;
    }
    if (pathname.startsWith('/__engines/')) {
      serveFixture(req, res, pathname).catch(() => res.destroy());
      return;
    }
    if (pathname === '/__session/login' && req.method === 'POST') {
      signInWithCookie(req, res).catch(() => res.writeHead(500).end());
      return;
    }
    const isApi = pathname.startsWith('/api/') || pathname === '/api';
    if (isApi && isDown) {
      req.socket.destroy();
      return;
    }
    if (isApi) {
      apiSockets.add(req.socket);
      res.once('close', () => apiSockets.delete(req.socket));
    }
    const sessionToken = sessions.get(sessionOf(req) ?? '');
    const headers = { ...req.headers, host: target.host };
    if (isApi && sessionToken !== undefined && headers.authorization === undefined)
      headers.authorization = `Bearer ${sessionToken}`;
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  // Keep-alive connections would otherwise hold close() for seconds.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the test origin has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    get isDown() {
      return isDown;
    },
    down() {
      isDown = true;
      for (const socket of apiSockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    async workerStopped(bootId, timeout = 30_000) {
      await waitFor(() => workers.get(bootId) === 'stopped', {
        timeout,
        message: `the browser to terminate the worker ${bootId} (${workers.get(bootId) ?? 'never seen'})`,
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
