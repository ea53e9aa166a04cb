import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { intColumn } from './rows.js';

export type Db = Database.Database;

export type StorageOption = { kind: 'memory' } | { kind: 'sqlite'; file: string };

const SCHEMA_VERSION = 1;

/**
 * One table per kind of state. `records` holds live records and tombstones alike (deleted = 1), each with the global
 * change sequence number of its last change: a delta pull is a range scan of (collection, seq). `access` lists who
 * may read each scoped record; a revoked row stays so that user's next delta pull reports the record as deleted.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
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
CREATE UNIQUE INDEX IF NOT EXISTS records_by_seq ON records (collection, seq);
CREATE INDEX IF NOT EXISTS records_by_parent ON records (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS access (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  user TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, id, user)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
  user TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS temp_ids (
  user TEXT NOT NULL,
  temp_id TEXT NOT NULL,
  collection TEXT NOT NULL,
  server_id TEXT NOT NULL,
  PRIMARY KEY (user, temp_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, content_type TEXT NOT NULL, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  token TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  expired INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user);
`;

export function openDb(storage: StorageOption): Db {
  let db: Db;
  if (storage.kind === 'memory') {
    db = new Database(':memory:');
  } else {
    mkdirSync(dirname(storage.file), { recursive: true });
    db = new Database(storage.file);
    // WAL: readers never wait for the writer, and a commit is one sequential append.
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL still survives a process crash (only an OS crash may lose the last commits).
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get();
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
  } else {
    const version = intColumn(row, 'value');
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new Error(
        `the data file was written by schema version ${version}, this server knows ${SCHEMA_VERSION}`,
      );
    }
  }
  return db;
}
