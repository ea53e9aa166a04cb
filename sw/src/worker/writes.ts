/**
 * POST, PUT, PATCH and DELETE to configured read/write collections. Online, the write goes straight to the server
 * with `Idempotency-Key` (and `If-Match` for conflict-detection collections). Offline, simulated offline, on a network
 * error or 5xx, or while the record (or a parent it names) still has queued writes, it is stored durably and answered
 * `202 Accepted` with the optimistic record — queued behind its record's earlier writes so order is kept.
 */
import type { JsonRecord } from '../protocol/config.js';
import { toErrorInfo } from '../protocol/errors.js';
import { isObject } from '../protocol/wire-guards.js';
import type { Version } from '../protocol/api.js';
import { parseJsonBody } from '../core/model/bodies.js';
import type { Engine } from '../core/engine.js';
import type { StoredWrite } from '../core/storage/db.js';
import type { WriteInput } from '../core/outbox/outbox.js';
import { SYNC_FIELD } from '../core/model/records.js';
import type { ApiPath } from './paths.js';
import { errorResponse, json, withHeaders } from './responses.js';
import { HEADERS, type WriteMethod } from '../protocol/wire.js';

/** Direct (online) writes in flight per record: a second write to the same record waits for the first. */
const inFlight = new Map<string, Promise<unknown>>();

export interface WriteHooks {
  /** Ask the browser (Background Sync) and the engine to replay soon. */
  scheduleReplay: (engine: Engine) => void;
}

export async function handleWrite(
  engine: Engine,
  path: ApiPath,
  request: Request,
  hooks: WriteHooks,
): Promise<Response> {
  const method = request.method.toUpperCase() as WriteMethod;
  // Seq is taken now, at arrival, before the body is read: writes keep the order the page issued them in.
  const seq = engine.reserveSeq();
  const conf = path.collection;
  const maxBytes = engine.config.maxBodyBytes;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return tooLarge(maxBytes);
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > maxBytes) return tooLarge(maxBytes);
  const body = bytes.byteLength > 0 ? bytes : null;
  const contentType = request.headers.get('content-type');
  const url = new URL(request.url);
  const ifMatch = pageIfMatch(request.headers.get('if-match'), engine.wire(conf.name).version === 'etag');
  const ownKey = request.headers.get('idempotency-key');
  // Parsed once here; the outbox and the direct send reuse it.
  const fields = parseJsonBody(body, contentType);
  const input: WriteInput = {
    method,
    url: url.pathname + url.search,
    collection: conf.name,
    recordId: path.id,
    headers: [...request.headers],
    body,
    contentType,
    ifMatch,
    idempotencyKey: ownKey && ownKey.length <= 200 ? ownKey : null,
    seq: await seq,
    json: { value: fields },
  };

  const refs: string[] = [...url.searchParams.values()];
  if (isObject(fields))
    for (const p of conf.parents)
      if (typeof fields[p.field] === 'string') refs.push(fields[p.field] as string);
  const key = `${conf.name}/${path.id ?? ''}`;
  const previous = path.id ? inFlight.get(key) : undefined;
  const run = (async () => {
    if (previous) await previous.catch(() => undefined);
    if (
      await engine.mustQueue(
        conf.name,
        path.id,
        refs.filter((r) => r !== path.id),
      )
    )
      return queue(engine, input, hooks);
    return sendDirect(engine, input, request, hooks);
  })();
  if (path.id) {
    inFlight.set(key, run);
    void run.finally(() => {
      if (inFlight.get(key) === run) inFlight.delete(key);
    });
  }
  return run;
}

function tooLarge(max: number): Response {
  return errorResponse(413, 'body_too_large', `Offline Kit queues bodies up to ${max} bytes`, {
    maxBodyBytes: max,
  });
}

async function queue(engine: Engine, input: WriteInput, hooks: WriteHooks): Promise<Response> {
  let result;
  try {
    result = await engine.enqueue(input);
  } catch (error) {
    const info = toErrorInfo(error);
    if (info.code === 'invalid_state') return errorResponse(503, 'invalid_state', info.message);
    if (info.code === 'quota_exceeded') {
      return errorResponse(507, 'quota_exceeded', 'The device has no room left to keep this change offline');
    }
    return errorResponse(507, 'storage_failed', `The change could not be stored offline: ${info.message}`);
  }
  hooks.scheduleReplay(engine);
  return accepted(engine, result.write, result.record);
}

/**
 * The version the page itself sent in `If-Match`: an integer (`"3"`), or for an API of ETags the tag as sent. A list
 * of tags or `*` asks for no particular version.
 */
function pageIfMatch(raw: string | null, etags: boolean): Version | null {
  const value = raw?.trim() ?? '';
  if (/^"?\d{1,15}"?$/.test(value)) return Number(value.replace(/"/g, ''));
  if (etags && /^(W\/)?"[^",]{0,200}"$/.test(value)) return value;
  return null;
}

/** The 202 to a queued write: the optimistic record in the API's own shape, with `_sync` unless the app turned it off. */
async function accepted(engine: Engine, write: StoredWrite, record: JsonRecord | null): Promise<Response> {
  const meta = {
    state: 'pending',
    pending: true,
    version: write.baseVersion,
    syncedAt: null,
    writeId: write.id,
  };
  const shaped = await engine.reads.forApp(write.collection, record ?? { id: write.recordId, deleted: true });
  const body = engine.wire(write.collection).wire.syncMeta ? { ...shaped, [SYNC_FIELD]: meta } : shaped;
  return json(202, body, { [HEADERS.source]: 'queued', [HEADERS.writeId]: write.id });
}

async function sendDirect(
  engine: Engine,
  input: WriteInput,
  original: Request,
  hooks: WriteHooks,
): Promise<Response> {
  const key = input.idempotencyKey ?? engine.newKey();
  const headers = new Headers(original.headers);
  headers.set(HEADERS.idempotencyKey, key);
  const conf = engine.config.collections.get(input.collection);
  if (conf?.detectConflicts && input.recordId && input.ifMatch === null) {
    const version = await engine.knownVersion(input.collection, input.recordId);
    const ifMatch = engine.wire(input.collection).ifMatch(version);
    if (ifMatch !== null) headers.set(HEADERS.ifMatch, ifMatch);
  }
  let body = input.body;
  const parsed = input.json ? input.json.value : parseJsonBody(body, input.contentType);
  if (isObject(parsed) && SYNC_FIELD in parsed) {
    const copy = { ...parsed };
    delete copy[SYNC_FIELD];
    body = new TextEncoder().encode(JSON.stringify(copy)).buffer;
  }
  let response: Response;
  try {
    response = await engine.fetch(
      new Request(original.url, { method: input.method, headers, body, credentials: original.credentials }),
    );
  } catch {
    // It may or may not have reached the server: queued under the same key, the replay is answered exactly once.
    return queue(engine, { ...input, idempotencyKey: key }, hooks);
  }
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    return queue(engine, { ...input, idempotencyKey: key }, hooks);
  }
  if (response.ok) {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const record = engine.wire(input.collection).record(parsed, response.headers.get('etag'));
    try {
      if (input.method === 'DELETE' && input.recordId)
        await engine.storeDeleted(input.collection, input.recordId);
      else if (record) {
        // Only a create takes its id from the answer: an answer to an edit of wo_1 that names wo_2 says nothing
        // trustworthy about either, and storing it would overwrite the local wo_2.
        if (input.recordId === null || record.id === input.recordId)
          await engine.storeAcknowledged(input.collection, record);
        else
          console.warn(
            '[offline-kit] an answer to a write of one record named another; not stored',
            record.id,
          );
      }
    } catch (error) {
      console.error('[offline-kit] could not store an acknowledged record', error);
    }
    return withHeaders(response, text, { [HEADERS.source]: 'network' });
  }
  return response;
}
