/**
 * Queue semantics over the `queue` store: one transaction per write on enqueue (fast, and a crash loses nothing that
 * was acknowledged to the page), reads in `seq` pages so 10,000 queued writes never sit in memory at once.
 */
import type { WriteState } from '../shared/api.js';
import type { Db, StoredWrite } from './db.js';

export class QueueStore {
  constructor(private readonly db: Db) {}

  /** A transaction over the queue and the records, for changes that must land together. */
  writeTransaction() {
    return this.db.transaction(['queue', 'records'], 'readwrite');
  }

  async put(write: StoredWrite): Promise<void> {
    await this.db.put('queue', write);
  }

  get(id: string): Promise<StoredWrite | undefined> {
    return this.db.get('queue', id);
  }

  async delete(id: string): Promise<void> {
    await this.db.delete('queue', id);
  }

  async maxSeq(): Promise<number> {
    const cursor = await this.db.transaction('queue').store.index('by-seq').openCursor(null, 'prev');
    return cursor?.value.seq ?? 0;
  }

  /** Writes with `seq` > `afterSeq`, in order, at most `count`. */
  page(afterSeq: number, count: number): Promise<StoredWrite[]> {
    return this.db.getAllFromIndex('queue', 'by-seq', IDBKeyRange.lowerBound(afterSeq, true), count);
  }

  async forRecord(collection: string, recordId: string): Promise<StoredWrite[]> {
    const writes = await this.db.getAllFromIndex('queue', 'by-record', [collection, recordId]);
    return writes.sort((a, b) => a.seq - b.seq);
  }

  async hasForRecord(collection: string, recordId: string): Promise<boolean> {
    return (await this.db.countFromIndex('queue', 'by-record', [collection, recordId])) > 0;
  }

  countForCollection(collection: string): Promise<number> {
    return this.db.countFromIndex('queue', 'by-collection', collection);
  }

  /** Ids of records with queued writes in a collection (keys only: cheap even for a long queue). */
  async recordIdsWithWrites(collection: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let cursor = await this.db
      .transaction('queue')
      .store.index('by-record')
      .openKeyCursor(IDBKeyRange.bound([collection], [collection, []]));
    while (cursor) {
      const key = cursor.key;
      ids.add(key[1]);
      cursor = await cursor.continue();
    }
    return ids;
  }

  async count(state?: WriteState): Promise<number> {
    return state ? this.db.countFromIndex('queue', 'by-state', state) : this.db.count('queue');
  }

  /** Writes in one state, in `seq` order. */
  async inState(state: WriteState): Promise<StoredWrite[]> {
    const writes = await this.db.getAllFromIndex('queue', 'by-state', state);
    return writes.sort((a, b) => a.seq - b.seq);
  }

  async clear(): Promise<void> {
    await this.db.clear('queue');
  }
}
