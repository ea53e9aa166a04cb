/**
 * The app's view of a record, rebuilt from the server's copy and the record's queued writes. Shared by the
 * one-write-at-a-time path (`Outbox.rebuild`) and the one-commit batch settle (`settle-batch.ts`), which differ only
 * in where they read the rows from and where they write the result.
 */
import type { JsonRecord } from '../../protocol/config.js';
import { bodyFields } from '../model/bodies.js';
import type { Codec } from '../storage/codec.js';
import { localRecordRow, type StoredWrite } from '../storage/db.js';
import type { OpenRecord } from '../storage/record-store.js';
import { applyChange } from '../model/records.js';

export type Rebuilt =
  /** Nothing was stored and nothing is left to show. */
  | { action: 'none' }
  /** A record made on this device whose writes are all gone (acknowledged under another id, or discarded). */
  | { action: 'delete' }
  | { action: 'put'; record: OpenRecord };

/** `writes` in queue order; `current` as stored, or null. */
export async function rebuildRecord(
  codec: Codec,
  current: OpenRecord | null,
  writes: readonly StoredWrite[],
  collection: string,
  recordId: string,
): Promise<Rebuilt> {
  let data: JsonRecord | null = current?.server ?? null;
  for (const w of writes) {
    const bytes = await codec.openBytes(w.body);
    let fields = await bodyFields(bytes, w.contentType);
    if (w.method === 'POST' && fields === null) fields = { ...(data ?? {}) };
    data = applyChange(data, w.method, recordId, fields);
  }
  if (!current && !data) return { action: 'none' };
  if (!current?.row.fromServer && writes.length === 0) return { action: 'delete' };
  const row = current?.row ?? localRecordRow(collection, recordId);
  return {
    action: 'put',
    record: { row: { ...row, deleted: data === null }, data, server: current?.server ?? null },
  };
}
