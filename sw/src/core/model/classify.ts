/**
 * What an answer to a write means (PROTOCOL.md §6, §8). A 2xx whose body is not what the protocol promises is a
 * transient server fault, never a success: the write stays queued and is retried with the same Idempotency-Key. A 2xx
 * to a write of an existing record that names another record is refused for good (kept failed): acknowledging it
 * would move the local row onto the other record and overwrite it.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import { OfflineKitError, toErrorInfo } from '../../protocol/errors.js';
import { isObject, isServerRecord, parseConflictBody, serverErrorInfo } from '../../protocol/wire-guards.js';
import type { WriteMethod } from '../../protocol/wire.js';
import type { CoreRecord } from './records.js';

export type WriteOutcome =
  | { kind: 'ok'; status: number; record: CoreRecord | null; deleted: boolean }
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

/** The write an answer is for: its method, and the record it names (a temporary id for a create). */
export interface Answered {
  method: WriteMethod;
  recordId: string;
}

export function classify(
  write: Answered,
  status: number,
  body: unknown,
  retryAfterMs: number | null,
  reader: AnswerReader = PROTOCOL_READER,
  etag: string | null = null,
): WriteOutcome {
  const { method } = write;
  if (status >= 200 && status < 300) {
    if (status === 204) return { kind: 'ok', status, record: null, deleted: method === 'DELETE' };
    if (method === 'DELETE') {
      if (isObject(body) && typeof body.id === 'string') {
        if (body.id !== write.recordId) return otherRecord(write, status, body.id);
        return { kind: 'ok', status, record: null, deleted: true };
      }
    } else {
      const record = reader.record(body, etag);
      if (record) {
        // Only a create learns its id from the answer; any other write is about the record it named.
        if (method !== 'POST' && record.id !== write.recordId) return otherRecord(write, status, record.id);
        return { kind: 'ok', status, record, deleted: false };
      }
    }
    return transient(
      new OfflineKitError('bad_response', `a ${status} answer without a record`, { status }),
      null,
    );
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
