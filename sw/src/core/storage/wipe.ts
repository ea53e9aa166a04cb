import { changeStamp, writeTx } from './changes.js';
import type { Db } from './db.js';

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
