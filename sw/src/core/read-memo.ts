/**
 * Small per-partition memories of read work (an optimisation the read benchmarks keep: see bench/README.md), each entry
 * valid only while no read-write transaction has begun on the stores it was built from (`changeStamp`,
 * `storage/changes.ts`). Nothing here is written to IndexedDB; what a value may hold (a
 * Blob the browser could page to disk, or only a string) is the caller's choice. A restarted worker, another user's
 * engine or a closed partition starts empty.
 */
import { changeStamp } from './storage/changes.js';
import type { Db } from './storage/db.js';

type Stores = Parameters<typeof changeStamp>[1];

interface Entry<T> {
  stamp: number;
  value: T;
  size: number;
}

export class StampedMemo<T> {
  private readonly byDb = new WeakMap<Db, Map<string, Entry<T>>>();

  /**
   * @param stores what the remembered values depend on
   * @param maxEntries entries kept per partition, least recently used dropped first
   * @param maxSize total `sizeOf` kept per partition (characters of text, for the users below)
   */
  constructor(
    private readonly stores: Stores,
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  /** Take it before reading what a value is built from; see `changeStamp` for the contract. */
  stamp(db: Db): number | null {
    return changeStamp(db, this.stores);
  }

  /** The value kept for `key`, if nothing it was built from may have changed since. */
  get(db: Db, key: string): T | null {
    const entries = this.byDb.get(db);
    const entry = entries?.get(key);
    if (!entries || !entry) return null;
    entries.delete(key);
    if (entry.stamp !== this.stamp(db)) return null;
    // Re-inserted: Map order is the recency order eviction follows.
    entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` as built from the database at `stamp` — only when the stamp is still current. */
  set(db: Db, key: string, stamp: number | null, value: T): void {
    let entries = this.byDb.get(db);
    entries?.delete(key);
    const size = this.sizeOf(value);
    if (stamp === null || stamp !== this.stamp(db) || size > this.maxSize) return;
    if (!entries) this.byDb.set(db, (entries = new Map<string, Entry<T>>()));
    entries.set(key, { stamp, value, size });
    let total = 0;
    for (const e of entries.values()) total += e.size;
    for (const [k, e] of entries) {
      if (entries.size <= this.maxEntries && total <= this.maxSize) break;
      entries.delete(k);
      total -= e.size;
    }
  }

  delete(db: Db, key: string): void {
    this.byDb.get(db)?.delete(key);
  }
}
