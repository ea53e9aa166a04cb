/**
 * The bounded sync history: runs and write events, oldest dropped first once `limit` is passed. With encryption at
 * rest an entry's `error` (a server's message, the user's and the server's versions of a resolved conflict) is sealed;
 * readers get it opened.
 */
import { writeOne, writeTx } from './changes.js';
import type { ErrorInfo, HistoryEntry, HistoryExport, WriteEventKind } from '../../protocol/api.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { Codec } from './codec.js';
import { isSealed, type Db, type SealedHistoryRow, type StoredWrite } from './db.js';

export type NewEntry = HistoryEntry extends infer E
  ? E extends HistoryEntry
    ? Omit<E, 'id'>
    : never
  : never;

/** The history entry of something that happened to a queued write. */
export function writeEntry(
  write: Pick<StoredWrite, 'id' | 'collection' | 'recordId' | 'method'>,
  event: WriteEventKind,
  at: number,
  status: number | null = null,
  error: ErrorInfo | null = null,
  schema?: { from: number; to: number },
): NewEntry {
  return {
    kind: 'write',
    at,
    event,
    writeId: write.id,
    collection: write.collection,
    recordId: write.recordId,
    method: write.method,
    status,
    error,
    ...(schema ? { schema } : {}),
  };
}

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

export class HistoryStore {
  private appended = 0;

  constructor(
    private readonly db: Db,
    private readonly limit: number,
    private readonly codec: Codec,
  ) {}

  async add(entry: NewEntry): Promise<void> {
    const row = await this.seal(entry);
    await writeOne(this.db, 'history', (s) => s.add(row));
    await this.appendedElsewhere(1);
  }

  /**
   * The row to store for `entry`. Entries added inside another transaction are built without an error (queued,
   * edited, acknowledged) and need no sealing; any entry that carries one comes through here.
   */
  async seal(entry: NewEntry): Promise<HistoryEntry | SealedHistoryRow> {
    if (!this.codec.encrypted || entry.error === null) return entry as HistoryEntry;
    const sealedError = await this.codec.sealJson(entry.error);
    if (!isSealed(sealedError)) return entry as HistoryEntry;
    return { ...entry, error: null, sealedError } as SealedHistoryRow;
  }

  /** Seals the error of entries written in the clear (before schema 3, or while encryption was off), page by page. */
  async sealPlainEntries(): Promise<number> {
    if (!this.codec.encrypted) return 0;
    let after: number | null = null;
    let count = 0;
    for (;;) {
      const range: IDBKeyRange | null = after === null ? null : IDBKeyRange.lowerBound(after, true);
      const rows: unknown[] = await this.db.getAll('history', range, 500);
      const plain = rows.filter(
        (row): row is HistoryEntry =>
          isObject(row) && typeof row.id === 'number' && isErrorInfo(row.error) && !('sealedError' in row),
      );
      const sealed = await Promise.all(plain.map((entry) => this.seal(entry)));
      if (sealed.length > 0) {
        const tx = writeTx(this.db, 'history');
        // Only entries still there: a trim meanwhile must not bring one back.
        const present = await Promise.all(plain.map((entry) => tx.store.getKey(entry.id)));
        const puts: Promise<unknown>[] = [];
        sealed.forEach((row, i) => {
          if (present[i] === undefined) return;
          puts.push(tx.store.put(row));
          count += 1;
        });
        await Promise.all([...puts, tx.done]);
      }
      const last = rows[rows.length - 1];
      if (rows.length < 500 || !isObject(last) || typeof last.id !== 'number') return count;
      after = last.id;
    }
  }

  private async open(row: unknown): Promise<HistoryEntry> {
    const entry = row as HistoryEntry & { sealedError?: unknown };
    if (!isObject(row) || !('sealedError' in row)) return entry;
    const { sealedError, ...rest } = entry;
    let error: unknown = null;
    try {
      error = await this.codec.openJson(sealedError);
    } catch (reason) {
      if (isObject(reason) && reason.code === 'locked') throw reason;
      error = { code: 'internal', message: 'this entry could not be decrypted' };
    }
    return { ...rest, error: isErrorInfo(error) ? error : null };
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
    const tx = writeTx(this.db, 'history');
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
    const rows: unknown[] = [];
    while (cursor && rows.length < limit) {
      rows.push(cursor.value);
      cursor = await cursor.continue();
    }
    for (const row of rows) out.push(await this.open(row));
    return out;
  }

  async export(origin: string, now: number): Promise<HistoryExport> {
    await this.trim();
    const rows: unknown[] = await this.db.getAll('history');
    const entries: HistoryEntry[] = [];
    for (const row of rows) entries.push(await this.open(row));
    return { format: 'offline-kit-history', version: 1, exportedAt: now, origin, entries };
  }

  async clear(): Promise<void> {
    await writeOne(this.db, 'history', (s) => s.clear());
  }
}
