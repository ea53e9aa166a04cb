import { LIMITS, type App } from '../app.js';
import { HttpError } from '../http/errors.js';
import { isObject } from '../json.js';
import { applyWrite } from './apply-write.js';
import { API_BASE } from './paths.js';
import { WRITE_METHODS, isWriteMethod, type BatchResult } from '@offline-kit/sw/protocol';
import type { IfMatch, WriteAnswer, WriteRequest } from './write-types.js';

/** Called after each write of a batch was decided, for the request log. */
export type BatchObserver = (write: WriteRequest, answer: WriteAnswer | null, status: number) => void;

const invalidBatch = (message: string, details?: unknown): HttpError =>
  new HttpError(400, 'invalid_batch', message, details);

/** Checks the whole batch before applying any of it: a malformed batch applies nothing (PROTOCOL.md §7). */
export function parseBatch(value: unknown, user: string): WriteRequest[] {
  if (!isObject(value) || !Array.isArray(value.writes))
    throw invalidBatch('the body must be { "writes": [...] }');
  if (value.writes.length > LIMITS.batchMaxWrites) {
    throw invalidBatch(`at most ${LIMITS.batchMaxWrites} writes per batch`, {
      maxWrites: LIMITS.batchMaxWrites,
    });
  }
  return value.writes.map((write: unknown, index): WriteRequest => {
    const fail = (field: string, reason: string): HttpError =>
      invalidBatch(`writes[${index}].${field}: ${reason}`, { index, field, reason });
    if (!isObject(write)) throw fail('(write)', 'must be an object');
    const { key, method, path, ifMatch, tempId, body } = write;
    if (typeof key !== 'string' || key.length < 1 || key.length > 200)
      throw fail('key', 'must be 1-200 characters');
    if (!isWriteMethod(method)) {
      throw fail('method', `must be one of ${WRITE_METHODS.join(', ')}`);
    }
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw fail('path', 'must be a path starting with /');
    let match: IfMatch | null = null;
    if (ifMatch !== undefined && ifMatch !== null) {
      if (typeof ifMatch !== 'number' || !Number.isInteger(ifMatch) || ifMatch < 1) {
        throw fail('ifMatch', 'must be a positive integer version');
      }
      match = { kind: 'version', version: ifMatch };
    }
    if (tempId !== undefined && tempId !== null && typeof tempId !== 'string')
      throw fail('tempId', 'must be a string');
    let url: URL;
    try {
      url = new URL(path, 'http://batch.invalid');
    } catch {
      throw fail('path', 'does not parse');
    }
    return {
      user,
      key,
      method,
      pathname: url.pathname,
      query: url.searchParams,
      ifMatch: match,
      tempId: typeof tempId === 'string' ? tempId : null,
      body: body === undefined ? { kind: 'none' } : { kind: 'json', value: body },
    };
  });
}

/**
 * Applies a parsed batch in order, each write in its own transaction with its own idempotency record, and stops at
 * the first write that does not succeed: later writes answer 424 `not_attempted` and are not touched.
 */
export function applyBatch(app: App, writes: WriteRequest[], observe: BatchObserver): unknown {
  const results: BatchResult[] = [];
  const idMap: Record<string, string> = {};
  let stopped = false;
  for (const write of writes) {
    if (stopped) {
      results.push({
        key: write.key,
        status: 424,
        body: { error: 'not_attempted', message: 'an earlier write in this batch did not succeed' },
      });
      continue;
    }
    let answer: WriteAnswer | null = null;
    let result: BatchResult;
    if (!write.pathname.startsWith(`${API_BASE}/`) || write.pathname === `${API_BASE}/_batch`) {
      result = {
        key: write.key,
        status: 404,
        body: { error: 'unknown_collection', message: `no collection answers ${write.pathname}` },
      };
    } else {
      try {
        answer = applyWrite(app.store, app.records, write);
        result = { key: write.key, status: answer.status, body: answer.body };
      } catch (error) {
        const httpError =
          error instanceof HttpError
            ? error
            : new HttpError(500, 'internal_error', 'the server failed to apply this write');
        if (!(error instanceof HttpError)) console.error('[server-mock] batch write failed', error);
        result = { key: write.key, status: httpError.status, body: httpError.toBody() };
      }
    }
    observe(write, answer, result.status);
    results.push(result);
    if (result.status >= 200 && result.status < 300) {
      const id = isObject(result.body) ? result.body.id : undefined;
      if (write.method === 'POST' && write.tempId !== null && typeof id === 'string')
        idMap[write.tempId] = id;
    } else {
      stopped = true;
    }
  }
  return { results, idMap };
}
