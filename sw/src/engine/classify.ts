/**
 * What an answer to a write means (PROTOCOL.md §6, §8). A 2xx whose body is not what the protocol promises is a
 * transient server fault, never a success: the write stays queued and is retried with the same Idempotency-Key.
 */
import type { ErrorInfo, WriteMethod } from '../shared/api.js';
import { OfflineKitError, toErrorInfo } from '../shared/errors.js';
import {
  isObject,
  isServerRecord,
  parseConflictBody,
  serverErrorInfo,
  type ServerRecord,
} from '../shared/guards.js';

export type WriteOutcome =
  | { kind: 'ok'; status: number; record: ServerRecord | null; deleted: boolean }
  | { kind: 'conflict'; status: 409; server: ServerRecord | null; serverDeleted: boolean }
  | { kind: 'auth'; error: ErrorInfo }
  | { kind: 'failed'; error: ErrorInfo }
  | { kind: 'transient'; error: ErrorInfo; retryAfterMs: number | null };

export function classify(
  method: WriteMethod,
  status: number,
  body: unknown,
  retryAfterMs: number | null,
): WriteOutcome {
  if (status >= 200 && status < 300) {
    if (status === 204) return { kind: 'ok', status, record: null, deleted: method === 'DELETE' };
    if (method === 'DELETE') {
      if (isObject(body) && typeof body.id === 'string')
        return { kind: 'ok', status, record: null, deleted: true };
    } else if (isServerRecord(body)) {
      return { kind: 'ok', status, record: body, deleted: false };
    }
    return transient(
      new OfflineKitError('bad_response', `a ${status} answer without a record`, { status }),
      null,
    );
  }
  if (status === 409) {
    try {
      const c = parseConflictBody(body);
      return { kind: 'conflict', status, server: c.current, serverDeleted: c.deleted };
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
