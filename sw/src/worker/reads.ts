/**
 * GETs of configured collections and records: network-first with a timeout, cache-first, or stale-while-revalidate.
 * A network answer goes to the page at once and is stored as records afterwards (a clone, parsed under `waitUntil`);
 * only when the collection has queued writes does the answer wait, to carry them overlaid. What the local copy answers
 * carries `Offline-Kit-Source: local` and the time of the collection's last successful sync.
 */
import type { JsonRecord } from '../protocol/config.js';
import { isObject, isServerRecord, parseListPage } from '../protocol/wire-guards.js';
import type { Engine } from '../engine/engine.js';
import type { StoredRecord } from '../engine/db.js';
import { syncedAtKey } from '../engine/meta-store.js';
import { isTempId } from '../engine/temp-ids.js';
import type { ApiPath } from './paths.js';
import { StampedMemo } from './read-memo.js';
import { errorResponse, json, jsonBody, withHeaders } from './responses.js';
import { HEADERS, type ServerRecord } from '../protocol/wire.js';

const LOCAL_CURSOR = 'local:';
const RESERVED_PARAMS = new Set(['since', 'limit']);
/** Rows read per further request when filters skip most of a collection. */
const SCAN_CHUNK = 500;

/**
 * Per URL, the last network answer whose store found every record already held (nothing written), while the records
 * and the queue have not changed since: the same answer again would store nothing, so it is not parsed and read
 * against the store a second time (the cost of an app polling an unchanged list while its next request is in flight).
 */
const lastStored = new StampedMemo<{ text: string; complete: boolean }>(
  ['records', 'queue'],
  32,
  4_000_000,
  (v) => v.text.length,
);

/**
 * Per URL, a list answered from the local copy, kept while nothing it was read from (records, queued writes and
 * their states, the last-sync time) has changed: a page reading the same list again offline gets it without the
 * rows being read and decoded again. Kept as a Blob, which the browser hands to the page without streaming it through
 * this thread again (as it does a Cache API answer) — except for an encrypted partition: the browser may page large
 * blobs out to disk, so its lists stay strings in this worker's memory and no plaintext copy can reach the disk.
 */
const localLists = new StampedMemo<{ body: string | Blob; syncedAt: number | null }>(
  ['records', 'queue', 'meta'],
  16,
  8_000_000,
  (v) => (typeof v.body === 'string' ? v.body.length : v.body.size),
);

/**
 * Stores of network answers still running, per engine and collection: a local answer waits for them, so a list read
 * online and then offline a moment later shows what the page just saw.
 */
const storing = new WeakMap<Engine, Map<string, Set<Promise<void>>>>();

function track(engine: Engine, collection: string, work: Promise<void>): Promise<void> {
  let byCollection = storing.get(engine);
  if (!byCollection) storing.set(engine, (byCollection = new Map<string, Set<Promise<void>>>()));
  let set = byCollection.get(collection);
  if (!set) byCollection.set(collection, (set = new Set<Promise<void>>()));
  const entry = work.catch((error: unknown) => {
    // The page already has its answer; a failed store only means the local copy did not gain it.
    console.warn('[offline-kit] could not store a network read', error);
  });
  set.add(entry);
  void entry.finally(() => set.delete(entry));
  return entry;
}

async function storesSettled(engine: Engine, collection: string): Promise<void> {
  const set = storing.get(engine)?.get(collection);
  if (set?.size) await Promise.all([...set]);
}

export async function handleRead(
  engine: Engine,
  path: ApiPath,
  request: Request,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Response> {
  const url = new URL(request.url);
  const conf = path.collection;
  let id = path.id;
  if (id && isTempId(id)) id = (await engine.ctx.meta.idFor(id)) ?? id;
  const since = url.searchParams.get('since');
  // Records created offline and our own paging cursors exist only here.
  if ((id && isTempId(id)) || since?.startsWith(LOCAL_CURSOR) || !engine.online) {
    return answerLocal(engine, path, id, url);
  }
  if (conf.read !== 'network-first') {
    const local = await answerLocal(engine, path, id, url, true);
    if (local) {
      if (conf.read === 'stale-while-revalidate') {
        waitUntil(
          fromNetwork(engine, path, id, request, waitUntil).then(
            (r) => r.body?.cancel(),
            () => null,
          ),
        );
      }
      return local;
    }
  }
  try {
    return await withTimeout(fromNetwork(engine, path, id, request, waitUntil), conf.networkTimeoutMs);
  } catch {
    return answerLocal(engine, path, id, url);
  }
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
): Promise<Response> {
  const name = path.collection.name;
  // Asked while the request is on the network, so the common answer (nothing queued) costs no extra wait.
  const queued = engine.ctx.queue.countForCollection(name).catch(() => -1);
  const response = await engine.ctx.deps.fetch(request);
  const noStore =
    /no-store/i.test(response.headers.get('cache-control') ?? '') && !path.collection.storeNoStore;
  if (noStore) return response;
  if (response.status === 404 && id) {
    const copy = response.clone();
    const work = copy
      .json()
      .catch(() => null)
      .then(async (body: unknown) => {
        if (isObject(body) && body.error === 'deleted')
          await engine.replicator.applyPage(name, [], [id], new Set(), null, { announce: false });
      });
    waitUntil(track(engine, name, work));
    return response;
  }
  if (response.status !== 200) return response;
  const url = new URL(request.url);
  if ((await queued) === 0) {
    waitUntil(track(engine, name, storeAnswer(engine, name, id, url, response.clone())));
    return withHeaders(response, response.body, { [HEADERS.source]: 'network' });
  }
  const text = await response.text();
  const parsed = parseJson(text);
  const stored = await store(engine, name, id, url, parsed);
  if (stored === null) return withHeaders(response, text, { [HEADERS.source]: 'network' });
  const body = await overlaid(engine, name, stored.records, url, parsed);
  return withHeaders(response, JSON.stringify(body), { [HEADERS.source]: 'network' });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (a login page, a proxy's error page): passed on untouched, nothing kept.
    return undefined;
  }
}

async function storeAnswer(
  engine: Engine,
  collection: string,
  id: string | null,
  url: URL,
  copy: Response,
): Promise<void> {
  const text = await copy.text();
  const key = url.pathname + url.search;
  const stamp = lastStored.stamp(engine);
  const seen = lastStored.get(engine, key);
  if (seen?.text === text) {
    if (seen.complete) await engine.ctx.meta.setCollectionSyncedAt(collection, engine.ctx.deps.now());
    return;
  }
  const stored = await store(engine, collection, id, url, parseJson(text));
  // Unchanged stamp: no read-write transaction began while storing, so the store found everything already held.
  if (stored) lastStored.set(engine, key, stamp, { text, complete: stored.complete });
  else lastStored.delete(engine, key);
}

/** Stores what a read answered; the records it held, or null when it was not a record or a list. */
async function store(
  engine: Engine,
  collection: string,
  id: string | null,
  url: URL,
  parsed: unknown,
): Promise<{ records: ServerRecord[]; complete: boolean } | null> {
  let records: ServerRecord[];
  let deleted: string[] = [];
  let complete = false;
  if (id) {
    if (!isServerRecord(parsed)) return null;
    records = [parsed];
  } else {
    try {
      const page = parseListPage(parsed);
      records = page.records;
      deleted = page.deleted.map((d) => d.id);
      complete = !page.hasMore && ![...url.searchParams.keys()].some((k) => k !== 'limit');
    } catch {
      return null;
    }
  }
  // A page's own read: it already shows these records, so no `data-changed` (it would only read again).
  await engine.replicator.applyPage(collection, records, deleted, new Set(), null, { announce: false });
  if (complete) await engine.ctx.meta.setCollectionSyncedAt(collection, engine.ctx.deps.now());
  return { records, complete };
}

/** A network answer with the collection's queued writes overlaid (and, on a first list page, records created here). */
async function overlaid(
  engine: Engine,
  collection: string,
  records: ServerRecord[],
  url: URL,
  parsed: unknown,
): Promise<unknown> {
  const { rows, marks } = await engine.ctx.records.readWithMarks(
    collection,
    records.length === 1 && isServerRecord(parsed) ? [records[0]?.id ?? ''] : [],
  );
  if (marks.size === 0) return parsed;
  const wanted = [...marks.keys()].filter((k) => !rows.has(k));
  if (wanted.length) {
    const more = await engine.ctx.records.readWithMarks(collection, wanted);
    for (const [k, v] of more.rows) rows.set(k, v);
  }
  const open = async (row: StoredRecord): Promise<JsonRecord | null> => openData(engine, row);
  if (isServerRecord(parsed)) {
    const m = marks.get(parsed.id);
    const row = rows.get(parsed.id);
    const data = row ? await open(row) : null;
    return m && row && data ? engine.withMeta(data, row, m) : parsed;
  }
  const out: JsonRecord[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    seen.add(r.id);
    const m = marks.get(r.id);
    const row = rows.get(r.id);
    if (!m || !row) {
      out.push(r);
      continue;
    }
    const data = await open(row);
    // A record deleted here (its delete still queued) is left out.
    if (data) out.push(engine.withMeta(data, row, m));
  }
  if (!url.searchParams.has('since')) {
    for (const [rid, m] of marks) {
      const row = rows.get(rid);
      if (seen.has(rid) || !row || row.fromServer) continue;
      const data = await open(row);
      if (data && matches(data, url)) out.push(engine.withMeta(data, row, m));
    }
  }
  return Array.isArray(parsed) ? out : { ...(parsed as JsonRecord), records: out };
}

/** The app's view of a stored row (decrypted when sealed); plain rows are answered without a promise turn each. */
function openData(engine: Engine, row: StoredRecord): JsonRecord | null | Promise<JsonRecord | null> {
  if (!engine.ctx.codec.encrypted) return isObject(row.data) ? row.data : null;
  return engine.ctx.codec.openJson(row.data).then((data) => (isObject(data) ? data : null));
}

function matches(data: JsonRecord, url: URL): boolean {
  for (const [k, v] of url.searchParams) {
    if (RESERVED_PARAMS.has(k)) continue;
    const value = data[k];
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : null;
    if (text !== v) return false;
  }
  return true;
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
  await storesSettled(engine, name);
  if (id) {
    const [{ rows, marks }, syncedAt] = await Promise.all([
      engine.ctx.records.readWithMarks(name, [id]),
      engine.ctx.meta.collectionSyncedAt(name),
    ]);
    const row = rows.get(id);
    const data = row ? await openData(engine, row) : null;
    if (!row || !data) {
      if (onlyIfPresent) return null;
      return errorResponse(404, row ? 'deleted' : 'not_found', `${name}/${id} is not in the local copy`);
    }
    const etag: Record<string, string> = row.version !== null ? { etag: `"${row.version}"` } : {};
    return json(200, engine.withMeta(data, row, marks.get(id)), { ...localHeaders(syncedAt), ...etag });
  }
  return answerLocalList(engine, path, url, onlyIfPresent);
}

/**
 * A list from the local copy, in the protocol's shape. `limit` counts records from the server, in id order; records
 * created here (their creates still queued) come on top of the first page, as the network answer shows them, so an
 * offline list never hides what the user created offline.
 */
async function answerLocalList(
  engine: Engine,
  path: ApiPath,
  url: URL,
  onlyIfPresent: boolean,
): Promise<Response | null> {
  const name = path.collection.name;
  const key = url.pathname + url.search;
  const stamp = localLists.stamp(engine);
  const kept = localLists.get(engine, key);
  if (kept) return jsonBody(200, kept.body, localHeaders(kept.syncedAt));
  const limitParam = Number(url.searchParams.get('limit'));
  const limit = Number.isSafeInteger(limitParam) && limitParam > 0 ? limitParam : path.collection.pageSize;
  const since = url.searchParams.get('since');
  const firstPage = !since?.startsWith(LOCAL_CURSOR);
  let after = firstPage ? null : (since?.slice(LOCAL_CURSOR.length) ?? null);
  // Enough for the whole page in one request when no filter skips rows: the page, one more to tell `hasMore`, and
  // the rows of records created here that the scan skips.
  const start = await engine.ctx.records.readListStart(
    name,
    after,
    limit + 1 + 64,
    firstPage,
    syncedAtKey(name),
  );
  const { marks, syncedAt } = start;
  if (firstPage && start.rows.length === 0 && start.creates.length === 0 && syncedAt === null) {
    if (onlyIfPresent) return null;
    return errorResponse(503, 'offline', `${name} has not been synced to this device yet`);
  }
  const records: JsonRecord[] = [];
  let hasMore = false;
  let cursor: string | null = null;
  let rows = start.rows;
  let exhausted = start.exhausted;
  outer: for (;;) {
    for (const row of rows) {
      after = row.id;
      // Created here: shown on top of the first page instead.
      if (!row.fromServer && marks.has(row.id)) continue;
      const opened = openData(engine, row);
      const data = opened instanceof Promise ? await opened : opened;
      if (!data || !matches(data, url)) continue;
      if (records.length === limit) {
        hasMore = true;
        break outer;
      }
      records.push(engine.withMeta(data, row, marks.get(row.id)));
      cursor = LOCAL_CURSOR + row.id;
    }
    if (exhausted) break;
    rows = await engine.ctx.records.page(name, after, SCAN_CHUNK);
    exhausted = rows.length < SCAN_CHUNK;
  }
  if (firstPage) {
    for (const row of start.creates) {
      const data = await openData(engine, row);
      if (data && matches(data, url)) records.push(engine.withMeta(data, row, marks.get(row.id)));
    }
  }
  const text = JSON.stringify({ records, deleted: [], cursor, hasMore });
  const body = engine.ctx.codec.encrypted ? text : new Blob([text], { type: 'application/json' });
  // Kept only if no write began while the rows were read (`set` checks the stamp is still current).
  localLists.set(engine, key, stamp, { body, syncedAt });
  return jsonBody(200, body, localHeaders(syncedAt));
}
