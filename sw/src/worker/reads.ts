/**
 * GETs of configured collections and records: network-first with a timeout, cache-first, or stale-while-revalidate.
 * What the network answers is stored as records; what the local copy answers carries `Offline-Kit-Source: local` and
 * the time of the collection's last successful sync. Queued writes are overlaid either way.
 */
import { HEADERS } from '../shared/api.js';
import type { JsonRecord } from '../shared/config.js';
import { isObject, isServerRecord, parseListPage, type ServerRecord } from '../shared/guards.js';
import type { Engine } from '../engine/engine.js';
import { isTempId } from '../engine/temp-ids.js';
import type { ApiPath } from './paths.js';
import { errorResponse, json, withHeaders } from './responses.js';

const LOCAL_CURSOR = 'local:';
const RESERVED_PARAMS = new Set(['since', 'limit']);

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
      if (conf.read === 'stale-while-revalidate')
        waitUntil(fromNetwork(engine, path, id, request).catch(() => null));
      return local;
    }
  }
  try {
    return await withTimeout(fromNetwork(engine, path, id, request), conf.networkTimeoutMs);
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
): Promise<Response> {
  const response = await engine.ctx.deps.fetch(request);
  const name = path.collection.name;
  const noStore =
    /no-store/i.test(response.headers.get('cache-control') ?? '') && !path.collection.storeNoStore;
  if (response.status === 404 && id && !noStore) {
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    if (isObject(body) && body.error === 'deleted') await engine.storeDeleted(name, id);
    return response;
  }
  if (response.status !== 200 || noStore) return response;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a login page, a proxy's error page): pass it on untouched and keep nothing.
    return withHeaders(response, text, { [HEADERS.source]: 'network' });
  }
  if (id) {
    if (!isServerRecord(parsed)) return withHeaders(response, text, { [HEADERS.source]: 'network' });
    await engine.storeRead(name, [parsed], []);
    const overlaid = await overlayOne(engine, name, parsed);
    return withHeaders(response, JSON.stringify(overlaid), { [HEADERS.source]: 'network' });
  }
  let page;
  try {
    page = parseListPage(parsed);
  } catch {
    return withHeaders(response, text, { [HEADERS.source]: 'network' });
  }
  await engine.storeRead(
    name,
    page.records,
    page.deleted.map((d) => d.id),
  );
  const url = new URL(request.url);
  if (![...url.searchParams.keys()].some((k) => k !== 'limit') && !page.hasMore) {
    await engine.ctx.meta.setCollectionSyncedAt(name, engine.ctx.deps.now());
  }
  const meta = await engine.syncMetaOf(name);
  if (meta.size === 0) return withHeaders(response, text, { [HEADERS.source]: 'network' });
  const records = await overlayList(engine, name, page.records, meta, url, !url.searchParams.has('since'));
  const body = Array.isArray(parsed) ? records : { ...(parsed as JsonRecord), records };
  return withHeaders(response, JSON.stringify(body), { [HEADERS.source]: 'network' });
}

async function overlayOne(engine: Engine, collection: string, record: ServerRecord): Promise<JsonRecord> {
  const meta = await engine.syncMetaOf(collection);
  const m = meta.get(record.id);
  if (!m) return record;
  const local = await engine.ctx.records.get(collection, record.id);
  if (!local?.data) return record;
  return engine.withMeta(local.data, local.row, m);
}

/** Server records with queued local changes applied, and records created offline that match the filters appended. */
async function overlayList(
  engine: Engine,
  collection: string,
  records: ServerRecord[],
  meta: Map<string, { state: 'synced' | 'pending' | 'conflict' | 'failed' | 'local'; writeId: string }>,
  url: URL,
  appendCreates: boolean,
): Promise<JsonRecord[]> {
  const out: JsonRecord[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    seen.add(r.id);
    const m = meta.get(r.id);
    if (!m) {
      out.push(r);
      continue;
    }
    const local = await engine.ctx.records.get(collection, r.id);
    if (local?.data) out.push(engine.withMeta(local.data, local.row, m));
    else if (!local) out.push(r);
  }
  if (appendCreates) {
    for (const [id, m] of meta) {
      if (seen.has(id)) continue;
      const local = await engine.ctx.records.get(collection, id);
      if (local?.data && !local.row.fromServer && matches(local.data, url)) {
        out.push(engine.withMeta(local.data, local.row, m));
      }
    }
  }
  return out;
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

async function localHeaders(engine: Engine, collection: string): Promise<Record<string, string>> {
  const at = await engine.ctx.meta.collectionSyncedAt(collection);
  const headers: Record<string, string> = { [HEADERS.source]: 'local' };
  if (at !== null) headers[HEADERS.lastSync] = new Date(at).toISOString();
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
  const headers = await localHeaders(engine, name);
  if (id) {
    const local = await engine.ctx.records.get(name, id);
    if (!local?.data) {
      if (onlyIfPresent) return null;
      return errorResponse(404, local ? 'deleted' : 'not_found', `${name}/${id} is not in the local copy`);
    }
    const meta = await engine.syncMetaOf(name);
    const body = engine.withMeta(local.data, local.row, meta.get(id));
    const etag: Record<string, string> = local.row.version !== null ? { etag: `"${local.row.version}"` } : {};
    return json(200, body, { ...headers, ...etag });
  }
  const syncedAt = await engine.ctx.meta.collectionSyncedAt(name);
  const count = await engine.ctx.records.count(name);
  if (count === 0 && syncedAt === null) {
    if (onlyIfPresent) return null;
    return errorResponse(503, 'offline', `${name} has not been synced to this device yet`);
  }
  const limitParam = Number(url.searchParams.get('limit'));
  const limit = Number.isSafeInteger(limitParam) && limitParam > 0 ? limitParam : path.collection.pageSize;
  const since = url.searchParams.get('since');
  let after = since?.startsWith(LOCAL_CURSOR) ? since.slice(LOCAL_CURSOR.length) : null;
  const meta = await engine.syncMetaOf(name);
  const records: JsonRecord[] = [];
  let hasMore = false;
  outer: for (;;) {
    const rows = await engine.ctx.records.page(name, after, 500);
    if (rows.length === 0) break;
    for (const raw of rows) {
      const open = await engine.ctx.records.open(raw);
      if (open.data && matches(open.data, url)) {
        if (records.length === limit) {
          hasMore = true;
          break outer;
        }
        records.push(engine.withMeta(open.data, raw, meta.get(raw.id)));
      }
      after = raw.id;
    }
  }
  const last = records[records.length - 1];
  const cursor = last ? LOCAL_CURSOR + String(last.id) : null;
  return json(200, { records, deleted: [], cursor, hasMore }, headers);
}
