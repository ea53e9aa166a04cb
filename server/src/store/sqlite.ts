import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isObject, type JsonObject } from '../json.js';
import {
  blobColumn,
  boolColumn,
  intColumn,
  isJsonLiteral,
  jsonColumn,
  nullableTextColumn,
  textColumn,
} from './rows.js';
import type {
  CursorCheck,
  ListPage,
  ListQuery,
  StoreReader,
  StoreTx,
  StoredAnswer,
  StoredBlob,
  StoredRecord,
  SyncStore,
} from './types.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` (the default) for tests. */
  file?: string;
  clock?: () => Date;
}

/**
 * The tables (migration 1). `records` holds live records and tombstones alike, each with the global change sequence
 * number of its last change: a delta pull is a range scan of (collection, seq). SQLite runs one write transaction at
 * a time, so sequence numbers are taken in commit order and a cursor is simply the last one a reader saw.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS ok_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ok_records (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  parent_id TEXT,
  data TEXT NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS ok_records_by_seq ON ok_records (collection, seq);
CREATE INDEX IF NOT EXISTS ok_records_by_parent ON ok_records (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS ok_access (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  user TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, id, user)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ok_idempotency (
  user TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ok_temp_ids (
  user TEXT NOT NULL,
  temp_id TEXT NOT NULL,
  collection TEXT NOT NULL,
  server_id TEXT NOT NULL,
  PRIMARY KEY (user, temp_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ok_blobs (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO ok_meta (key, value) VALUES ('schema', 1), ('seq', 0), ('cursor_floor', 0);
`;

const COLUMNS = 'r.collection, r.id, r.version, r.seq, r.deleted, r.updated_at, r.parent_id, r.data';

function toRecord(row: unknown): StoredRecord {
  const data = jsonColumn(row, 'data');
  if (!isObject(data)) throw new Error('stored record data is not a JSON object');
  return {
    collection: textColumn(row, 'collection'),
    id: textColumn(row, 'id'),
    version: intColumn(row, 'version'),
    deleted: boolColumn(row, 'deleted'),
    updatedAt: textColumn(row, 'updated_at'),
    parentId: nullableTextColumn(row, 'parent_id'),
    data,
  };
}

function headersOf(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (isObject(value))
    for (const [name, v] of Object.entries(value)) if (typeof v === 'string') headers[name] = v;
  return headers;
}

/**
 * The embedded adapter, on better-sqlite3. better-sqlite3 is synchronous and one connection holds one transaction,
 * so the adapter runs transactions one after another (a queue): a write never sees another's half, and across
 * processes on one file `BEGIN IMMEDIATE` and the busy timeout do the same.
 */
export class SqliteStore implements SyncStore {
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions = {}) {
    const file = options.file ?? ':memory:';
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    if (file !== ':memory:') {
      // WAL: readers never wait for the writer; NORMAL still survives a process crash.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SQLITE_SCHEMA);
    this.clock = options.clock ?? ((): Date => new Date());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(new SqliteTx(this.db, this.clock, this.statements));
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN');
      try {
        return await fn(new SqliteTx(this.db, this.clock, this.statements));
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    });
  }

  pruneAnswers(before: Date): Promise<void> {
    return this.serial(() => {
      this.db.prepare('DELETE FROM ok_idempotency WHERE created_at < ?').run(before.getTime());
      return Promise.resolve();
    });
  }

  clear(): Promise<void> {
    return this.write(() => {
      // Cursors carry a sequence number: those below the next one were issued before now.
      this.db.exec(`DELETE FROM ok_records; DELETE FROM ok_access; DELETE FROM ok_idempotency;
        DELETE FROM ok_temp_ids; DELETE FROM ok_blobs;
        UPDATE ok_meta SET value = value + 1 WHERE key = 'seq';
        UPDATE ok_meta SET value = (SELECT value FROM ok_meta WHERE key = 'seq') WHERE key = 'cursor_floor';`);
      return Promise.resolve();
    });
  }

  close(): Promise<void> {
    return this.serial(() => {
      if (this.db.open) this.db.close();
      return Promise.resolve();
    });
  }
}

let savepoints = 0;

class SqliteTx implements StoreTx, StoreReader {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
    private readonly statements: Map<string, Database.Statement>,
  ) {}

  /** Statements are prepared once per database: preparing is most of the cost of a small query. */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // List queries vary with the filters a client names: a bound keeps those from growing the cache forever.
      if (this.statements.size >= 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private nextSeq(): number {
    return intColumn(
      this.prepare("UPDATE ok_meta SET value = value + 1 WHERE key = 'seq' RETURNING value").get(),
      'value',
    );
  }

  private currentSeq(): number {
    return intColumn(this.prepare("SELECT value FROM ok_meta WHERE key = 'seq'").get(), 'value');
  }

  get(collection: string, id: string): Promise<StoredRecord | undefined> {
    const row = this.prepare(`SELECT ${COLUMNS} FROM ok_records r WHERE r.collection = ? AND r.id = ?`).get(
      collection,
      id,
    );
    return Promise.resolve(row === undefined ? undefined : toRecord(row));
  }

  async insert(
    collection: string,
    id: string,
    data: JsonObject,
    parentId: string | null,
  ): Promise<StoredRecord> {
    this.prepare(
      `INSERT INTO ok_records (collection, id, version, seq, deleted, updated_at, parent_id, data)
         VALUES (?, ?, 1, ?, 0, ?, ?, ?)`,
    ).run(collection, id, this.nextSeq(), this.clock().toISOString(), parentId, JSON.stringify(data));
    const record = await this.get(collection, id);
    if (!record) throw new Error(`${collection}/${id} vanished inside its own transaction`);
    return record;
  }

  async update(current: StoredRecord, data: JsonObject, deleted: boolean): Promise<StoredRecord | null> {
    const result = this.prepare(
      `UPDATE ok_records SET version = version + 1, seq = ?, deleted = ?, updated_at = ?, data = ?
         WHERE collection = ? AND id = ? AND version = ?`,
    ).run(
      this.nextSeq(),
      deleted ? 1 : 0,
      this.clock().toISOString(),
      JSON.stringify(data),
      current.collection,
      current.id,
      current.version,
    );
    if (result.changes === 0) return null;
    return (await this.get(current.collection, current.id)) ?? null;
  }

  touch(collection: string, id: string): Promise<void> {
    this.prepare('UPDATE ok_records SET seq = ? WHERE collection = ? AND id = ?').run(
      this.nextSeq(),
      collection,
      id,
    );
    return Promise.resolve();
  }

  liveChildren(_parentCollection: string, parentId: string): Promise<StoredRecord[]> {
    const rows = this.prepare(
      `SELECT ${COLUMNS} FROM ok_records r WHERE r.parent_id = ? AND r.deleted = 0 ORDER BY r.seq`,
    ).all(parentId);
    return Promise.resolve(rows.map(toRecord));
  }

  readers(collection: string, id: string): Promise<string[]> {
    const rows = this.prepare(
      'SELECT user FROM ok_access WHERE collection = ? AND id = ? AND revoked = 0',
    ).all(collection, id);
    return Promise.resolve(rows.map((row) => textColumn(row, 'user')));
  }

  canRead(collection: string, id: string, user: string): Promise<boolean> {
    const row = this.prepare(
      'SELECT revoked FROM ok_access WHERE collection = ? AND id = ? AND user = ?',
    ).get(collection, id, user);
    return Promise.resolve(row !== undefined && intColumn(row, 'revoked') === 0);
  }

  async setReaders(collection: string, id: string, users: readonly string[]): Promise<boolean> {
    const before = new Set(await this.readers(collection, id));
    const after = new Set(users);
    let changed = false;
    for (const user of after) {
      if (before.has(user)) continue;
      this.prepare(
        `INSERT INTO ok_access (collection, id, user, revoked) VALUES (?, ?, ?, 0)
           ON CONFLICT (collection, id, user) DO UPDATE SET revoked = 0`,
      ).run(collection, id, user);
      changed = true;
    }
    for (const user of before) {
      if (after.has(user)) continue;
      this.prepare('UPDATE ok_access SET revoked = 1 WHERE collection = ? AND id = ? AND user = ?').run(
        collection,
        id,
        user,
      );
      changed = true;
    }
    return changed;
  }

  nextId(prefix: string): Promise<number> {
    const row = this.prepare(
      'INSERT INTO ok_meta (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value',
    ).get(`next:${prefix}`);
    return Promise.resolve(intColumn(row, 'value'));
  }

  getAnswer(user: string, key: string): Promise<StoredAnswer | undefined> {
    const row = this.prepare(
      'SELECT fingerprint, status, headers, body FROM ok_idempotency WHERE user = ? AND key = ?',
    ).get(user, key);
    if (row === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      fingerprint: textColumn(row, 'fingerprint'),
      status: intColumn(row, 'status'),
      headers: headersOf(jsonColumn(row, 'headers')),
      body: jsonColumn(row, 'body'),
    });
  }

  putAnswer(user: string, key: string, answer: StoredAnswer): Promise<void> {
    this.prepare(
      'INSERT INTO ok_idempotency (user, key, fingerprint, status, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(
      user,
      key,
      answer.fingerprint,
      answer.status,
      JSON.stringify(answer.headers),
      JSON.stringify(answer.body),
      this.clock().getTime(),
    );
    return Promise.resolve();
  }

  resolveTempId(user: string, tempId: string): Promise<string | undefined> {
    const row = this.prepare('SELECT server_id FROM ok_temp_ids WHERE user = ? AND temp_id = ?').get(
      user,
      tempId,
    );
    return Promise.resolve(row === undefined ? undefined : textColumn(row, 'server_id'));
  }

  rememberTempId(user: string, tempId: string, collection: string, serverId: string): Promise<void> {
    this.prepare('INSERT INTO ok_temp_ids (user, temp_id, collection, server_id) VALUES (?, ?, ?, ?)').run(
      user,
      tempId,
      collection,
      serverId,
    );
    return Promise.resolve();
  }

  reserveId(prefix: string, used: number): Promise<void> {
    this.prepare(
      'INSERT INTO ok_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)',
    ).run(`next:${prefix}`, used);
    return Promise.resolve();
  }

  putBlob(collection: string, id: string, blob: StoredBlob): Promise<void> {
    this.prepare('INSERT INTO ok_blobs (collection, id, content_type, bytes) VALUES (?, ?, ?, ?)').run(
      collection,
      id,
      blob.contentType,
      blob.bytes,
    );
    return Promise.resolve();
  }

  deleteBlob(collection: string, id: string): Promise<void> {
    this.prepare('DELETE FROM ok_blobs WHERE collection = ? AND id = ?').run(collection, id);
    return Promise.resolve();
  }

  getBlob(collection: string, id: string): Promise<StoredBlob | undefined> {
    const row: unknown = this.prepare(
      'SELECT content_type, bytes FROM ok_blobs WHERE collection = ? AND id = ?',
    ).get(collection, id);
    if (row === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ contentType: textColumn(row, 'content_type'), bytes: blobColumn(row, 'bytes') });
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    savepoints += 1;
    const name = `ok_sp_${savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }

  checkCursor(cursor: string): Promise<CursorCheck> {
    const match = /^c_(\d{1,15})$/.exec(cursor);
    const seq = match?.[1] === undefined ? NaN : Number(match[1]);
    if (!Number.isSafeInteger(seq) || seq > this.currentSeq()) return Promise.resolve('invalid');
    const floor = intColumn(
      this.prepare("SELECT value FROM ok_meta WHERE key = 'cursor_floor'").get(),
      'value',
    );
    return Promise.resolve(seq < floor ? 'expired' : 'ok');
  }

  list(query: ListQuery): Promise<ListPage> {
    const scoped = query.user !== null;
    const since = query.since === null ? null : Number(query.since.slice(2));
    const params: Record<string, string | number> = {
      collection: query.collection,
      since: since ?? 0,
      limit: query.limit + 1,
    };
    const clauses = ['r.collection = @collection', 'r.seq > @since'];
    if (since === null) clauses.push(scoped ? 'r.deleted = 0 AND a.revoked = 0' : 'r.deleted = 0');
    query.filters.forEach(([field, value], i) => {
      params[`path${i}`] = `$.${JSON.stringify(field)}`;
      params[`text${i}`] = JSON.stringify(value);
      params[`literal${i}`] = isJsonLiteral(value) ? value : JSON.stringify(value);
      const match = `(r.data -> @path${i}) IN (@text${i}, @literal${i})`;
      // Filters narrow records, never tombstones: a client must still learn that a filtered record went away.
      clauses.push(
        since === null ? match : `(r.deleted = 1 ${scoped ? 'OR a.revoked = 1 ' : ''}OR ${match})`,
      );
    });
    if (scoped) params.user = query.user ?? '';
    const sql =
      `SELECT ${COLUMNS}, ${scoped ? 'a.revoked' : '0 AS revoked'} FROM ok_records r ` +
      (scoped ? 'JOIN ok_access a ON a.collection = r.collection AND a.id = r.id AND a.user = @user ' : '') +
      `WHERE ${clauses.join(' AND ')} ORDER BY r.seq LIMIT @limit`;
    const rows = this.prepare(sql).all(params);
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    const cursor = hasMore && last !== undefined ? intColumn(last, 'seq') : this.currentSeq();
    return Promise.resolve({
      rows: page.map((row) => {
        const record = toRecord(row);
        return { record, live: !record.deleted && intColumn(row, 'revoked') === 0 };
      }),
      cursor: `c_${cursor}`,
      hasMore,
    });
  }

  all(collection: string): Promise<StoredRecord[]> {
    const rows = this.prepare(
      `SELECT ${COLUMNS} FROM ok_records r WHERE r.collection = ? ORDER BY length(r.id), r.id`,
    ).all(collection);
    return Promise.resolve(rows.map(toRecord));
  }
}
