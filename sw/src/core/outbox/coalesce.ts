/**
 * Folding a new edit into the record's last queued write, when that write was never sent: the queue holds one write
 * where the server would only have seen the last state anyway.
 */
import type { HistoryEntry } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { WriteMethod } from '../../protocol/wire.js';
import type { EngineContext } from '../deps.js';
import { encodeJson, isJsonType, parseJsonBody } from '../model/bodies.js';
import { appFields, applyChange, mergePatch } from '../model/records.js';
import type { StoredWrite } from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { storageError, type Enqueued, type WriteInput } from './capture.js';

/**
 * Folds a new edit into the record's last queued write when that write was never sent (attempts 0, pending) and
 * both are JSON: PATCH+PATCH → one PATCH, PUT/PATCH after a create → the create, PUT after PUT/PATCH → PUT,
 * DELETE after PUT/PATCH → DELETE. Anything else is queued as its own write.
 */
export async function coalesce(
  ctx: EngineContext,
  input: WriteInput,
  recordId: string,
  body: ArrayBuffer | null,
  fields: JsonRecord | null,
  currentData: JsonRecord | null,
): Promise<Enqueued | null> {
  if (input.method === 'POST' || input.idempotencyKey) return null;
  if (input.method !== 'DELETE' && !isJsonType(input.contentType)) return null;
  const writes = await ctx.queue.forRecord(input.collection, recordId);
  const last = writes[writes.length - 1];
  if (!last || last.state !== 'pending' || last.attempts !== 0) return null;
  // Edits of a record the server has are kept apart unless the collection opts in: each is its own version there.
  if (last.method !== 'POST' && !ctx.config.collections.get(input.collection)?.coalesceEdits) return null;
  if (last.method === 'DELETE') return null;
  if (last.method !== 'POST' && last.method !== input.method && input.method === 'PATCH') {
    if (last.method !== 'PUT') return null;
  }
  const lastBytes = await ctx.codec.openBytes(last.body);
  if (!isJsonType(last.contentType)) return null;
  const lastJson = parseJsonBody(lastBytes, last.contentType);
  if (!isObject(lastJson)) return null;

  let method: WriteMethod = last.method;
  let newBody: ArrayBuffer | null;
  let newJson: unknown;
  if (input.method === 'DELETE') {
    if (last.method === 'POST') return null;
    method = 'DELETE';
    newBody = null;
  } else if (input.method === 'PUT') {
    newJson = appFields(fields);
    newBody = encodeJson(newJson);
    if (last.method === 'PATCH') method = 'PUT';
  } else {
    newJson = mergePatch(lastJson, appFields(fields));
    newBody = encodeJson(newJson);
  }
  const sealed = await ctx.codec.sealBytes(newBody);
  const data = applyChange(currentData, input.method, recordId, fields);
  // Built from `last` and sealed before the transaction opens; the row is only replaced if it still has `last`'s
  // rev (every change of a row bumps it), so `last` is exactly what is on disk.
  const write: StoredWrite = {
    ...last,
    method,
    body: sealed,
    bodySize: newBody?.byteLength ?? 0,
    contentType: newBody ? 'application/json' : null,
    // A create keeps its own URL (the collection's); an edit or delete goes to the URL the page used last.
    url: last.method === 'POST' ? last.url : input.url,
    rev: last.rev + 1,
  };
  const [sealedData, stored] = await Promise.all([ctx.codec.sealJson(data), ctx.queue.seal(write)]);
  const tx = ctx.queue.writeTransaction();
  const queue = tx.objectStore('queue');
  const fresh = await queue.get(last.id);
  if (!fresh || fresh.rev !== last.rev || fresh.state !== 'pending' || fresh.attempts !== 0) {
    tx.abort();
    await tx.done.catch(() => undefined);
    return null;
  }
  try {
    const records = tx.objectStore('records');
    const row = await records.get([input.collection, recordId]);
    await Promise.all([
      queue.put(stored),
      row ? records.put({ ...row, data: sealedData, deleted: data === null }) : null,
      tx.objectStore('history').add(writeEntry(write, 'edited', ctx.deps.now()) as HistoryEntry),
      tx.done,
    ]);
  } catch (error) {
    throw storageError(error);
  }
  return { write, record: data, coalesced: true, json: newJson };
}
