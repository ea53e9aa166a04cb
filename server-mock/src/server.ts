import type { PreparedAnswer } from '@offline-kit/server';
import { DISCOVERY_PATH, HEADERS, PROTOCOL_VERSION } from '@offline-kit/sw/protocol';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, RequestInfo } from './app.js';
import { handleAuth } from './auth/routes.js';
import { checkControlAccess, type ControlAccess } from './control-access.js';
import { CONTROL_BASE, handleControl } from './control.js';
import { HttpError } from './http/errors.js';
import { errorReply, send, type Reply } from './http/reply.js';
import { sendError, sendJson } from './http/respond.js';
import { isObject } from './json.js';
import { serveStatic, type StaticMount } from './static.js';

const PROTOCOL_HEADER = { [HEADERS.protocol]: String(PROTOCOL_VERSION) };

export interface ServerParts {
  app: App;
  mounts: StaticMount[];
  /** Print one line per API request. */
  verbose: boolean;
  /** Who may use `/__mock/*` (control-access.ts). */
  control: ControlAccess;
}

/** The HTTP server: `/api/*` (with faults), `/__mock/*`, then static mounts. Never lets an error escape a request. */
export function createHttpServer(parts: ServerParts): Server {
  const server = createServer((req, res) => {
    handle(parts, req, res).catch((error: unknown) => {
      // Last resort: an answer that failed half-way cannot be repaired, only closed.
      console.error('[server-mock] request failed', error);
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) {
      const body = JSON.stringify({ error: 'bad_request', message: 'malformed HTTP request' });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  return server;
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://server-mock.invalid');
  } catch {
    sendJson(res, 400, { error: 'bad_request', message: 'the request target does not parse' });
    return;
  }
  const path = url.pathname;
  if (path === parts.app.sync.basePath || path.startsWith(`${parts.app.sync.basePath}/`)) {
    await handleApiRequest(parts, req, res, url);
  } else if (path.startsWith(`${CONTROL_BASE}/`)) {
    await handleControlRequest(parts, req, res, url);
  } else if (!(await serveStatic(parts.mounts, req, res, url))) {
    sendJson(res, 404, { error: 'not_found', message: `nothing is served at ${path}` });
  }
}

/** Never any Access-Control-Allow-* here: a preflight for the control header must fail in the browser. */
async function handleControlRequest(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { control } = parts;
  if (control === 'off') {
    sendJson(res, 404, { error: 'not_found', message: 'the control API is switched off on this server' });
    return;
  }
  const reply = await answer(async () => {
    checkControlAccess(req, control);
    return handleControl(parts.app, req, res, url);
  });
  send(res, reply, {});
}

/** Faults first (ARCHITECTURE.md: unreachable, latency, fail next, drop before/after commit), then the API. */
async function handleApiRequest(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { app } = parts;
  const started = performance.now();
  const at = new Date().toISOString();
  const path = url.pathname + url.search;
  const key = req.headers['idempotency-key'];
  const info: RequestInfo = {
    user: app.auth.peek(req.headers.authorization),
    key: typeof key === 'string' && key !== '' ? key : null,
    fault: null,
    replay: false,
  };
  res.on('close', () => {
    const entry = app.log.add({
      at,
      method: req.method ?? 'GET',
      path,
      status: res.writableFinished ? res.statusCode : 0,
      user: info.user,
      key: info.key,
      durationMs: Math.round(performance.now() - started),
      fault: info.fault,
      replay: info.replay,
      ...(info.committedStatus === undefined ? {} : { committedStatus: info.committedStatus }),
    });
    if (parts.verbose) {
      console.info(
        `${entry.method} ${entry.path} ${entry.status}${entry.user ? ` ${entry.user}` : ''}${entry.fault ? ` [${entry.fault}]` : ''} ${entry.durationMs}ms`,
      );
    }
  });

  if (app.faults.isUnreachable()) {
    info.fault = 'unreachable';
    req.socket.destroy();
    return;
  }
  const latency = app.faults.latency();
  if (latency > 0) {
    info.fault = 'latency';
    await sleep(latency);
    if (res.destroyed) return;
  }
  const failure = app.faults.takeFailure(url.pathname);
  if (failure !== null) {
    info.fault = 'fail';
    const headers: Record<string, string> =
      failure === 429 || failure === 503 ? { ...PROTOCOL_HEADER, 'Retry-After': '1' } : PROTOCOL_HEADER;
    sendJson(
      res,
      failure,
      { error: 'injected_fault', message: `failNext: this request was answered ${failure}` },
      headers,
    );
    return;
  }
  if (app.faults.takeHtml(url.pathname)) {
    info.fault = 'html';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html><body><h1>Sign in to the Wi-Fi</h1><form>…</form></body></html>');
    return;
  }
  const drop = app.faults.takeDrop(url.pathname);
  if (drop === 'before-commit') {
    info.fault = 'drop-before-commit';
    req.socket.destroy();
    return;
  }
  // Sign-in is the demo's own (mock tokens); every other /api request is the protocol, answered by the library.
  const own = url.pathname.startsWith(`${app.sync.basePath}/auth/`)
    ? await answer(() => handleAuth(app, req, res, url, info))
    : null;
  let prepared: PreparedAnswer | null = null;
  if (own === null) {
    prepared = await app.sync.prepare(req, res, url);
    if (prepared === null)
      throw new Error(`${url.pathname} is under the API base but the library declined it`);
    info.user = prepared.user ?? info.user;
    info.key = prepared.key ?? info.key;
    info.replay = prepared.replay;
    const announced = app.faults.announcedProtocol();
    if (
      announced !== null &&
      url.pathname === `${app.sync.basePath}${DISCOVERY_PATH}` &&
      isObject(prepared.body)
    ) {
      prepared = { ...prepared, body: { ...prepared.body, version: announced } };
    }
  }
  const status = own?.status ?? prepared?.status ?? 500;
  if (drop === 'after-commit') {
    // The write is committed; the client never learns it and must replay with the same Idempotency-Key.
    info.fault = 'drop-after-commit';
    info.committedStatus = status;
    req.socket.destroy();
    return;
  }
  if (own !== null) send(res, own, PROTOCOL_HEADER);
  else if (prepared !== null) app.sync.send(req, res, prepared);
}

async function answer(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HttpError) return errorReply(error);
    console.error('[server-mock] unexpected error', error);
    return errorReply(new HttpError(500, 'internal_error', 'the server failed to handle this request'));
  }
}
