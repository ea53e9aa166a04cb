/**
 * Guards of what the server sends (PROTOCOL.md). Everything from the network enters as `unknown` and leaves here
 * typed, or as an `OfflineKitError('bad_response')` — which the engine treats as a transient server fault.
 */
import type { ErrorInfo } from './api.js';
import {
  PROTOCOL_NAME,
  WRITE_METHODS,
  type WriteMethod,
  type BatchAnswer,
  type BatchResult,
  type ConflictBody,
  type Discovery,
  type ListPage,
  type ServerRecord,
  type Tombstone,
} from './wire.js';
import { OfflineKitError } from './errors.js';

export function isWriteMethod(value: unknown): value is WriteMethod {
  return typeof value === 'string' && (WRITE_METHODS as readonly string[]).includes(value);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isServerRecord(value: unknown): value is ServerRecord {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    typeof value.version === 'number' &&
    Number.isSafeInteger(value.version) &&
    value.version >= 1
  );
}

function bad(message: string, details?: unknown): OfflineKitError {
  return new OfflineKitError('bad_response', message, { details });
}

/** A list answer (§4). A plain REST backend may answer a bare array of records: accepted as one complete page. */
export function parseListPage(value: unknown): ListPage {
  if (Array.isArray(value)) {
    if (!value.every(isServerRecord)) throw bad('list answer holds an item that is not a record');
    return { records: value, deleted: [], cursor: null, hasMore: false };
  }
  if (!isObject(value) || !Array.isArray(value.records)) throw bad('list answer has no records array');
  if (!value.records.every(isServerRecord)) throw bad('list answer holds an item that is not a record');
  const deletedRaw = value.deleted ?? [];
  if (!Array.isArray(deletedRaw)) throw bad('list answer: deleted is not an array');
  const deleted: Tombstone[] = [];
  for (const item of deletedRaw) {
    if (!isObject(item) || typeof item.id !== 'string') throw bad('list answer: malformed tombstone');
    deleted.push({ id: item.id, version: typeof item.version === 'number' ? item.version : 0 });
  }
  const cursor = value.cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string')
    throw bad('list answer: bad cursor');
  if (value.hasMore !== undefined && typeof value.hasMore !== 'boolean')
    throw bad('list answer: bad hasMore');
  return {
    records: value.records,
    deleted,
    cursor: typeof cursor === 'string' ? cursor : null,
    hasMore: value.hasMore === true,
  };
}

const PROBE = 'http://offline-kit.invalid';

/**
 * A path that stays on whatever origin it is resolved against: starts with one `/`, holds no backslash (a URL parser
 * reads `/\x` as `//x`) and no control character (the parser drops tabs and newlines, so `/\t/x` is `//x` too). The
 * one rule for every URL the worker builds credentials into: `apiBase`, discovery's `batch.path`, a queued write's url.
 */
export function isSameOriginPath(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return false;
  for (let i = 0; i < path.length; i += 1) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  try {
    return new URL(path, PROBE).origin === PROBE;
  } catch {
    return false;
  }
}

export function parseDiscovery(value: unknown): Discovery {
  if (!isObject(value) || value.protocol !== PROTOCOL_NAME || typeof value.version !== 'number') {
    throw bad('discovery answer is not an offline-kit-sync document');
  }
  let batch: Discovery['batch'] = null;
  const ignored: string[] = [];
  const b = value.batch;
  if (isObject(b)) {
    if (typeof b.path !== 'string' || !isSameOriginPath(b.path)) {
      // Credentials would go wherever this points: a path elsewhere means no batch, never a request elsewhere.
      ignored.push(`batch.path ${JSON.stringify(b.path)} is not a path on this origin: writes go one by one`);
    } else {
      const maxWrites = typeof b.maxWrites === 'number' && b.maxWrites >= 1 ? Math.floor(b.maxWrites) : 100;
      const maxBytes = typeof b.maxBytes === 'number' && b.maxBytes >= 1 ? Math.floor(b.maxBytes) : 1048576;
      batch = { path: b.path, maxWrites, maxBytes };
    }
  }
  return {
    version: value.version,
    batch,
    maxBodyBytes: typeof value.maxBodyBytes === 'number' ? value.maxBodyBytes : null,
    ignored,
  };
}

/**
 * The body of a 409 (§5.1). Only `deleted: true` (with `current` null or absent) means the server deleted the record;
 * an error body without a usable `current` (missing, not a record) is a conflict whose server copy is unknown:
 * `current` null, `deleted` false. Reading it as a deletion dropped the user's edit (server-wins) or created the
 * record a second time (client-wins). A body that is not a JSON object (a proxy's page) is no protocol answer at all.
 */
export function parseConflictBody(value: unknown): ConflictBody {
  if (!isObject(value)) throw bad('409 answer is not a JSON object');
  if (value.deleted === true && (value.current === null || value.current === undefined))
    return { current: null, deleted: true };
  return { current: isServerRecord(value.current) ? value.current : null, deleted: false };
}

export function parseBatchAnswer(value: unknown): BatchAnswer {
  if (!isObject(value) || !Array.isArray(value.results)) throw bad('batch answer has no results array');
  const results: BatchResult[] = [];
  for (const r of value.results) {
    if (!isObject(r) || typeof r.key !== 'string' || typeof r.status !== 'number') {
      throw bad('batch answer: malformed result');
    }
    results.push({ key: r.key, status: r.status, body: r.body });
  }
  const idMap: Record<string, string> = {};
  if (isObject(value.idMap)) {
    for (const [k, v] of Object.entries(value.idMap)) if (typeof v === 'string') idMap[k] = v;
  }
  return { results, idMap };
}

/** The server's JSON error body (§6), as ErrorInfo details. */
export function serverErrorInfo(status: number, body: unknown, fallback: string): ErrorInfo {
  const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'rejected';
  if (isObject(body) && typeof body.error === 'string') {
    const message = typeof body.message === 'string' ? body.message : body.error;
    return { code, message, status, details: { error: body.error, details: body.details ?? null } };
  }
  return { code, message: fallback, status };
}
