/**
 * Small per-engine memories of read work, each entry valid only while no read-write transaction has begun on the stores
 * it was built from (`changeStamp` in `engine/db.ts`). Nothing here is written to IndexedDB; what a value may hold (a
 * Blob the browser could page to disk, or only a string) is the caller's choice. A restarted worker, another user's
 * engine or a closed partition starts empty.
 */
import { changeStamp } from '../core/storage/db.js';
import type { Engine } from '../core/engine.js';

type Stores = Parameters<typeof changeStamp>[1];

interface Entry<T> {
  stamp: number;
  value: T;
  size: number;
}

export class StampedMemo<T> {
  private readonly byEngine = new WeakMap<Engine, Map<string, Entry<T>>>();

  /**
   * @param stores what the remembered values depend on
   * @param maxEntries entries kept per engine, least recently used dropped first
   * @param maxSize total `sizeOf` kept per engine (characters of text, for the users below)
   */
  constructor(
    private readonly stores: Stores,
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  /** Take it before reading what a value is built from; see `changeStamp` for the contract. */
  stamp(engine: Engine): number | null {
    return changeStamp(engine.db, this.stores);
  }

  /** The value kept for `key`, if nothing it was built from may have changed since. */
  get(engine: Engine, key: string): T | null {
    const entries = this.byEngine.get(engine);
    const entry = entries?.get(key);
    if (!entries || !entry) return null;
    entries.delete(key);
    if (entry.stamp !== this.stamp(engine)) return null;
    // Re-inserted: Map order is the recency order eviction follows.
    entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` as built from the database at `stamp` — only when the stamp is still current. */
  set(engine: Engine, key: string, stamp: number | null, value: T): void {
    let entries = this.byEngine.get(engine);
    entries?.delete(key);
    const size = this.sizeOf(value);
    if (stamp === null || stamp !== this.stamp(engine) || size > this.maxSize) return;
    if (!entries) this.byEngine.set(engine, (entries = new Map<string, Entry<T>>()));
    entries.set(key, { stamp, value, size });
    let total = 0;
    for (const e of entries.values()) total += e.size;
    for (const [k, e] of entries) {
      if (entries.size <= this.maxEntries && total <= this.maxSize) break;
      entries.delete(k);
      total -= e.size;
    }
  }

  delete(engine: Engine, key: string): void {
    this.byEngine.get(engine)?.delete(key);
  }
}
