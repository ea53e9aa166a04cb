/**
 * What an answer to a write means (PROTOCOL.md §6, §8). A 2xx is a delivery: the server applied the write, so it is
 * never sent again (a plain REST API applies a PATCH again, and a create twice). When the body cannot be read as the
 * record, the write is still acknowledged, with `unread` saying why, and the caller reads the record again. A 2xx to
 * a write of an existing record that names another record is refused for good (kept failed): acknowledging it would
 * move the local row onto the other record and overwrite it.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import { OfflineKitError, toErrorInfo } from '../../protocol/errors.js';
import { isObject, isServerRecord, parseConflictBody, serverErrorInfo } from '../../protocol/wire-guards.js';
import type { WriteMethod } from '../../protocol/wire.js';
import type { CoreRecord } from './records.js';

export type WriteOutcome =
  | {
      kind: 'ok';
      status: number;
      record: CoreRecord | null;
      deleted: boolean;
      /** A create's server id when the answer named it without a readable record (body `id`, or `Location`). */
      id?: string;
      /** Why the answer could not be read as the record: the warning for the history and the panel. */
      unread?: ErrorInfo;
    }
  /** `status`: 409, or what the API says a stale version with (412). */
  | { kind: 'conflict'; status: number; server: CoreRecord | null; serverDeleted: boolean }
  | { kind: 'auth'; error: ErrorInfo }
  | { kind: 'failed'; error: ErrorInfo }
  | { kind: 'transient'; error: ErrorInfo; retryAfterMs: number | null };

/**
 * How the API's answers are read (a collection's `WireAdapter`): its record shape, and which statuses mean a stale
 * version. Without one, answers are read as our protocol's.
 */
export interface AnswerReader {
  record(body: unknown, etag: string | null): CoreRecord | null;
  isStale(status: number): boolean;
  /** Our protocol: a 409's body is `{ current | deleted }` (§5.1). */
  readonly protocol: boolean | null;
}

const PROTOCOL_READER: AnswerReader = {
  record: (body) => (isServerRecord(body) ? body : null),
  isStale: (status) => status === 409,
  protocol: true,
};

/** The write an answer is for: its method, its URL, and the record it names (a temporary id for a create). */
export interface Answered {
  method: WriteMethod;
  recordId: string;
  url?: string;
}

export function classify(
  write: Answered,
  status: number,
  body: unknown,
  retryAfterMs: number | null,
  location: string | null = null,
  reader: AnswerReader = PROTOCOL_READER,
  etag: string | null = null,
): WriteOutcome {
  const { method } = write;
  if (status >= 200 && status < 300) {
    const record = method === 'DELETE' ? null : reader.record(body, etag);
    if (record) {
      // Only a create learns its id from the answer; any other write is about the record it named.
      if (method !== 'POST' && record.id !== write.recordId) return otherRecord(write, status, record.id);
      return { kind: 'ok', status, record, deleted: false };
    }
    // An id written as a number (`1` for "1") names the same record.
    const named = isObject(body) ? idText(body.id) : null;
    if (method !== 'POST') {
      if (named !== null && named !== write.recordId) return otherRecord(write, status, named);
      if (method === 'DELETE' || status === 204)
        return { kind: 'ok', status, record: null, deleted: method === 'DELETE' };
      return { kind: 'ok', status, record: null, deleted: false, unread: unread(status, body) };
    }
    const id = named ?? idFromLocation(location, write.url);
    const ok: WriteOutcome = {
      kind: 'ok',
      status,
      record: null,
      deleted: false,
      unread: unread(status, body),
    };
    if (id !== null) ok.id = id;
    else if (ok.unread) ok.unread.message += '; the record keeps its temporary id here';
    return ok;
  }
  if (reader.isStale(status) && reader.protocol !== true) {
    // A REST API's stale answer: its body may be the server's record, or hold it as `current`; otherwise (an error
    // text, nothing) the record is read again by the caller.
    const copy = reader.record(body, etag) ?? (isObject(body) ? reader.record(body.current, null) : null);
    const server = copy && copy.id === write.recordId ? copy : null;
    return { kind: 'conflict', status, server, serverDeleted: false };
  }
  if (status === 409) {
    try {
      const c = parseConflictBody(body);
      // A copy of another record is no copy of this one: the caller reads the record again.
      const server = c.current && c.current.id === write.recordId ? c.current : null;
      return { kind: 'conflict', status, server, serverDeleted: c.deleted };
    } catch (error) {
      return transient(error, retryAfterMs);
    }
  }
  if (status === 401)
    return { kind: 'auth', error: serverErrorInfo(status, body, 'the server asks for credentials') };
  if (status === 429 || status >= 500) {
    return {
      kind: 'transient',
      error: { code: 'server_error', message: `the server answered ${status}`, status },
      retryAfterMs,
    };
  }
  if (status >= 400)
    return { kind: 'failed', error: serverErrorInfo(status, body, `the server answered ${status}`) };
  return transient(new OfflineKitError('bad_response', `unexpected status ${status}`, { status }), null);
}

function otherRecord(write: Answered, status: number, named: string): WriteOutcome {
  return {
    kind: 'failed',
    error: {
      code: 'bad_response',
      message: `the ${status} answer to a ${write.method} of ${write.recordId} names another record (${named})`,
      status,
      details: { expected: write.recordId, named },
    },
  };
}

/** The warning for a 2xx whose body is not the record the protocol promises. */
function unread(status: number, body: unknown): ErrorInfo {
  const what =
    body === undefined
      ? 'no JSON body'
      : !isObject(body)
        ? 'a body that is not a record'
        : typeof body.version !== 'number'
          ? 'a record without a version'
          : 'a record whose id is not a string';
  return {
    code: 'bad_response',
    message: `delivered, but the ${status} answer could not be read: ${what}`,
    status,
  };
}

/** A record id as the wire may write it: a non-empty string, or a number. */
function idText(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** A create's id from `Location: /api/work-orders/17` (`17`), only when it names an item of the collection written. */
function idFromLocation(location: string | null, url: string | undefined): string | null {
  if (!location || !url) return null;
  try {
    const base = new URL(url, 'http://x').pathname.replace(/\/+$/, '');
    const path = new URL(location, 'http://x').pathname;
    const last = path.slice(base.length + 1);
    if (!path.startsWith(`${base}/`) || last === '' || last.includes('/')) return null;
    return decodeURIComponent(last);
  } catch {
    return null;
  }
}

function transient(error: unknown, retryAfterMs: number | null): WriteOutcome {
  return { kind: 'transient', error: toErrorInfo(error), retryAfterMs };
}

/** Reads a response body as JSON; a body that is not JSON is `undefined` (the guards then reject it). */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
