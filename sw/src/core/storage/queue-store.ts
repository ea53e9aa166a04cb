/**
 * Queue semantics over the `queue` store: a write is enqueued in one transaction with its record and history entry
 * (shared with the writes captured at the same time; a crash loses nothing that was acknowledged to the page), reads
 * in `seq` pages so 10,000 queued writes never sit in memory at once.
 */
import { writeOne, writeTx } from './changes.js';
import type { WriteState } from '../../protocol/api.js';
import { isObject } from '../../protocol/wire-guards.js';
import { canTakeWriteEvent, nextQueuedState } from '../model/write-state.js';
import type { Codec } from './codec.js';
import {
  isSealed,
  isSealedWriteRow,
  isStoredWrite,
  type Db,
  type SealedWriteRow,
  type StoredWrite,
  type WriteSecrets,
} from './db.js';

/** A queue row as it is on disk: plain, or with URL, headers and last error sealed. */
export type QueueRow = StoredWrite | SealedWriteRow;

function isQueueRow(value: unknown): value is QueueRow {
  return isStoredWrite(value) || isSealedWriteRow(value);
}

function isSecrets(value: unknown): value is WriteSecrets {
  return (
    isObject(value) &&
    typeof value.url === 'string' &&
    Array.isArray(value.headers) &&
    value.headers.every(
      (h: unknown) =>
        Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string',
    ) &&
    (value.lastError === null || (isObject(value.lastError) && typeof value.lastError.code === 'string'))
  );
}

export class QueueStore {
  constructor(
    private readonly db: Db,
    private readonly codec: Codec,
  ) {}

  /**
   * The row to store for `write`: as is, or with URL, headers and last error sealed when encryption is on. Callers
   * that put rows inside their own transaction seal them first (WebCrypto cannot run inside one).
   */
  async seal(write: StoredWrite): Promise<QueueRow> {
    if (!this.codec.encrypted) return write;
    const { url, headers, lastError, ...rest } = write;
    const secrets: WriteSecrets = { url, headers, lastError };
    return { ...rest, sealed: (await this.codec.sealJson(secrets)) as SealedWriteRow['sealed'] };
  }

  /**
   * The write a stored row holds, opened; undefined for a row that does not fit or that this key cannot open (left in
   * place, never sent). Rejects with `locked` while the app's key is missing.
   */
  async open(row: unknown): Promise<StoredWrite | undefined> {
    if (isStoredWrite(row)) return row;
    if (!isSealedWriteRow(row)) return undefined;
    const { sealed, ...rest } = row;
    let secrets: unknown;
    try {
      secrets = await this.codec.openJson(sealed);
    } catch (error) {
      if (isObject(error) && error.code === 'locked') throw error;
      console.warn('[offline-kit] a queued write could not be decrypted; it is kept and skipped', row.id);
      return undefined;
    }
    if (!isSecrets(secrets)) return undefined;
    return { ...rest, url: secrets.url, headers: secrets.headers, lastError: secrets.lastError };
  }

  /**
   * Seals what rows written in the clear still hold — by a version before schema 3 (URL, headers, last error) or
   * while encryption was off (bodies and base records too) — page by page. A row that changed meanwhile (its `rev`
   * moved) is left to be sealed when it is next written. Returns how many rows were sealed.
   */
  async sealPlainRows(): Promise<number> {
    if (!this.codec.encrypted) return 0;
    let after: number | null = null;
    let count = 0;
    for (;;) {
      const range: IDBKeyRange | null = after === null ? null : IDBKeyRange.lowerBound(after, true);
      const rows: unknown[] = await this.db.getAllFromIndex('queue', 'by-seq', range, 200);
      const plain = rows.filter(isStoredWrite);
      const next = await Promise.all(
        plain.map(async (w) => ({
          rev: w.rev,
          row: await this.seal({
            ...w,
            body: isSealed(w.body) ? w.body : await this.codec.sealBytes(w.body),
            baseRecord: isSealed(w.baseRecord) ? w.baseRecord : await this.codec.sealJson(w.baseRecord),
            conflict: w.conflict && {
              ...w.conflict,
              server: isSealed(w.conflict.server)
                ? w.conflict.server
                : await this.codec.sealJson(w.conflict.server),
            },
          }),
        })),
      );
      if (next.length > 0) {
        const tx = writeTx(this.db, 'queue');
        const current: unknown[] = await Promise.all(next.map((n) => tx.store.get(n.row.id)));
        const puts: Promise<unknown>[] = [];
        next.forEach((n, i) => {
          const row = current[i];
          if (!isStoredWrite(row) || row.rev !== n.rev) return;
          puts.push(tx.store.put(n.row));
          count += 1;
        });
        await Promise.all([...puts, tx.done]);
      }
      const last = rows[rows.length - 1];
      if (rows.length < 200 || !isObjWithSeq(last)) return count;
      after = last.seq;
    }
  }

  /** `open` over rows read together, keeping their order and leaving out those that do not open. */
  async openAll(rows: readonly unknown[]): Promise<StoredWrite[]> {
    if (!this.codec.encrypted) return rows.filter(isStoredWrite);
    const opened = await Promise.all(rows.map((row) => this.open(row)));
    return opened.filter((w): w is StoredWrite => w !== undefined);
  }

  /**
   * A transaction over the queue, the records and the history, for changes that must land together: a write, its
   * optimistic record and its log entry commit once (one commit per enqueue instead of two).
   */
  writeTransaction() {
    return writeTx(this.db, ['queue', 'records', 'history']);
  }

  /** A transaction over every store a settled batch touches (queue, records, temporary-id map, history). */
  settleTransaction() {
    return writeTx(this.db, ['queue', 'records', 'meta', 'history']);
  }

  /** A read-only view of the queue and the records, for gathering what a batch of acknowledgements touches. */
  readTransaction() {
    return this.db.transaction(['queue', 'records'], 'readonly');
  }

  /**
   * Persists `sending` (and counts the attempt) for a whole chunk in ONE transaction, before any of it goes out.
   * Writes gone or no longer pending meanwhile (in conflict, failed, already being sent) are left out. Returns the
   * rows as stored, in the order asked.
   */
  async markSending(ids: readonly string[]): Promise<StoredWrite[]> {
    if (ids.length === 0) return [];
    const tx = writeTx(this.db, 'queue');
    const rows: unknown[] = await Promise.all(ids.map((id) => tx.store.get(id)));
    const marked: QueueRow[] = [];
    const puts: Promise<unknown>[] = [];
    for (const row of rows) {
      if (!isQueueRow(row) || !canTakeWriteEvent(row.state, 'mark-sending')) continue;
      // Only readable fields change: a sealed row is put back sealed, as it was.
      const sending: QueueRow = {
        ...row,
        state: nextQueuedState(row.state, 'mark-sending'),
        attempts: row.attempts + 1,
        rev: row.rev + 1,
      };
      marked.push(sending);
      puts.push(tx.store.put(sending));
    }
    await Promise.all([...puts, tx.done]);
    return this.openAll(marked);
  }

  /** Back to `pending` without counting the attempt (it never reached the server), in one transaction. */
  async unmarkSending(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const tx = writeTx(this.db, 'queue');
    const rows: unknown[] = await Promise.all(ids.map((id) => tx.store.get(id)));
    const puts: Promise<unknown>[] = [];
    for (const row of rows) {
      if (!isQueueRow(row) || !canTakeWriteEvent(row.state, 'not-sent')) continue;
      puts.push(
        tx.store.put({
          ...row,
          state: nextQueuedState(row.state, 'not-sent'),
          attempts: Math.max(0, row.attempts - 1),
          rev: row.rev + 1,
        }),
      );
    }
    await Promise.all([...puts, tx.done]);
  }

  async put(write: StoredWrite): Promise<void> {
    const row = await this.seal(write);
    await writeOne(this.db, 'queue', (s) => s.put(row));
  }

  async get(id: string): Promise<StoredWrite | undefined> {
    const row: unknown = await this.db.get('queue', id);
    return this.open(row);
  }

  async delete(id: string): Promise<void> {
    await writeOne(this.db, 'queue', (s) => s.delete(id));
  }

  async maxSeq(): Promise<number> {
    const cursor = await this.db.transaction('queue').store.index('by-seq').openCursor(null, 'prev');
    return cursor?.value.seq ?? 0;
  }

  /** Writes with `seq` > `afterSeq`, in order, at most `count`. */
  async page(afterSeq: number, count: number): Promise<StoredWrite[]> {
    const rows: unknown[] = await this.db.getAllFromIndex(
      'queue',
      'by-seq',
      IDBKeyRange.lowerBound(afterSeq, true),
      count,
    );
    const ok = await this.openAll(rows);
    // A malformed row must not end paging early: continue after the last row read, valid or not.
    if (ok.length < rows.length && rows.length === count && ok.length === 0) {
      const last = rows[rows.length - 1];
      const seq = isObjWithSeq(last) ? last.seq : afterSeq + count;
      return this.page(seq, count);
    }
    return ok;
  }

  /**
   * The writes at positions `offset` … `offset + count - 1` of the queue, in `seq` order. The cursor skips the first
   * `offset` rows without reading their values, so a page deep in a 10,000-write queue costs one page, not the queue.
   */
  async slice(offset: number, count: number): Promise<StoredWrite[]> {
    const rows: unknown[] = [];
    let cursor = await this.db.transaction('queue').store.index('by-seq').openCursor();
    if (cursor && offset > 0) cursor = await cursor.advance(offset);
    while (cursor && rows.length < count) {
      rows.push(cursor.value);
      cursor = await cursor.continue();
    }
    return this.openAll(rows);
  }

  async forRecord(collection: string, recordId: string): Promise<StoredWrite[]> {
    const writes = await this.openAll(
      await this.db.getAllFromIndex('queue', 'by-record', [collection, recordId]),
    );
    return writes.sort((a, b) => a.seq - b.seq);
  }

  /** Writes whose URL or fields name a temporary id (the `refs` index). */
  async referring(tempId: string): Promise<StoredWrite[]> {
    return this.openAll(await this.db.getAllFromIndex('queue', 'by-ref', tempId));
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

  /**
   * Writes not yet acknowledged nor stopped (`pending` + `sending`), counted in one transaction: two separate counts
   * miss a write that the replay moves from `pending` to `sending` between them.
   */
  async countUnsent(): Promise<number> {
    const index = this.db.transaction('queue').store.index('by-state');
    const [pending, sending] = await Promise.all([index.count('pending'), index.count('sending')]);
    return pending + sending;
  }

  /** Writes in one state, in `seq` order. */
  async inState(state: WriteState): Promise<StoredWrite[]> {
    const writes = await this.openAll(await this.db.getAllFromIndex('queue', 'by-state', state));
    return writes.sort((a, b) => a.seq - b.seq);
  }

  async clear(): Promise<void> {
    await writeOne(this.db, 'queue', (s) => s.clear());
  }
}

function isObjWithSeq(value: unknown): value is { seq: number } {
  return typeof value === 'object' && value !== null && typeof (value as { seq?: unknown }).seq === 'number';
}
