import { TEMP_ID_PATTERN, TEMP_PREFIX } from '@offline-kit/sw/protocol';
import { findCollection, type CollectionDef } from '../collections/index.js';
import { SERVER_FIELDS, mergePatch } from '../collections/fields.js';
import { ConflictError, HttpError, forbidden, invalidBody } from '../http/errors.js';
import { canonicalJson, isObject, sha256, type JsonObject } from '../json.js';
import { toTombstone, toWire, type Records } from '../records.js';
import type { Store, StoredRecord } from '../store/index.js';
import { parseApiPath, recordPath } from './paths.js';
import type { IfMatch, WriteAnswer, WriteBody, WriteRequest } from './write-types.js';

/**
 * Applies one write exactly once per (user, Idempotency-Key).
 *
 * Contract (PROTOCOL.md §5.2): everything happens in one transaction — rewriting temporary ids, looking up the key,
 * the change itself, and storing the answer under the key — so a crash keeps both or neither. A key already answered
 * replays that answer (flagged `replay`) when the request is the same after temporary ids are rewritten, and throws
 * 422 otherwise. 4xx answers decided by the data are stored too (the same write gets the same answer); 5xx and
 * unexpected errors roll everything back and store nothing, so the write may be tried again.
 */
export function applyWrite(store: Store, records: Records, request: WriteRequest): WriteAnswer {
  return store.transaction(() => {
    const write = rewriteTempIds(store, request);
    const fingerprint = fingerprintOf(write);
    const stored = store.idempotency.get(write.user, write.key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new HttpError(
          422,
          'idempotency_key_reused',
          `Idempotency-Key ${write.key} was already used for a different request`,
        );
      }
      return {
        status: stored.status,
        headers: stored.headers,
        body: JSON.parse(stored.body) as unknown,
        replay: true,
      };
    }
    let answer: WriteAnswer;
    try {
      // A savepoint: a write refused half-way leaves nothing behind, while its answer is still recorded below.
      answer = store.transaction(() => perform(store, records, write));
    } catch (error) {
      if (!(error instanceof HttpError) || error.status >= 500) throw error;
      answer = { status: error.status, headers: error.headers, body: error.toBody(), replay: false };
    }
    store.idempotency.put(
      write.user,
      write.key,
      { fingerprint, status: answer.status, headers: answer.headers, body: JSON.stringify(answer.body) },
      store.clock().getTime(),
    );
    return answer;
  });
}

export function isTempId(value: string): boolean {
  return TEMP_ID_PATTERN.test(value);
}

/** Replaces temporary ids this user created earlier by their server ids, in the path, query and top-level fields. */
function rewriteTempIds(store: Store, request: WriteRequest): WriteRequest {
  const resolve = (value: string): string =>
    value.startsWith(TEMP_PREFIX) ? (store.tempIds.resolve(request.user, value) ?? value) : value;
  const pathname = request.pathname
    .split('/')
    .map((segment) => {
      try {
        return encodeURIComponent(resolve(decodeURIComponent(segment)));
      } catch {
        return segment;
      }
    })
    .join('/');
  const query = new URLSearchParams();
  for (const [name, value] of request.query) query.append(name, resolve(value));
  let body: WriteBody = request.body;
  if (body.kind === 'json' && isObject(body.value)) {
    const value: JsonObject = {};
    for (const [name, field] of Object.entries(body.value))
      value[name] = typeof field === 'string' ? resolve(field) : field;
    body = { kind: 'json', value };
  } else if (body.kind === 'form') {
    body = {
      kind: 'form',
      fields: new Map([...body.fields].map(([name, values]) => [name, values.map(resolve)])),
    };
  }
  return { ...request, pathname, query, body };
}

function fingerprintOf(write: WriteRequest): string {
  const query = [...write.query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let body: string | Buffer;
  switch (write.body.kind) {
    case 'none':
      body = '';
      break;
    case 'json': {
      // Server-owned fields are ignored when stored, so they do not make two attempts different either.
      const value = write.body.value;
      const meaningful = isObject(value)
        ? Object.fromEntries(
            Object.entries(value).filter(([name]) => !(SERVER_FIELDS as readonly string[]).includes(name)),
          )
        : value;
      body = `json:${canonicalJson(meaningful)}`;
      break;
    }
    case 'form':
      body = `form:${canonicalJson(Object.fromEntries(write.body.fields))}`;
      break;
    case 'binary':
      body = Buffer.concat([Buffer.from(`binary:${write.body.contentType}:`), write.body.bytes]);
      break;
  }
  return sha256(write.method, write.pathname, JSON.stringify(query), write.tempId ?? '', body);
}

function perform(store: Store, records: Records, write: WriteRequest): WriteAnswer {
  const route = parseApiPath(write.pathname);
  const def = route ? findCollection(route.collection) : undefined;
  if (!route || !def) {
    throw new HttpError(404, 'unknown_collection', `no collection answers ${write.pathname}`);
  }
  if (!def.writable) throw new HttpError(405, 'read_only', `${def.name} is read-only`);
  if (route.sub !== null)
    throw new HttpError(405, 'method_not_allowed', `${write.method} ${write.pathname} is not allowed`);
  const ctx = { actor: write.user, now: store.clock() };

  if (write.method === 'POST') {
    if (route.id !== null) {
      throw new HttpError(405, 'method_not_allowed', `POST goes to ${def.name}, not to one of its records`);
    }
    return create(store, records, def, write, ctx);
  }
  if (route.id === null) {
    throw new HttpError(405, 'method_not_allowed', `${write.method} needs a record id: ${def.name}/<id>`);
  }
  if (write.method !== 'DELETE' && !def.updatable) {
    throw new HttpError(
      405,
      'read_only',
      `${def.name} records cannot be changed: delete one and create another`,
    );
  }
  const current = store.records.get(def.name, route.id);
  if (!current) throw new HttpError(404, 'not_found', `${def.name}/${route.id} does not exist`);
  if (!records.canRead(def, current, write.user)) throw forbidden(`${def.name}/${route.id}`);
  checkIfMatch(def, current, write.ifMatch, write.method);

  if (write.method === 'DELETE') {
    if (current.deleted) return answer(200, toTombstone(current), {});
    const tombstone = records.remove(def, current);
    return answer(200, toTombstone(tombstone), {});
  }
  if (current.deleted) {
    throw new HttpError(404, 'deleted', `${def.name}/${current.id} was deleted`, toTombstone(current));
  }
  const input = jsonObjectBody(write.body);
  const data =
    write.method === 'PUT'
      ? def.replace(input, current.data, ctx)
      : def.replace(patchInput(current.data, input), current.data, ctx);
  const record = records.replace(def, current, data);
  return answer(200, toWire(record), { ETag: etag(record) });
}

function create(
  store: Store,
  records: Records,
  def: CollectionDef,
  write: WriteRequest,
  ctx: { actor: string; now: Date },
): WriteAnswer {
  if (write.tempId !== null) {
    if (!isTempId(write.tempId)) {
      throw new HttpError(
        400,
        'invalid_temp_id',
        'a temporary id is tmp_ followed by 1-200 letters, digits, - or _',
      );
    }
    const known = store.tempIds.resolve(write.user, write.tempId);
    if (known !== undefined) {
      // A second create under the same temporary id with another key would make a duplicate record.
      throw new HttpError(400, 'invalid_temp_id', `${write.tempId} was already created as ${known}`, {
        tempId: write.tempId,
        id: known,
      });
    }
  }
  let input: JsonObject;
  let blob: { contentType: string; bytes: Buffer } | null = null;
  const body = write.body;
  if (body.kind === 'binary') {
    if (!def.accepts.binary) throw unsupported(def, body.contentType);
    if (!body.contentType.startsWith('image/')) throw unsupported(def, body.contentType);
    blob = { contentType: body.contentType, bytes: body.bytes };
    input = {
      workOrderId: write.query.get('workOrderId') ?? undefined,
      contentType: body.contentType,
      size: body.bytes.byteLength,
    };
  } else if (body.kind === 'form') {
    if (!def.accepts.form || !def.fromForm) throw unsupported(def, 'form data');
    input = def.fromForm(body.fields);
  } else {
    if (!def.accepts.json) throw unsupported(def, 'JSON');
    input = jsonObjectBody(body);
  }
  const record = records.create(def, input, ctx);
  if (blob) store.blobs.put(record.id, blob.contentType, blob.bytes);
  if (write.tempId !== null) store.tempIds.remember(write.user, write.tempId, def.name, record.id);
  return answer(201, toWire(record), { ETag: etag(record), Location: recordPath(def.name, record.id) });
}

function checkIfMatch(
  def: CollectionDef,
  current: StoredRecord,
  ifMatch: IfMatch | null,
  method: string,
): void {
  if (ifMatch === null) return;
  const label = `${def.name}/${current.id}`;
  if (current.deleted) {
    throw new ConflictError(`${label} was deleted at version ${current.version}`, {
      current: null,
      deleted: true,
      tombstone: toTombstone(current),
    });
  }
  if (ifMatch.kind === 'version' && ifMatch.version !== current.version) {
    throw new ConflictError(`${label} is at version ${current.version}, not ${ifMatch.version} (${method})`, {
      current: toWire(current),
    });
  }
}

/** PATCH: RFC 7396 onto the fields the client sees, then validated as a whole record. */
function patchInput(current: JsonObject, patch: JsonObject): JsonObject {
  const merged = mergePatch(current, patch);
  return isObject(merged) ? merged : {};
}

function jsonObjectBody(body: WriteBody): JsonObject {
  if (body.kind === 'json') {
    if (!isObject(body.value)) throw invalidBody('(body)', 'must be a JSON object');
    return body.value;
  }
  if (body.kind === 'none') throw invalidBody('(body)', 'a JSON object is required');
  throw new HttpError(415, 'unsupported_media_type', 'updates take application/json bodies');
}

function unsupported(def: CollectionDef, what: string): HttpError {
  const accepted = [
    def.accepts.json ? 'application/json' : null,
    def.accepts.form ? 'application/x-www-form-urlencoded, multipart/form-data' : null,
    def.accepts.binary ? 'image/*' : null,
  ].filter(Boolean);
  return new HttpError(
    415,
    'unsupported_media_type',
    `${def.name} does not accept ${what}; send ${accepted.join(', ')}`,
  );
}

function answer(status: number, body: unknown, headers: Record<string, string>): WriteAnswer {
  return { status, body, headers, replay: false };
}

export function etag(record: StoredRecord): string {
  return `"${record.version}"`;
}
