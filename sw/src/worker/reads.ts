/**
 * GETs of configured collections and records: network-first with a timeout, cache-first, or stale-while-revalidate.
 * A network answer is read whole (a captive portal's page must be told from the API's JSON before the page sees it),
 * goes to the page, and is stored as records afterwards (under `waitUntil`); only when the collection has queued writes
 * does the answer wait for the store, to carry them overlaid. What the local copy answers carries
 * `Offline-Kit-Source: local` and the time of the collection's last successful sync; so does the answer to a read the
 * server answered 5xx, or 2xx with something that is not the API's JSON (it is never stored). The reading and storing
 * itself is the core's (`core/local-reads.ts`); this file is HTTP.
 */
import { isObject } from '../protocol/wire-guards.js';
import { HEADERS } from '../protocol/wire.js';
import type { Engine } from '../core/engine.js';
import { isLocalCursor, parseJson } from '../core/local-reads.js';
import { isJsonType } from '../core/model/bodies.js';
import { isTempId } from '../core/model/temp-ids.js';
import type { ApiPath } from './paths.js';
import { errorResponse, json, jsonBody, withHeaders } from './responses.js';

/**
 * A network-first read sent before the partition is open. At a cold start (the browser stopped the idle worker and
 * the page's read woke it) the session and the partition take a few milliseconds to open; the request travels
 * meanwhile, as the Workbox recipe's does at once. It is sent only when nothing that can be known before opening would
 * answer it locally: the browser online, a network-first collection, no temporary id and no local cursor. What only the
 * opened partition knows (simulated offline, a locked partition) drops it, aborted, unless its answer was taken.
 */
export class EarlyRead {
  private taken = false;
  private readonly abort = new AbortController();
  private readonly response: Promise<Response>;

  private constructor(request: Request) {
    this.response = fetch(request, { signal: this.abort.signal });
    // Taken later, or dropped: a failure is seen by whoever takes it, and by nobody otherwise.
    this.response.catch(() => undefined);
  }

  static send(path: ApiPath, request: Request, online: boolean): EarlyRead | null {
    if (!online || path.collection.read !== 'network-first') return null;
    if (localOnly(path.id, new URL(request.url))) return null;
    return new EarlyRead(request);
  }

  take(): Promise<Response> {
    this.taken = true;
    return this.response;
  }

  dropUnlessTaken(): void {
    if (!this.taken) this.abort.abort();
  }
}

/** What the URL alone says only the local copy can answer: a record created here, or our own paging cursor. */
function localOnly(id: string | null, url: URL): boolean {
  return (id !== null && isTempId(id)) || isLocalCursor(url.searchParams.get('since'));
}

export async function handleRead(
  engine: Engine,
  path: ApiPath,
  request: Request,
  waitUntil: (p: Promise<unknown>) => void,
  early: EarlyRead | null = null,
): Promise<Response> {
  const url = new URL(request.url);
  const conf = path.collection;
  const id = path.id ? await engine.reads.resolveId(path.id) : null;
  // Records created offline and our own paging cursors exist only here.
  if (localOnly(id, url) || !engine.online) {
    return answerLocal(engine, path, id, url);
  }
  // A page still on a record's temporary id after the server gave it its own: the server knows only its own.
  const asked = id !== null && id !== path.id ? withRecordId(request, id) : request;
  if (conf.read !== 'network-first') {
    const local = await answerLocal(engine, path, id, url, true);
    if (local) {
      if (conf.read === 'stale-while-revalidate') {
        waitUntil(
          fromNetwork(engine, path, id, asked, waitUntil).then(
            (r) => r.body?.cancel(),
            () => null,
          ),
        );
      }
      return local;
    }
  }
  try {
    return await withTimeout(fromNetwork(engine, path, id, asked, waitUntil, early), conf.networkTimeoutMs);
  } catch {
    return answerLocal(engine, path, id, url);
  }
}

function withRecordId(request: Request, id: string): Request {
  const url = new URL(request.url);
  url.pathname = url.pathname.replace(/[^/]*$/, encodeURIComponent(id));
  return new Request(url, request);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function fromNetwork(
  engine: Engine,
  path: ApiPath,
  id: string | null,
  request: Request,
  waitUntil: (p: Promise<unknown>) => void,
  early: EarlyRead | null = null,
): Promise<Response> {
  const name = path.collection.name;
  // Asked while the request is on the network, so the common answer (nothing queued) costs no extra wait.
  const queued = engine.reads.queuedFor(name);
  // Taken before the request leaves: an answer that arrives after the partition was emptied (a sign-out) is not
  // stored. An early read left before the partition opened: its answer is stored only if nothing emptied it since.
  const ticket = early ? engine.reads.ticketAtOpen() : engine.reads.ticket();
  const response = await (early ? early.take() : engine.fetch(request));
  const url = new URL(request.url);
  // A 5xx, or a 2xx that is not the API's (a captive portal's login page), says nothing about the data: the local copy
  // answers as if the network were down, and the answer is never stored. With nothing local, the page gets it as is.
  const ok = response.status >= 200 && response.status < 300;
  const type = response.headers.get('content-type');
  if (response.status >= 500 || (ok && type !== null && !isJsonType(type)))
    return (await answerLocal(engine, path, id, url, true)) ?? response;
  const text = ok ? await response.text() : null;
  if (text !== null && parseJson(text) === undefined)
    return (await answerLocal(engine, path, id, url, true)) ?? withHeaders(response, text, {});
  const noStore =
    /no-store/i.test(response.headers.get('cache-control') ?? '') && !path.collection.storeNoStore;
  if (noStore) return text === null ? response : withHeaders(response, text, {});
  if (response.status === 404 && id) {
    const copy = response.clone();
    const work = copy
      .json()
      .catch(() => null)
      .then(async (body: unknown) => {
        // Our protocol says "deleted" in the body (a 404 may also be a wrong URL); a REST API's 404 of a record is all
        // it says when the record is gone.
        const gone = engine.wire(name).protocol === false || (isObject(body) && body.error === 'deleted');
        if (gone) await engine.reads.storeDeleted(ticket, name, id);
      });
    waitUntil(engine.reads.track(name, work));
    return response;
  }
  if (text === null) return response;
  if (response.status !== 200) return withHeaders(response, text, {});
  if ((await queued) === 0) {
    const etag = response.headers.get('etag');
    waitUntil(engine.reads.track(name, engine.reads.storeText(ticket, name, id, url, text, etag)));
    return withHeaders(response, text, { [HEADERS.source]: 'network' });
  }
  const body = await engine.reads.storeOverlaid(
    ticket,
    name,
    id,
    url,
    parseJson(text),
    response.headers.get('etag'),
  );
  if (body === null) return withHeaders(response, text, { [HEADERS.source]: 'network' });
  return withHeaders(response, JSON.stringify(body), { [HEADERS.source]: 'network' });
}

function localHeaders(syncedAt: number | null): Record<string, string> {
  const headers: Record<string, string> = { [HEADERS.source]: 'local' };
  if (syncedAt !== null) headers[HEADERS.lastSync] = new Date(syncedAt).toISOString();
  return headers;
}

/** The answer from the local copy. With `onlyIfPresent`, null when there is nothing local to answer with. */
async function answerLocal(engine: Engine, path: ApiPath, id: string | null, url: URL): Promise<Response>;
async function answerLocal(
  engine: Engine,
  path: ApiPath,
  id: string | null,
  url: URL,
  onlyIfPresent: true,
): Promise<Response | null>;
async function answerLocal(
  engine: Engine,
  path: ApiPath,
  id: string | null,
  url: URL,
  onlyIfPresent = false,
): Promise<Response | null> {
  const name = path.collection.name;
  if (id) {
    const item = await engine.reads.item(name, id);
    if (item.kind === 'missing') {
      if (onlyIfPresent) return null;
      return errorResponse(
        404,
        item.deleted ? 'deleted' : 'not_found',
        `${name}/${id} is not in the local copy`,
      );
    }
    const etag: Record<string, string> = item.etag !== null ? { etag: item.etag } : {};
    return json(200, item.record, { ...localHeaders(item.syncedAt), ...etag });
  }
  const list = await engine.reads.list(path.collection, url);
  if (!list) {
    if (onlyIfPresent) return null;
    return errorResponse(503, 'offline', `${name} has not been synced to this device yet`);
  }
  return jsonBody(200, list.body, localHeaders(list.syncedAt));
}
