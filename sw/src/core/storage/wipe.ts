import { changeStamp, writeTx } from './changes.js';
import { collectionRange, type Db } from './db.js';
import { cursorKey, syncedAtKey } from './meta-store.js';
import type { LocalDropRefusal, WriteState } from '../../protocol/api.js';
import { isWriteMethod } from '../../protocol/wire-guards.js';

const WRITE_STATES: ReadonlySet<unknown> = new Set<WriteState>(['pending', 'sending', 'conflict', 'failed']);
const isWriteState = (value: unknown): value is WriteState => WRITE_STATES.has(value);

/**
 * Wipes a partition's queue, records, meta and history in ONE transaction. With `refuse` and unsynced writes left it
 * wipes nothing and returns how many there are: they are counted in the transaction that would clear them, so no
 * write accepted meanwhile can be counted before and cleared after. The encryption keys store is not touched.
 */
export async function wipePartition(
  db: Db,
  unsynced: 'refuse' | 'discard',
): Promise<{ unsynced: number } | null> {
  const stores = ['queue', 'records', 'meta', 'history'] as const;
  const tx = writeTx(db, stores);
  const left = await tx.objectStore('queue').count();
  if (left > 0 && unsynced !== 'discard') {
    tx.abort();
    await tx.done.catch(() => undefined);
    return { unsynced: left };
  }
  await Promise.all([...stores.map((name) => tx.objectStore(name).clear()), tx.done]);
  return null;
}

/**
 * A number that changes whenever a write to any store of the partition begins (null once its connection closed):
 * equal before and after means nothing was written in between, so a partition wiped then is still empty.
 */
export function partitionStamp(db: Db): number | null {
  return changeStamp(db, ['queue', 'records', 'meta', 'history', 'keys']);
}

/** A queued write as a local delete names it: enough for a person to find it in the queue. */
export type QueuedWriteRef = LocalDropRefusal['writes'][number];

export type DropLocalOutcome =
  /** Done: the records removed, and the writes discarded with them (`discard` only). */
  | { kind: 'dropped'; recordIds: string[]; discarded: QueuedWriteRef[] }
  /** Nothing removed: writes are queued for what was to be dropped (`refuse`), or one is on the wire (`sending`). */
  | { kind: 'refused'; reason: 'unsynced' | 'sending'; writes: QueuedWriteRef[]; total: number }
  | { kind: 'absent' };

/** At most this many writes are named in a refusal: the count says how many there are in all. */
const NAMED_WRITES = 20;

/**
 * Drops the local copy of one record (`recordId`), or of a whole collection (`null`: its delta cursor and last-sync
 * time go too, so the next pull brings the collection back whole), in ONE transaction with the queued writes of what
 * it drops: counted there, so a write captured meanwhile is either refused for or kept with its record. The server is
 * not asked. With `refuse`, queued writes leave everything as it was; with `discard` they are dropped too, unless one
 * is being sent (its answer decides first, as for `discardWrite`).
 */
export async function dropLocal(
  db: Db,
  collection: string,
  recordId: string | null,
  unsynced: 'refuse' | 'discard',
): Promise<DropLocalOutcome> {
  const tx = writeTx(db, ['records', 'queue', 'meta']);
  const records = tx.objectStore('records');
  const queueRange =
    recordId === null
      ? IDBKeyRange.bound([collection], [collection, []])
      : IDBKeyRange.only([collection, recordId]);
  const recordRange =
    recordId === null ? collectionRange(collection) : IDBKeyRange.only([collection, recordId]);
  const [rows, recordKeys] = await Promise.all([
    tx.objectStore('queue').index('by-record').getAll(queueRange),
    records.getAllKeys(recordRange),
  ]);
  const writes = rows
    .map(refOf)
    .filter((w): w is QueuedWriteRef => w !== null)
    .sort((a, b) => a.seq - b.seq);
  const sending = writes.filter((w) => w.state === 'sending');
  const refusal =
    writes.length > 0 && unsynced !== 'discard'
      ? { reason: 'unsynced' as const, writes }
      : sending.length > 0
        ? { reason: 'sending' as const, writes: sending }
        : null;
  if (refusal || (recordKeys.length === 0 && writes.length === 0)) {
    tx.abort();
    await tx.done.catch(() => undefined);
    if (!refusal) return { kind: 'absent' };
    return {
      kind: 'refused',
      reason: refusal.reason,
      writes: refusal.writes.slice(0, NAMED_WRITES),
      total: refusal.writes.length,
    };
  }
  const queue = tx.objectStore('queue');
  const meta = tx.objectStore('meta');
  await Promise.all([
    ...writes.map((w) => queue.delete(w.id)),
    records.delete(recordRange),
    ...(recordId === null ? [meta.delete(cursorKey(collection)), meta.delete(syncedAtKey(collection))] : []),
    tx.done,
  ]);
  const ids = new Set<string>(recordKeys.map((key) => key[1]));
  for (const w of writes) ids.add(w.recordId);
  return { kind: 'dropped', recordIds: [...ids], discarded: writes };
}

/** The readable fields of a queue row, plain or sealed (they stay in the clear: the indexes are built on them). */
function refOf(row: unknown): QueuedWriteRef | null {
  if (typeof row !== 'object' || row === null) return null;
  const { id, seq, recordId, method, state } = row as Record<string, unknown>;
  if (typeof id !== 'string' || typeof seq !== 'number' || typeof recordId !== 'string') return null;
  if (!isWriteMethod(method) || !isWriteState(state)) return null;
  return { id, seq, recordId, method, state };
}
