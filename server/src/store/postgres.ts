import { createHash } from 'node:crypto';
import pg from 'pg';
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

export interface PostgresStoreOptions {
  /** A pool of your own (its size is how many transactions this app server runs at once). */
  pool?: pg.Pool;
  /** Or a connection string for a pool the store opens and closes itself. */
  connectionString?: string;
  /** The schema the tables live in (created when missing). Default `public`. */
  schema?: string;
  clock?: () => Date;
}

/**
 * The tables (migration 1), in `schema`. Each record row carries the id of the transaction that last changed it
 * (`xid`, from `pg_current_xact_id()`) and a number from a sequence (`seq`): the change order is (xid, seq).
 *
 * Why not the sequence alone: sequence numbers are handed out when a statement runs, not when its transaction
 * commits, so a slow transaction can commit seq 5 after a reader already saw seq 6 and gave out a cursor past it —
 * and that row would never be pulled. Instead a reader only returns rows whose xid is below the xmin of its snapshot
 * (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below xmin has ended, so no row can appear there
 * later, and every transaction still running (or not begun) has an xid at or above it, so its rows come after the
 * cursor. The price: a long-running write transaction holds back what pulls deliver until it ends.
 */
export function postgresSchema(schema: string): string {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.ok_records (
  collection text NOT NULL,
  id text NOT NULL,
  version integer NOT NULL,
  xid xid8 NOT NULL,
  seq bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at text NOT NULL,
  parent_id text,
  data jsonb NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS ok_records_by_change ON ${s}.ok_records (collection, xid, seq);
CREATE INDEX IF NOT EXISTS ok_records_by_parent ON ${s}.ok_records (parent_id) WHERE parent_id IS NOT NULL;
CREATE SEQUENCE IF NOT EXISTS ${s}.ok_change_seq;
CREATE TABLE IF NOT EXISTS ${s}.ok_access (
  collection text NOT NULL,
  id text NOT NULL,
  "user" text NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  PRIMARY KEY (collection, id, "user")
);
CREATE TABLE IF NOT EXISTS ${s}.ok_idempotency (
  "user" text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  status integer NOT NULL,
  headers jsonb NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY ("user", key)
);
CREATE TABLE IF NOT EXISTS ${s}.ok_temp_ids (
  "user" text NOT NULL,
  temp_id text NOT NULL,
  collection text NOT NULL,
  server_id text NOT NULL,
  PRIMARY KEY ("user", temp_id)
);
CREATE TABLE IF NOT EXISTS ${s}.ok_counters (prefix text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.ok_blobs (
  collection text NOT NULL,
  id text NOT NULL,
  content_type text NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS ${s}.ok_cursor_floor (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), xid xid8 NOT NULL);
`;
}

/** The id sequence of a prefix, schema-qualified and quoted: `"s"."ok_id_wo"`; a prefix outside [A-Za-z0-9_-] is hashed. */
function idSequence(schema: string, prefix: string): string {
  const name = /^[A-Za-z0-9_-]{1,50}$/.test(prefix)
    ? prefix
    : createHash('sha256').update(prefix).digest('hex').slice(0, 32);
  return `${schema}."ok_id_${name}"`;
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new Error(`${JSON.stringify(name)} is not a schema name`);
  return `"${name}"`;
}

const COLUMNS =
  'r.collection, r.id, r.version, r.xid::text AS xid, r.seq, r.deleted, r.updated_at, r.parent_id, r.data';

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

/** Races the database settles by refusing one side: run the transaction again and it reads the winner's result. */
function isRetryable(error: unknown): boolean {
  if (!isObject(error) || typeof error.code !== 'string') return false;
  // 23505: the same idempotency key or temporary id committed by another app server first. 40001, 40P01:
  // serialization failure and deadlock.
  return error.code === '23505' || error.code === '40001' || error.code === '40P01';
}

const CURSOR = /^c_(\d{1,20})_(\d{1,18})$/;

/**
 * The PostgreSQL adapter, on `pg`. Any number of app servers share one database: versions are checked by a
 * conditional `UPDATE … WHERE version = $n`, idempotency answers are rows written in the transaction of their change
 * (a replay to any app server reads the first answer), and cursors follow the transaction-id watermark described at
 * `postgresSchema`.
 */
export class PostgresStore implements SyncStore {
  private readonly sequences = new Set<string>();

  private constructor(
    readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly schema: string,
    private readonly clock: () => Date,
  ) {}

  /** Connects and runs the migration (idempotent; serialized across app servers by an advisory lock). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString });
    // An idle connection the database ends (a restart, a failover) is replaced by the pool; without a listener its
    // error would end the process. A pool you pass in is yours to listen to.
    if (options.pool === undefined) pool.on('error', () => undefined);
    const store = new PostgresStore(
      pool,
      options.pool === undefined,
      quoteIdent(options.schema ?? 'public'),
      options.clock ?? ((): Date => new Date()),
    );
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('offline-kit-migrate'))");
      await client.query(postgresSchema(options.schema ?? 'public'));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (store.ownsPool) await pool.end();
      throw error;
    } finally {
      client.release();
    }
    return store;
  }

  async write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.checkout();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(new PostgresTx(client, this.schema, this.clock, this.sequences));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (!isRetryable(error) || attempt >= 8) throw error;
      } finally {
        client.off('error', ignore);
        client.release(broken);
      }
    }
  }

  async read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    let broken = false;
    try {
      // One snapshot for the page, the watermark and the cursor after it.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(new PostgresTx(client, this.schema, this.clock, this.sequences));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
  }

  /**
   * A connection for one transaction. A connection that dies while checked out (the database restarted, a failover,
   * the session ended) also emits `error`, and an event without a listener would end the app server's process: the
   * query in flight fails on its own, the transaction is rolled back by the database, and the pool drops the client.
   */
  private async checkout(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    client.on('error', ignore);
    return client;
  }

  async pruneAnswers(before: Date): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.schema}.ok_idempotency WHERE created_at < $1`, [before]);
  }

  async clear(): Promise<void> {
    await this.write(async (tx) => {
      if (!(tx instanceof PostgresTx)) throw new Error('a PostgresStore transaction is a PostgresTx');
      await tx.clearAll();
    });
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

function ignore(): void {
  // See PostgresStore.checkout.
}

let savepoints = 0;

class PostgresTx implements StoreTx, StoreReader {
  /** Id sequences this transaction created: not known to exist until it commits. */
  private readonly createdHere = new Set<string>();

  constructor(
    private readonly client: pg.PoolClient,
    private readonly s: string,
    private readonly clock: () => Date,
    /** Id sequences known to exist (committed), shared by the store's transactions. */
    private readonly sequences: Set<string>,
  ) {}

  private async rows(sql: string, params: unknown[] = []): Promise<unknown[]> {
    return (await this.client.query(sql, params)).rows as unknown[];
  }

  private async one(sql: string, params: unknown[] = []): Promise<unknown> {
    return (await this.rows(sql, params))[0];
  }

  async get(collection: string, id: string): Promise<StoredRecord | undefined> {
    const row = await this.one(
      `SELECT ${COLUMNS} FROM ${this.s}.ok_records r WHERE r.collection = $1 AND r.id = $2`,
      [collection, id],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async insert(
    collection: string,
    id: string,
    data: JsonObject,
    parentId: string | null,
  ): Promise<StoredRecord> {
    const row = await this.one(
      `INSERT INTO ${this.s}.ok_records AS r (collection, id, version, xid, seq, deleted, updated_at, parent_id, data)
       VALUES ($1, $2, 1, pg_current_xact_id(), nextval('${this.s}.ok_change_seq'), false, $3, $4, $5)
       RETURNING ${COLUMNS}`,
      [collection, id, this.clock().toISOString(), parentId, JSON.stringify(data)],
    );
    return toRecord(row);
  }

  async update(current: StoredRecord, data: JsonObject, deleted: boolean): Promise<StoredRecord | null> {
    const row = await this.one(
      `UPDATE ${this.s}.ok_records AS r SET version = r.version + 1, xid = pg_current_xact_id(),
         seq = nextval('${this.s}.ok_change_seq'), deleted = $1, updated_at = $2, data = $3
       WHERE r.collection = $4 AND r.id = $5 AND r.version = $6
       RETURNING ${COLUMNS}`,
      [
        deleted,
        this.clock().toISOString(),
        JSON.stringify(data),
        current.collection,
        current.id,
        current.version,
      ],
    );
    return row === undefined ? null : toRecord(row);
  }

  async touch(collection: string, id: string): Promise<void> {
    await this.client.query(
      `UPDATE ${this.s}.ok_records SET xid = pg_current_xact_id(), seq = nextval('${this.s}.ok_change_seq')
       WHERE collection = $1 AND id = $2`,
      [collection, id],
    );
  }

  async liveChildren(_parentCollection: string, parentId: string): Promise<StoredRecord[]> {
    const rows = await this.rows(
      `SELECT ${COLUMNS} FROM ${this.s}.ok_records r WHERE r.parent_id = $1 AND NOT r.deleted ORDER BY r.xid, r.seq`,
      [parentId],
    );
    return rows.map(toRecord);
  }

  async readers(collection: string, id: string): Promise<string[]> {
    const rows = await this.rows(
      `SELECT "user" FROM ${this.s}.ok_access WHERE collection = $1 AND id = $2 AND NOT revoked ORDER BY "user"`,
      [collection, id],
    );
    return rows.map((row) => textColumn(row, 'user'));
  }

  async canRead(collection: string, id: string, user: string): Promise<boolean> {
    const row = await this.one(
      `SELECT revoked FROM ${this.s}.ok_access WHERE collection = $1 AND id = $2 AND "user" = $3`,
      [collection, id, user],
    );
    return row !== undefined && !boolColumn(row, 'revoked');
  }

  async setReaders(collection: string, id: string, users: readonly string[]): Promise<boolean> {
    const before = new Set(await this.readers(collection, id));
    const after = new Set(users);
    let changed = false;
    for (const user of after) {
      if (before.has(user)) continue;
      await this.client.query(
        `INSERT INTO ${this.s}.ok_access (collection, id, "user", revoked) VALUES ($1, $2, $3, false)
         ON CONFLICT (collection, id, "user") DO UPDATE SET revoked = false`,
        [collection, id, user],
      );
      changed = true;
    }
    for (const user of before) {
      if (after.has(user)) continue;
      await this.client.query(
        `UPDATE ${this.s}.ok_access SET revoked = true WHERE collection = $1 AND id = $2 AND "user" = $3`,
        [collection, id, user],
      );
      changed = true;
    }
    return changed;
  }

  async nextId(prefix: string): Promise<number> {
    // A sequence per prefix: `nextval` never waits for another transaction, so creates of one collection on many app
    // servers go side by side (a counter row locked until commit made them take turns). Ids are never reused; a
    // rolled-back create leaves a gap.
    const sequence = idSequence(this.s, prefix);
    if (!this.sequences.has(sequence)) {
      const found = await this.one('SELECT to_regclass($1) IS NOT NULL AS present', [sequence]);
      if (!boolColumn(found, 'present')) {
        // The first id of this prefix in this schema. Two app servers creating it at once: the second's CREATE fails
        // with 23505 when the first commits, and its transaction runs again (PostgresStore.write).
        await this.client.query(`CREATE SEQUENCE IF NOT EXISTS ${sequence}`);
        // Go on from the counter row a database written before sequences may hold.
        await this.client.query(
          `SELECT setval($1::regclass, c.value) FROM ${this.s}.ok_counters c WHERE c.prefix = $2 AND c.value > 0`,
          [sequence, prefix],
        );
        this.createdHere.add(sequence);
      } else if (!this.createdHere.has(sequence)) {
        // Only a sequence committed by someone is remembered: one this transaction made goes if it rolls back.
        this.sequences.add(sequence);
      }
    }
    return intColumn(await this.one('SELECT nextval($1::regclass) AS value', [sequence]), 'value');
  }

  async getAnswer(user: string, key: string): Promise<StoredAnswer | undefined> {
    const row = await this.one(
      `SELECT fingerprint, status, headers, body FROM ${this.s}.ok_idempotency WHERE "user" = $1 AND key = $2`,
      [user, key],
    );
    if (row === undefined) return undefined;
    return {
      fingerprint: textColumn(row, 'fingerprint'),
      status: intColumn(row, 'status'),
      headers: headersOf(jsonColumn(row, 'headers')),
      body: jsonColumn(row, 'body'),
    };
  }

  async putAnswer(user: string, key: string, answer: StoredAnswer): Promise<void> {
    // No ON CONFLICT: when another app server committed this key first, the unique violation rolls this attempt
    // back and the store runs it again, which then replays the first answer.
    await this.client.query(
      `INSERT INTO ${this.s}.ok_idempotency ("user", key, fingerprint, status, headers, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        user,
        key,
        answer.fingerprint,
        answer.status,
        JSON.stringify(answer.headers),
        JSON.stringify(answer.body),
        this.clock(),
      ],
    );
  }

  async resolveTempId(user: string, tempId: string): Promise<string | undefined> {
    const row = await this.one(
      `SELECT server_id FROM ${this.s}.ok_temp_ids WHERE "user" = $1 AND temp_id = $2`,
      [user, tempId],
    );
    return row === undefined ? undefined : textColumn(row, 'server_id');
  }

  async rememberTempId(user: string, tempId: string, collection: string, serverId: string): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.s}.ok_temp_ids ("user", temp_id, collection, server_id) VALUES ($1, $2, $3, $4)`,
      [user, tempId, collection, serverId],
    );
  }

  async reserveId(prefix: string, used: number): Promise<void> {
    if (used < 1) return;
    // nextId makes the sequence when it is missing; the value it took is a gap, as a rolled-back create leaves.
    await this.nextId(prefix);
    const sequence = idSequence(this.s, prefix);
    await this.client.query(
      `SELECT setval($1::regclass, GREATEST($2::bigint, (SELECT last_value FROM ${sequence})))`,
      [sequence, used],
    );
  }

  async putBlob(collection: string, id: string, blob: StoredBlob): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.s}.ok_blobs (collection, id, content_type, bytes) VALUES ($1, $2, $3, $4)`,
      [collection, id, blob.contentType, blob.bytes],
    );
  }

  async deleteBlob(collection: string, id: string): Promise<void> {
    await this.client.query(`DELETE FROM ${this.s}.ok_blobs WHERE collection = $1 AND id = $2`, [
      collection,
      id,
    ]);
  }

  async getBlob(collection: string, id: string): Promise<StoredBlob | undefined> {
    const row = await this.one(
      `SELECT content_type, bytes FROM ${this.s}.ok_blobs WHERE collection = $1 AND id = $2`,
      [collection, id],
    );
    if (row === undefined) return undefined;
    return { contentType: textColumn(row, 'content_type'), bytes: blobColumn(row, 'bytes') };
  }

  /**
   * Every row goes; the floor is this transaction's id. A cursor names the transactions it has seen all of (those
   * below its xid): at or below the floor it may hold records that no longer exist. A reader whose snapshot is held
   * back by an older running transaction may get a cursor at or below the floor after the clear too: it is told to
   * pull from the start once more, which is safe, only slower.
   */
  async clearAll(): Promise<void> {
    await this.client.query(
      `DELETE FROM ${this.s}.ok_records; DELETE FROM ${this.s}.ok_access; DELETE FROM ${this.s}.ok_idempotency;
       DELETE FROM ${this.s}.ok_temp_ids; DELETE FROM ${this.s}.ok_blobs;
       INSERT INTO ${this.s}.ok_cursor_floor (singleton, xid) VALUES (true, pg_current_xact_id())
       ON CONFLICT (singleton) DO UPDATE SET xid = excluded.xid`,
    );
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    savepoints += 1;
    const name = `ok_sp_${savepoints}`;
    await this.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  private async watermark(): Promise<{ xmin: bigint; xmax: bigint }> {
    const row = await this.one(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax',
    );
    return { xmin: BigInt(textColumn(row, 'xmin')), xmax: BigInt(textColumn(row, 'xmax')) };
  }

  async checkCursor(cursor: string): Promise<CursorCheck> {
    const match = CURSOR.exec(cursor);
    if (!match?.[1] || !match[2]) return 'invalid';
    if (BigInt(match[1]) > (await this.watermark()).xmax) return 'invalid';
    const floor = await this.one(`SELECT xid::text AS xid FROM ${this.s}.ok_cursor_floor`);
    return floor !== undefined && BigInt(match[1]) <= BigInt(textColumn(floor, 'xid')) ? 'expired' : 'ok';
  }

  async list(query: ListQuery): Promise<ListPage> {
    const { xmin } = await this.watermark();
    const scoped = query.user !== null;
    const since = query.since === null ? null : CURSOR.exec(query.since);
    const params: unknown[] = [query.collection, xmin.toString()];
    const p = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    // Only rows of transactions that ended before this snapshot's oldest running one: nothing can appear below.
    const clauses = ['r.collection = $1', 'r.xid < $2::xid8'];
    if (since) clauses.push(`(r.xid, r.seq) > (${p(since[1])}::xid8, ${p(since[2])}::bigint)`);
    else clauses.push(scoped ? 'NOT r.deleted AND NOT a.revoked' : 'NOT r.deleted');
    for (const [field, value] of query.filters) {
      const values = [JSON.stringify(value)];
      if (isJsonLiteral(value)) values.push(value);
      const match = `(r.data -> ${p(field)}::text) = ANY (${p(values)}::jsonb[])`;
      // Filters narrow records, never tombstones: a client must still learn that a filtered record went away.
      clauses.push(since ? `(r.deleted ${scoped ? 'OR a.revoked ' : ''}OR ${match})` : match);
    }
    const join = scoped
      ? `JOIN ${this.s}.ok_access a ON a.collection = r.collection AND a.id = r.id AND a."user" = ${p(query.user)} `
      : '';
    const sql =
      `SELECT ${COLUMNS}, ${scoped ? 'a.revoked' : 'false AS revoked'} FROM ${this.s}.ok_records r ${join}` +
      `WHERE ${clauses.join(' AND ')} ORDER BY r.xid, r.seq LIMIT ${p(query.limit + 1)}`;
    const rows = await this.rows(sql, params);
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    let cursor = `c_${xmin}_0`;
    if (hasMore && last !== undefined) cursor = `c_${textColumn(last, 'xid')}_${intColumn(last, 'seq')}`;
    else if (since?.[1] && since[2] && BigInt(since[1]) > xmin) cursor = query.since ?? cursor;
    return {
      rows: page.map((row) => {
        const record = toRecord(row);
        return { record, live: !record.deleted && !boolColumn(row, 'revoked') };
      }),
      cursor,
      hasMore,
    };
  }

  async all(collection: string): Promise<StoredRecord[]> {
    const rows = await this.rows(
      `SELECT ${COLUMNS} FROM ${this.s}.ok_records r WHERE r.collection = $1 ORDER BY length(r.id), r.id`,
      [collection],
    );
    return rows.map(toRecord);
  }
}
