/**
 * Serializes the read-modify-write steps that touch the same records: capturing a write, settling acknowledgements,
 * storing a pulled page, resolving a conflict, editing or discarding a queued write.
 *
 * Why: each of them reads a record (its version, its server copy, its queued writes), awaits (IndexedDB, WebCrypto),
 * and commits later. IndexedDB transactions cannot span those awaits, so without a lock a write captured while the
 * replay settled an earlier write of the same record kept the version read before the settle: its If-Match was stale,
 * the server answered 409, and the user's edit ended up behind a conflict with their own change (found by the
 * browser property test). The settle side already refuses to commit over rows that moved; this closes the other side.
 *
 * The worker is the only writer of its partition, so an in-memory lock is enough. Keys are record ids (temporary ids
 * included); two collections sharing an id only wait for each other. All of a caller's keys are taken at once, in
 * the order callers arrive, so two callers can never each hold a key the other waits for. Not re-entrant: code that
 * holds a key must not ask for it again.
 */
export class RecordLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before: Promise<void>[] = [];
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // Taken synchronously: every later caller on any of these keys waits for this one.
    for (const key of unique) {
      const tail = this.tails.get(key);
      if (tail) before.push(tail);
      this.tails.set(key, mine);
    }
    try {
      if (before.length > 0) await Promise.all(before);
      return await fn();
    } finally {
      release();
      for (const key of unique) if (this.tails.get(key) === mine) this.tails.delete(key);
    }
  }

  /** Keys currently held or waited for (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}
