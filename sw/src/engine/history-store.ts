/** The bounded sync history: runs and write events, oldest dropped first once `limit` is passed. */
import type { HistoryEntry, HistoryExport } from '../shared/api.js';
import type { Db } from './db.js';

export type NewEntry = HistoryEntry extends infer E
  ? E extends HistoryEntry
    ? Omit<E, 'id'>
    : never
  : never;

export class HistoryStore {
  private appended = 0;

  constructor(
    private readonly db: Db,
    private readonly limit: number,
  ) {}

  async add(entry: NewEntry): Promise<void> {
    await this.db.add('history', entry as HistoryEntry);
    await this.appendedElsewhere(1);
  }

  /**
   * Entries were added inside another transaction (with the queue change they describe): counts them toward the
   * next trim. Trimming counts the store, so it runs once per tenth of the limit: the bound overshoots by ≤ 10%.
   */
  async appendedElsewhere(count: number): Promise<void> {
    this.appended += count;
    if (this.appended >= Math.max(1, Math.floor(this.limit / 10))) {
      this.appended = 0;
      await this.trim();
    }
  }

  async trim(): Promise<void> {
    const tx = this.db.transaction('history', 'readwrite');
    const excess = (await tx.store.count()) - this.limit;
    if (excess > 0) {
      // The oldest `excess` ids, then one range delete: a cursor deleting row by row cost two round trips per entry
      // and held the store for hundreds of ms after a burst of writes.
      const oldest = await tx.store.getAllKeys(null, excess);
      const last = oldest[oldest.length - 1];
      if (last !== undefined) await tx.store.delete(IDBKeyRange.upperBound(last));
    }
    await tx.done;
  }

  /** Newest first. */
  async list(limit = 200, beforeId?: number): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    const range = beforeId === undefined ? null : IDBKeyRange.upperBound(beforeId, true);
    let cursor = await this.db.transaction('history').store.openCursor(range, 'prev');
    while (cursor && out.length < limit) {
      out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  async export(origin: string, now: number): Promise<HistoryExport> {
    await this.trim();
    const entries = await this.db.getAll('history');
    return { format: 'offline-kit-history', version: 1, exportedAt: now, origin, entries };
  }

  async clear(): Promise<void> {
    await this.db.clear('history');
  }
}
