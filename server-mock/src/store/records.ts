import type { Statement } from 'better-sqlite3';
import type { JsonObject } from '../json.js';
import type { Db } from './db.js';
import type { Meta } from './meta.js';
import { intColumn, jsonObjectColumn, nullableTextColumn, textColumn } from './rows.js';

export interface StoredRecord {
  collection: string;
  id: string;
  version: number;
  seq: number;
  deleted: boolean;
  updatedAt: string;
  /** The parent record's id for child collections (notes, photos), so cascades and access follow the parent. */
  parentId: string | null;
  /** The application's fields (never id, version, updatedAt). */
  data: JsonObject;
}

export interface ListQuery {
  collection: string;
  /** The reader, for scoped collections; null for collections everyone reads. */
  user: string | null;
  /** Only changes after this sequence number; null lists live records only. */
  since: number | null;
  limit: number;
  /** Equality filters on top-level fields: each value matches the JSON string or the JSON literal it spells. */
  filters: [field: string, value: string][];
}

export interface ListRow {
  record: StoredRecord;
  /** False when the reader must treat the record as deleted: a tombstone, or access revoked. */
  live: boolean;
}

const COLUMNS = 'r.collection, r.id, r.version, r.seq, r.deleted, r.updated_at, r.parent_id, r.data';

function toRecord(row: unknown): StoredRecord {
  return {
    collection: textColumn(row, 'collection'),
    id: textColumn(row, 'id'),
    version: intColumn(row, 'version'),
    seq: intColumn(row, 'seq'),
    deleted: intColumn(row, 'deleted') === 1,
    updatedAt: textColumn(row, 'updated_at'),
    parentId: nullableTextColumn(row, 'parent_id'),
    data: jsonObjectColumn(row, 'data'),
  };
}

/** Raw record storage: versions, sequence numbers, tombstones and access rows. Rules live in ../records.ts. */
export class RecordTable {
  private readonly selectOne;
  private readonly insertOne;
  private readonly updateOne;
  private readonly resequenceOne;
  private readonly selectChildren;
  private readonly selectAll;
  private readonly countLive;
  private readonly selectOldestLive;
  private readonly selectAccess;
  private readonly upsertAccess;
  private readonly revokeAccess;
  private readonly selectReaders;
  private readonly listStatements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly meta: Meta,
    private readonly clock: () => Date,
  ) {
    this.selectOne = db.prepare(`SELECT ${COLUMNS} FROM records r WHERE r.collection = ? AND r.id = ?`);
    this.insertOne = db.prepare(
      `INSERT INTO records (collection, id, version, seq, deleted, updated_at, parent_id, data)
       VALUES (@collection, @id, 1, @seq, 0, @updatedAt, @parentId, @data)`,
    );
    this.updateOne = db.prepare(
      `UPDATE records SET version = version + 1, seq = @seq, deleted = @deleted, updated_at = @updatedAt,
       parent_id = @parentId, data = @data WHERE collection = @collection AND id = @id`,
    );
    this.resequenceOne = db.prepare('UPDATE records SET seq = ? WHERE collection = ? AND id = ?');
    this.selectChildren = db.prepare(
      `SELECT ${COLUMNS} FROM records r WHERE r.parent_id = ? AND r.deleted = 0 ORDER BY r.seq`,
    );
    this.selectAll = db.prepare(
      `SELECT ${COLUMNS} FROM records r WHERE r.collection = ? ORDER BY length(r.id), r.id`,
    );
    this.countLive = db.prepare('SELECT count(*) AS n FROM records WHERE collection = ? AND deleted = 0');
    this.selectOldestLive = db.prepare(
      `SELECT ${COLUMNS} FROM records r WHERE r.collection = ? AND r.deleted = 0 ORDER BY r.seq LIMIT ?`,
    );
    this.selectAccess = db.prepare('SELECT revoked FROM access WHERE collection = ? AND id = ? AND user = ?');
    this.upsertAccess = db.prepare(
      `INSERT INTO access (collection, id, user, revoked) VALUES (?, ?, ?, 0)
       ON CONFLICT (collection, id, user) DO UPDATE SET revoked = 0`,
    );
    this.revokeAccess = db.prepare(
      'UPDATE access SET revoked = 1 WHERE collection = ? AND id = ? AND user = ?',
    );
    this.selectReaders = db.prepare(
      'SELECT user FROM access WHERE collection = ? AND id = ? AND revoked = 0',
    );
  }

  get(collection: string, id: string): StoredRecord | undefined {
    const row = this.selectOne.get(collection, id);
    return row === undefined ? undefined : toRecord(row);
  }

  insert(collection: string, id: string, data: JsonObject, parentId: string | null): StoredRecord {
    this.insertOne.run({
      collection,
      id,
      seq: this.meta.nextSeq(),
      updatedAt: this.clock().toISOString(),
      parentId,
      data: JSON.stringify(data),
    });
    return this.mustGet(collection, id);
  }

  /** A change: version + 1, a new sequence number, a new `updatedAt`. */
  update(current: StoredRecord, data: JsonObject, deleted = false): StoredRecord {
    this.updateOne.run({
      collection: current.collection,
      id: current.id,
      seq: this.meta.nextSeq(),
      deleted: deleted ? 1 : 0,
      updatedAt: this.clock().toISOString(),
      parentId: current.parentId,
      data: JSON.stringify(data),
    });
    return this.mustGet(current.collection, current.id);
  }

  /** Moves a record to the end of the change order without changing it, so delta pulls report it again. */
  resequence(record: StoredRecord): void {
    this.resequenceOne.run(this.meta.nextSeq(), record.collection, record.id);
  }

  liveChildren(parentId: string): StoredRecord[] {
    return this.selectChildren.all(parentId).map(toRecord);
  }

  /** Everything of a collection, tombstones included, in natural id order. */
  all(collection: string): StoredRecord[] {
    return this.selectAll.all(collection).map(toRecord);
  }

  count(collection: string): number {
    return intColumn(this.countLive.get(collection), 'n');
  }

  oldestLive(collection: string, limit: number): StoredRecord[] {
    return this.selectOldestLive.all(collection, limit).map(toRecord);
  }

  canRead(collection: string, id: string, user: string): boolean {
    const row = this.selectAccess.get(collection, id, user);
    return row !== undefined && intColumn(row, 'revoked') === 0;
  }

  readers(collection: string, id: string): string[] {
    return this.selectReaders.all(collection, id).map((row) => textColumn(row, 'user'));
  }

  /** Makes exactly `users` the readers of a record; others keep a revoked row. Returns whether anything changed. */
  setReaders(collection: string, id: string, users: readonly string[]): boolean {
    const before = new Set(this.readers(collection, id));
    const after = new Set(users);
    let changed = false;
    for (const user of after) {
      if (!before.has(user)) {
        this.upsertAccess.run(collection, id, user);
        changed = true;
      }
    }
    for (const user of before) {
      if (!after.has(user)) {
        this.revokeAccess.run(collection, id, user);
        changed = true;
      }
    }
    return changed;
  }

  list(query: ListQuery): ListRow[] {
    const scoped = query.user !== null;
    const params: Record<string, string | number> = {
      collection: query.collection,
      since: query.since ?? 0,
      limit: query.limit,
    };
    const clauses: string[] = ['r.collection = @collection', 'r.seq > @since'];
    if (query.since === null) clauses.push(scoped ? 'r.deleted = 0 AND a.revoked = 0' : 'r.deleted = 0');
    query.filters.forEach(([field, value], i) => {
      params[`path${i}`] = `$.${JSON.stringify(field)}`;
      params[`text${i}`] = JSON.stringify(value);
      params[`literal${i}`] = isJsonLiteral(value) ? value : JSON.stringify(value);
      const match = `(r.data -> @path${i}) IN (@text${i}, @literal${i})`;
      // Filters narrow records, never tombstones: a client must still learn that a filtered record went away.
      clauses.push(
        query.since === null ? match : `(r.deleted = 1 ${scoped ? 'OR a.revoked = 1 ' : ''}OR ${match})`,
      );
    });
    if (scoped) params.user = query.user ?? '';
    const sql =
      `SELECT ${COLUMNS}, ${scoped ? 'a.revoked' : '0 AS revoked'} FROM records r ` +
      (scoped ? 'JOIN access a ON a.collection = r.collection AND a.id = r.id AND a.user = @user ' : '') +
      `WHERE ${clauses.join(' AND ')} ORDER BY r.seq LIMIT @limit`;
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    return statement.all(params).map((row) => {
      const record = toRecord(row);
      return { record, live: !record.deleted && intColumn(row, 'revoked') === 0 };
    });
  }

  private mustGet(collection: string, id: string): StoredRecord {
    const record = this.get(collection, id);
    if (!record) throw new Error(`${collection}/${id} vanished inside its own transaction`);
    return record;
  }
}

function isJsonLiteral(value: string): boolean {
  return (
    value === 'true' || value === 'false' || value === 'null' || /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)
  );
}
