import { WRITE_METHODS, isWriteMethod, type BatchAnswer, type BatchResult } from '@offline-kit/sw/protocol';
import { HttpError } from './errors.js';
import { isObject } from './json.js';
import type { IfMatch, WriteAnswer, WriteRequest, Writer } from './writes.js';

const invalidBatch = (message: string, details?: unknown): HttpError =>
  new HttpError(400, 'invalid_batch', message, details);

/**
 * Checks the whole batch before applying any of it: a malformed batch applies nothing (PROTOCOL.md §7). Paths are
 * made relative to `basePath`; a path outside it stays as sent and answers 404 when its turn comes.
 */
export function parseBatch(
  value: unknown,
  user: string,
  basePath: string,
  maxWrites: number,
): WriteRequest[] {
  if (!isObject(value) || !Array.isArray(value.writes))
    throw invalidBatch('the body must be { "writes": [...] }');
  if (value.writes.length > maxWrites) {
    throw invalidBatch(`at most ${maxWrites} writes per batch`, { maxWrites });
  }
  return value.writes.map((write: unknown, index): WriteRequest => {
    const fail = (field: string, reason: string): HttpError =>
      invalidBatch(`writes[${index}].${field}: ${reason}`, { index, field, reason });
    if (!isObject(write)) throw fail('(write)', 'must be an object');
    const { key, method, path, ifMatch, tempId, body } = write;
    if (typeof key !== 'string' || key.length < 1 || key.length > 200)
      throw fail('key', 'must be 1-200 characters');
    if (!isWriteMethod(method)) throw fail('method', `must be one of ${WRITE_METHODS.join(', ')}`);
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
    const pathname = url.pathname;
    return {
      user,
      key,
      method,
      path: pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : `\0${pathname}`,
      sent: pathname + url.search,
      query: url.search,
      ifMatch: match,
      tempId: typeof tempId === 'string' ? tempId : null,
      body,
      upload: null,
    };
  });
}

/**
 * Applies a parsed batch in order, each write in its own transaction with its own idempotency record, and stops at
 * the first write that does not succeed: later writes answer 424 `not_attempted` and are not touched.
 */
export async function applyBatch(
  writer: Writer,
  writes: WriteRequest[],
  onError: (error: unknown) => void,
  onWrite: (write: WriteRequest, status: number, replay: boolean) => void,
): Promise<BatchAnswer> {
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
    let result: BatchResult;
    let replay = false;
    if (write.path.startsWith('\0') || write.path.startsWith('/_')) {
      result = {
        key: write.key,
        status: 404,
        body: {
          error: 'unknown_collection',
          message: `no collection answers ${write.path.replace('\0', '')}`,
        },
      };
    } else {
      try {
        const answer: WriteAnswer = await writer.apply(write);
        replay = answer.replay;
        result = { key: write.key, status: answer.status, body: answer.body };
      } catch (error) {
        if (!(error instanceof HttpError)) onError(error);
        const httpError =
          error instanceof HttpError
            ? error
            : new HttpError(500, 'internal_error', 'the server failed to apply this write');
        result = { key: write.key, status: httpError.status, body: httpError.toBody() };
      }
    }
    onWrite(write, result.status, replay);
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
