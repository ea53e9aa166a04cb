/** The local copy of the server's collections, as records with sync metadata (not response blobs). */
import type { JsonRecord } from '../shared/config.js';
import { isObject } from '../shared/guards.js';
import type { Codec } from './codec.js';
import { collectionRange, isStoredRecord, type Db, type StoredRecord } from './db.js';

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
    const tx = this.db.transaction('records', 'readwrite');
    await Promise.all([...sealed.map((row) => tx.store.put(row)), tx.done]);
  }

  async delete(collection: string, id: string): Promise<void> {
    await this.db.delete('records', [collection, id]);
  }

  /** One page of a collection's rows in id order, after `afterId`. */
  async page(collection: string, afterId: string | null, count: number): Promise<StoredRecord[]> {
    const range =
      afterId === null
        ? collectionRange(collection)
        : IDBKeyRange.bound([collection, afterId], [collection, []], true, false);
    const rows: unknown[] = await this.db.getAll('records', range, count);
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
    const tx = this.db.transaction('records', 'readwrite');
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
    await this.db.clear('records');
  }
}
