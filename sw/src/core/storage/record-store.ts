/** The local copy of the server's collections, as records with sync metadata (not response blobs). */
import { rawWriteTx, writeOne, writeTx } from './changes.js';
import { unwrap } from 'idb';
import type { Version } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { Codec } from './codec.js';
import { collectionRange, isSealed, isStoredRecord, type Db, type StoredRecord } from './db.js';
import {
  abortQuietly,
  queueRangeOf,
  request,
  transactionDone,
  writeMarks,
  type WriteMark,
} from './idb-raw.js';
import { same, type CoreRecord } from '../model/records.js';

/** A page of server records (a pull page or what a read answered) to store. */
export interface ServerPage {
  collection: string;
  records: CoreRecord[];
  deletedIds: string[];
  /** The pull that stored it (replace-all sweeps keep what it marked); null for reads and acknowledgements. */
  mark: string | null;
  now: number;
  /** `meta` entries written in the same transaction: a delta cursor is saved exactly when its page is. */
  meta?: [string, unknown][];
}

export interface StoredPage {
  /** Ids whose local copy changed (stored or removed); a record the store already held newer is not among them. */
  changed: string[];
  /** Changed records with queued writes: their overlay must be rebuilt on the new server copy. */
  withWrites: string[];
}

/** What a list read from the local copy starts from, read in one transaction. */
export interface LocalListStart {
  syncedAt: number | null;
  /** Rows after `afterId` in id order, at most `take`. */
  rows: StoredRecord[];
  /** Fewer rows than `take`: nothing further in the collection. */
  exhausted: boolean;
  marks: Map<string, WriteMark>;
  /** Rows of records created here (not from the server) that have queued writes, when asked for. */
  creates: StoredRecord[];
}

export interface OpenRecord {
  row: StoredRecord;
  data: JsonRecord | null;
  server: JsonRecord | null;
}

export class RecordStore {
  constructor(
    private readonly db: Db,
    private readonly codec: Codec,
  ) {}

  async get(collection: string, id: string): Promise<OpenRecord | null> {
    const row: unknown = await this.db.get('records', [collection, id]);
    return isStoredRecord(row) ? this.open(row) : null;
  }

  async open(row: StoredRecord): Promise<OpenRecord> {
    const data = await this.codec.openJson(row.data);
    const server = await this.codec.openJson(row.server);
    return { row, data: isObject(data) ? data : null, server: isObject(server) ? server : null };
  }

  /** Seals and stores rows; all in one transaction (sealing happens before it opens). */
  async putMany(
    rows: { row: StoredRecord; data: JsonRecord | null; server: JsonRecord | null }[],
  ): Promise<void> {
    const sealed: StoredRecord[] = [];
    for (const r of rows) {
      sealed.push({
        ...r.row,
        data: await this.codec.sealJson(r.data),
        server: await this.codec.sealJson(r.server),
      });
    }
    const tx = writeTx(this.db, 'records');
    await Promise.all([...sealed.map((row) => tx.store.put(row)), tx.done]);
  }

  /**
   * Stores server records in one transaction, puts fired without awaiting each. Versions decide: a record this store
   * already holds at a newer version (an acknowledged write or a newer read that raced this page) is left alone. Records
   * with queued writes (read in the same transaction, so a write queued meanwhile is seen) keep their overlay; only
   * their server copy changes, and the caller rebuilds them.
   */
  async storeServerPage(input: ServerPage): Promise<StoredPage> {
    const page = input.mark === null && !input.meta ? await this.withoutKnown(input) : input;
    if (page.records.length === 0 && page.deletedIds.length === 0 && !page.meta)
      return { changed: [], withWrites: [] };
    const { collection, mark, now } = page;
    const sealed = this.codec.encrypted
      ? await Promise.all(page.records.map((r) => this.codec.sealJson(r)))
      : page.records;
    const tx = rawWriteTx(this.db, page.meta ? ['records', 'queue', 'meta'] : ['records', 'queue']);
    const done = transactionDone(tx);
    const changed: string[] = [];
    const withWrites: string[] = [];
    try {
      const store = tx.objectStore('records');
      const [marks, existing] = await Promise.all([
        writeMarks(tx.objectStore('queue'), queueRangeOf(collection)),
        existingRows(store, collection, [...page.records.map((r) => r.id), ...page.deletedIds]),
      ]);
      page.records.forEach((r, i) => {
        const old = existing.get(r.id);
        if (old && isNewer(old.version, r.version)) {
          // Older than what is here (a stale replica, a page that raced an acknowledgement): not stored, but seen by
          // this pull, so its sweep must keep the record.
          if (mark !== null && old.pullMark !== mark) store.put({ ...old, pullMark: mark });
          return;
        }
        const server = sealed[i] ?? null;
        const overlaid = marks.has(r.id) && old !== undefined;
        const row: StoredRecord = {
          collection,
          id: r.id,
          data: overlaid ? old.data : server,
          server,
          version: r.version,
          fromServer: true,
          deleted: overlaid ? old.deleted : false,
          syncedAt: now,
          pullMark: mark ?? old?.pullMark ?? null,
        };
        store.put(row);
        changed.push(r.id);
        if (marks.has(r.id)) withWrites.push(r.id);
      });
      for (const id of page.deletedIds) {
        const old = existing.get(id);
        if (marks.has(id)) {
          if (old) store.put({ ...old, server: null });
        } else if (old) {
          store.delete([collection, id]);
          changed.push(id);
        }
      }
      if (page.meta) {
        const meta = tx.objectStore('meta');
        for (const [key, value] of page.meta) meta.put(value, key);
      }
    } catch (error) {
      abortQuietly(tx);
      throw error;
    }
    await done;
    return { changed, withWrites };
  }

  /**
   * A read's page without what the store already holds at that version or newer, checked in a read-only transaction:
   * a page read again and again (a list the app polls) then writes nothing and never holds up the queue. Only for
   * stores without a pull mark (a pull must mark every record it saw, for its sweep).
   */
  private async withoutKnown(page: ServerPage): Promise<ServerPage> {
    const tx = unwrap(this.db).transaction('records', 'readonly');
    const existing = await existingRows(tx.objectStore('records'), page.collection, [
      ...page.records.map((r) => r.id),
      ...page.deletedIds,
    ]);
    return {
      ...page,
      records: page.records.filter((r) => {
        const old = existing.get(r.id);
        if (!old?.fromServer) return true;
        if (sameOrNewer(old.version, r.version)) return false;
        // An API without versions (json-server: version 0) says nothing by version: the same copy as the one held is
        // known too, or every identical read rewrote every record it listed (and an app polling a list paid a write
        // transaction per poll). A sealed copy cannot be compared without opening it: it is stored again.
        return !(r.version === 0 && old.version === 0 && !isSealed(old.server) && same(old.server, r));
      }),
      deletedIds: page.deletedIds.filter((id) => existing.has(id)),
    };
  }

  /**
   * The start of a list read from the local copy, in one transaction: the last-sync time, the first `take` rows after
   * `afterId`, the records with queued writes (keys only), and — for a first page — the rows of records created here.
   */
  async readListStart(
    collection: string,
    afterId: string | null,
    take: number,
    withCreates: boolean,
    syncedAtKey: string,
  ): Promise<LocalListStart> {
    const db = unwrap(this.db);
    const tx = db.transaction(['records', 'queue', 'meta'], 'readonly');
    const store = tx.objectStore('records');
    const [syncedAt, rows, marks] = await Promise.all([
      request<unknown>(tx.objectStore('meta').get(syncedAtKey)),
      request<unknown[]>(store.getAll(rangeAfter(collection, afterId), take)),
      writeMarks(tx.objectStore('queue'), queueRangeOf(collection)),
    ]);
    let creates: StoredRecord[] = [];
    if (withCreates && marks.size > 0) {
      const ids = [...marks.keys()];
      const found = await Promise.all(ids.map((id) => request<unknown>(store.get([collection, id]))));
      creates = found.filter(isStoredRecord).filter((row) => !row.fromServer);
    }
    return {
      syncedAt: typeof syncedAt === 'number' ? syncedAt : null,
      rows: rows.filter(isStoredRecord),
      exhausted: rows.length < take,
      marks,
      creates,
    };
  }

  /** Rows of `ids` with the queued-write marks of their records, in one transaction. */
  async readWithMarks(
    collection: string,
    ids: readonly string[],
  ): Promise<{ rows: Map<string, StoredRecord>; marks: Map<string, WriteMark> }> {
    const db = unwrap(this.db);
    const tx = db.transaction(['records', 'queue'], 'readonly');
    const range = ids.length === 1 ? queueRangeOf(collection, ids[0]) : queueRangeOf(collection);
    const [rows, marks] = await Promise.all([
      existingRows(tx.objectStore('records'), collection, ids),
      writeMarks(tx.objectStore('queue'), range),
    ]);
    return { rows, marks };
  }

  /**
   * Seals rows stored in the clear (the partition was plain before `encryptAtRest` was turned on), 500 at a time. A
   * row rewritten meanwhile is sealed already (every write seals) and is left alone. Returns how many were sealed.
   */
  async sealPlainRows(): Promise<number> {
    if (!this.codec.encrypted) return 0;
    let after: [string, string] | null = null;
    let count = 0;
    for (;;) {
      const range: IDBKeyRange | null = after === null ? null : IDBKeyRange.lowerBound(after, true);
      const rows: unknown[] = await this.db.getAll('records', range, 500);
      const plain = rows.filter(isStoredRecord).filter((row) => isPlain(row.data) || isPlain(row.server));
      const sealed: StoredRecord[] = [];
      for (const row of plain) {
        sealed.push({
          ...row,
          data: isPlain(row.data) ? await this.codec.sealJson(row.data) : row.data,
          server: isPlain(row.server) ? await this.codec.sealJson(row.server) : row.server,
        });
      }
      if (sealed.length > 0) {
        const tx = writeTx(this.db, 'records');
        const current: unknown[] = await Promise.all(
          sealed.map((row) => tx.store.get([row.collection, row.id])),
        );
        const puts: Promise<unknown>[] = [];
        sealed.forEach((row, i) => {
          const now = current[i];
          if (!isStoredRecord(now) || !(isPlain(now.data) || isPlain(now.server))) return;
          puts.push(tx.store.put(row));
          count += 1;
        });
        await Promise.all([...puts, tx.done]);
      }
      const last = rows[rows.length - 1];
      if (rows.length < 500 || !isStoredRecord(last)) return count;
      after = [last.collection, last.id];
    }
  }

  async delete(collection: string, id: string): Promise<void> {
    await writeOne(this.db, 'records', (s) => s.delete([collection, id]));
  }

  /**
   * Drops every local record of a collection and writes `meta` (the migration's version, cursor, re-sync flag) in the
   * same transaction: a crash leaves either the old records under the old version or none under the new one.
   */
  async dropCollection(collection: string, meta: [string, unknown][]): Promise<void> {
    const tx = writeTx(this.db, ['records', 'meta']);
    const metaStore = tx.objectStore('meta');
    await Promise.all([
      tx.objectStore('records').delete(collectionRange(collection)),
      ...meta.map(([key, value]) => metaStore.put(value, key)),
      tx.done,
    ]);
  }

  /** One page of a collection's rows in id order, after `afterId`. */
  async page(collection: string, afterId: string | null, count: number): Promise<StoredRecord[]> {
    const rows: unknown[] = await this.db.getAll('records', rangeAfter(collection, afterId), count);
    return rows.filter(isStoredRecord);
  }

  count(collection: string): Promise<number> {
    return this.db.count('records', collectionRange(collection));
  }

  /**
   * Deletes rows of a collection not marked by pull `mark` and not stored since the pull began (`startedAt`: a page's
   * own read may have stored them meanwhile), except `keep` (records with queued writes): the sweep of a replace-all
   * pull, done with a cursor so 100,000 records are never loaded at once.
   */
  async sweep(
    collection: string,
    mark: string,
    startedAt: number,
    keep: ReadonlySet<string>,
  ): Promise<string[]> {
    const removed: string[] = [];
    const tx = writeTx(this.db, 'records');
    let cursor = await tx.store.openCursor(collectionRange(collection));
    while (cursor) {
      const row = cursor.value;
      if (row.pullMark !== mark && (row.syncedAt ?? 0) < startedAt && !keep.has(row.id) && row.fromServer) {
        removed.push(row.id);
        await cursor.delete();
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    return removed;
  }

  async clear(): Promise<void> {
    await writeOne(this.db, 'records', (s) => s.clear());
  }
}

/** A value stored in the clear: present and not ciphertext. */
function isPlain(value: unknown): boolean {
  return value !== null && value !== undefined && !isSealed(value);
}

function rangeAfter(collection: string, afterId: string | null): IDBKeyRange {
  return afterId === null
    ? collectionRange(collection)
    : IDBKeyRange.bound([collection, afterId], [collection, []], true, false);
}

/**
 * The stored rows of `ids`. Pages usually hold ids close together (a catalogue pulled in id order, or nothing stored
 * yet), so one `getAll` over their span answers at once; a span holding many more rows than asked for falls back to
 * one `get` per id, all in flight together.
 */
async function existingRows(
  store: IDBObjectStore,
  collection: string,
  ids: readonly string[],
): Promise<Map<string, StoredRecord>> {
  const out = new Map<string, StoredRecord>();
  if (ids.length === 0) return out;
  const wanted = new Set(ids);
  let min = ids[0] ?? '';
  let max = min;
  for (const id of ids) {
    if (id < min) min = id;
    if (id > max) max = id;
  }
  const cap = ids.length * 2 + 16;
  const span = await request<unknown[]>(
    store.getAll(IDBKeyRange.bound([collection, min], [collection, max]), cap),
  );
  if (span.length < cap) {
    for (const row of span) if (isStoredRecord(row) && wanted.has(row.id)) out.set(row.id, row);
    return out;
  }
  const rows = await Promise.all([...wanted].map((id) => request<unknown>(store.get([collection, id]))));
  for (const row of rows) if (isStoredRecord(row)) out.set(row.id, row);
  return out;
}

/**
 * Whether a stored version is newer than one arriving. Only integer versions (our protocol) are ordered; ETags and
 * other tokens only tell same from different, and 0 (an API without versions) tells nothing.
 */
function isNewer(held: Version | null, arriving: Version): boolean {
  return typeof held === 'number' && typeof arriving === 'number' && arriving > 0 && held > arriving;
}

/** Whether what is held is this version or a newer one, so storing the arriving copy again would change nothing. */
function sameOrNewer(held: Version | null, arriving: Version): boolean {
  if (held === null || arriving === 0) return false;
  if (typeof held === 'number' && typeof arriving === 'number') return held >= arriving;
  return held === arriving;
}
