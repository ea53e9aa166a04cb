import type { JsonObject } from '../json.js';

/** A record as stored: the protocol's fields, where it sits in the change order, and the application's fields. */
export interface StoredRecord {
  collection: string;
  id: string;
  version: number;
  deleted: boolean;
  updatedAt: string;
  /** The parent record's id for child collections, so cascades and access follow the parent. */
  parentId: string | null;
  /** The application's fields (never id, version, updatedAt). */
  data: JsonObject;
}

/** A first answer, kept under (user, Idempotency-Key) in the transaction of the change it answers. */
export interface StoredAnswer {
  /** Hash of the request (method, path, body after temporary ids are rewritten): a different request is a 422. */
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ListQuery {
  collection: string;
  /** The reader, for collections with per-record readers; null for collections everyone reads. */
  user: string | null;
  /** An opaque cursor from an earlier page (already checked by `parseCursor`); null lists live records only. */
  since: string | null;
  limit: number;
  /** Equality filters on top-level fields: each value matches the JSON string or the JSON literal it spells. */
  filters: [field: string, value: string][];
}

export interface ListRow {
  record: StoredRecord;
  /** False when the reader must treat the record as deleted: a tombstone, or the reader lost access. */
  live: boolean;
}

export interface ListPage {
  rows: ListRow[];
  /** Where the next pull starts: after the last row when the page is full, else after everything this read saw. */
  cursor: string;
  hasMore: boolean;
}

/** What `checkCursor` makes of a `since` value: `expired` when it was issued before a `clear()`. */
export type CursorCheck = 'ok' | 'invalid' | 'expired';

/**
 * One transaction. Every call sees what the transaction wrote so far. `update` is conditional: it writes only when the
 * stored version is still `expected` and answers null otherwise (another transaction changed the record meanwhile).
 */
export interface StoreTx {
  get(collection: string, id: string): Promise<StoredRecord | undefined>;
  insert(collection: string, id: string, data: JsonObject, parentId: string | null): Promise<StoredRecord>;
  update(current: StoredRecord, data: JsonObject, deleted: boolean): Promise<StoredRecord | null>;
  /** Moves a record to the end of the change order without changing it, so delta pulls report it again. */
  touch(collection: string, id: string): Promise<void>;
  liveChildren(parentCollection: string, parentId: string): Promise<StoredRecord[]>;
  /** Users with a live (not revoked) access row for the record. */
  readers(collection: string, id: string): Promise<string[]>;
  canRead(collection: string, id: string, user: string): Promise<boolean>;
  /** Makes exactly `users` the readers; others keep a revoked row, so their next pull reports the record deleted. */
  setReaders(collection: string, id: string, users: readonly string[]): Promise<boolean>;
  nextId(prefix: string): Promise<number>;
  getAnswer(user: string, key: string): Promise<StoredAnswer | undefined>;
  putAnswer(user: string, key: string, answer: StoredAnswer): Promise<void>;
  resolveTempId(user: string, tempId: string): Promise<string | undefined>;
  rememberTempId(user: string, tempId: string, collection: string, serverId: string): Promise<void>;
  /** Makes every later `nextId(prefix)` larger than `used` (a record created with a fixed id, such as a seed's). */
  reserveId(prefix: string, used: number): Promise<void>;
  /** The bytes of a binary collection's record, written in the transaction that creates the record. */
  putBlob(collection: string, id: string, blob: StoredBlob): Promise<void>;
  deleteBlob(collection: string, id: string): Promise<void>;
  /** Runs `fn` in a savepoint: if it throws, what it wrote is undone and the error goes on. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** Read-only work: one consistent snapshot for a page and the cursor after it. */
export interface StoreReader {
  get(collection: string, id: string): Promise<StoredRecord | undefined>;
  canRead(collection: string, id: string, user: string): Promise<boolean>;
  list(query: ListQuery): Promise<ListPage>;
  checkCursor(cursor: string): Promise<CursorCheck>;
  /** Every record of a collection, tombstones included (tests, admin views). */
  all(collection: string): Promise<StoredRecord[]>;
  getBlob(collection: string, id: string): Promise<StoredBlob | undefined>;
}

/** Bytes uploaded to a binary collection, with the media type they came with. */
export interface StoredBlob {
  contentType: string;
  bytes: Buffer;
}

/** A storage adapter: SQLite (`@offline-kit/server/sqlite`) and PostgreSQL (`@offline-kit/server/postgres`). */
export interface SyncStore {
  /**
   * Runs `fn` in one read-write transaction and commits. An adapter may run `fn` again from the start when the
   * database reports a race it lost (a concurrent insert of the same idempotency key, a serialization failure), so
   * `fn` must do nothing but database work through `tx`.
   */
  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  /** Drops idempotency answers older than `before` (PROTOCOL.md promises at least 24 hours). */
  pruneAnswers(before: Date): Promise<void>;
  /**
   * Forgets every record, tombstone, reader, idempotency answer, temporary id and blob (a demo or test going back to
   * its seed). Id counters keep counting, so a new record never takes the id of one a client may still hold, and
   * every cursor issued before answers `410 cursor_expired`: the client pulls again from the start.
   */
  clear(): Promise<void>;
  close(): Promise<void>;
}
