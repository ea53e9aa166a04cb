/**
 * The IndexedDB schema of one user's partition, described once as a type so every store, key and index is typed.
 * Bump `SCHEMA_VERSION` and add a step to `upgrade` whenever a store, index or stored shape changes; rows written by an
 * older version are still narrowed by guards when read.
 */
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ErrorInfo, HistoryEntry, Version, WriteState } from '../../protocol/api.js';
import type { WriteMethod } from '../../protocol/wire.js';
import { track, untrack } from './changes.js';

export const SCHEMA_VERSION = 3;

/** Ciphertext of a value when encryption at rest is on. */
export interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

export interface StoredWrite {
  /** Also the Idempotency-Key. */
  id: string;
  seq: number;
  collection: string;
  recordId: string;
  method: WriteMethod;
  /** Same-origin path and query, e.g. `/api/work-orders/wo_1`. */
  url: string;
  /** Request headers to replay: only those on the allow-list (`replayHeaders`), never credentials. */
  headers: [string, string][];
  /** ArrayBuffer, Sealed when encrypted, or null. */
  body: ArrayBuffer | Sealed | null;
  contentType: string | null;
  bodySize: number;
  baseVersion: Version | null;
  /** The record as the user saw it when editing (JSON, Sealed when encrypted), for three-way merges. */
  baseRecord: unknown;
  /** Temporary ids of other records this write refers to (URL or fields): it is sent after they are created. */
  refs: string[];
  /** For creates: the temporary id the page was given. */
  tempId: string | null;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: ErrorInfo | null;
  lastStatus: number | null;
  state: WriteState;
  conflict: { server: unknown; serverDeleted: boolean; detectedAt: number } | null;
  /** Bumped on every change, so a coalescing edit can tell the row it read is still the row it overwrites. */
  rev: number;
  /** The collection's `schemaVersion` the body was captured (or last migrated) under; absent in older rows: 1. */
  schemaVersion?: number;
}

/** What a sealed queue row keeps in ciphertext: everything of the write that is not an index key or a counter. */
export interface WriteSecrets {
  url: string;
  headers: [string, string][];
  lastError: ErrorInfo | null;
}

/**
 * A queue row as stored when encryption at rest is on: `url`, `headers` and `lastError` exist only inside `sealed`.
 * Collection, record id, referenced temporary ids and state stay readable because the indexes are built on them.
 * It deliberately fails `isStoredWrite`, so code that forgot to open it skips it instead of sending an empty URL.
 */
export type SealedWriteRow = Omit<StoredWrite, keyof WriteSecrets> & { sealed: Sealed };

/** A history entry as stored when encryption at rest is on: its `error` (message and details) sealed. */
export type SealedHistoryRow = HistoryEntry & { error: null; sealedError: Sealed };

export interface StoredRecord {
  collection: string;
  id: string;
  /** The record as the app sees it, pending writes applied (JsonRecord, Sealed when encrypted), null when deleted. */
  data: unknown;
  /** The last copy the server sent (JsonRecord or Sealed), null for records created offline. */
  server: unknown;
  version: Version | null;
  fromServer: boolean;
  deleted: boolean;
  syncedAt: number | null;
  /** Id of the pull that last saw this record, for replace-all sweeps. */
  pullMark: string | null;
  /**
   * The `schemaVersion` the record was stored under, written by a migration. Absent: the version the collection's
   * records were at when it was stored (`schema:<collection>` in the meta store; 1 before any was recorded).
   */
  schemaVersion?: number;
}

export interface OfflineKitDB extends DBSchema {
  queue: {
    key: string;
    value: StoredWrite | SealedWriteRow;
    indexes: {
      'by-seq': number;
      'by-record': [string, string];
      'by-collection': string;
      'by-state': string;
      'by-ref': string;
    };
  };
  records: { key: [string, string]; value: StoredRecord };
  meta: { key: string; value: unknown };
  history: { key: number; value: HistoryEntry | SealedHistoryRow };
  /** `aes-gcm`: the partition's own key (`encryptAtRest: true`); `app-key-check`: a value sealed with the app's key. */
  keys: { key: string; value: CryptoKey | Sealed };
}

export type Db = IDBPDatabase<OfflineKitDB>;

export async function openPartition(name: string): Promise<Db> {
  let opened: Db | null = null;
  opened = await openDB<OfflineKitDB>(name, SCHEMA_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      // Version 0 → 1: the first schema. Later versions add steps below, each guarded by `oldVersion < N`, and rows
      // of older shapes are still narrowed by `isStoredWrite` / `isStoredRecord` when read.
      if (oldVersion < 1) {
        const queue = db.createObjectStore('queue', { keyPath: 'id' });
        queue.createIndex('by-seq', 'seq', { unique: true });
        queue.createIndex('by-record', ['collection', 'recordId']);
        queue.createIndex('by-collection', 'collection');
        queue.createIndex('by-state', 'state');
        db.createObjectStore('records', { keyPath: ['collection', 'id'] });
        db.createObjectStore('meta');
        db.createObjectStore('history', { keyPath: 'id', autoIncrement: true });
        db.createObjectStore('keys');
      }
      // 1 → 2: writes are found by the temporary ids they name, so acknowledging a create does not rescan the queue.
      if (oldVersion < 2) {
        transaction.objectStore('queue').createIndex('by-ref', 'refs', { multiEntry: true });
      }
      // 2 → 3: with encryption at rest, queue rows keep URL, headers and last error sealed (`SealedWriteRow`) and
      // history entries their error (`SealedHistoryRow`). No store changes; the bump keeps an older worker, which would
      // misread such rows, from opening the partition at all (IndexedDB refuses a lower version).
      if (oldVersion < 3) {
        // Nothing to move: rows of version 2 are plain and stay readable; they are sealed when next rewritten.
      }
    },
    blocking() {
      // A newer service worker wants to upgrade the schema: step aside rather than block it forever. This worker is
      // being replaced; until the new one takes over (skipWaiting + clients.claim), its storage calls fail with a
      // typed `storage_failed` answer instead of hanging.
      if (opened) closePartition(opened);
    },
  });
  track(opened);
  return opened;
}

/**
 * Deletes a partition's database (its name too: on a shared device the next person sees no trace of whose it was).
 * Resolves when it is gone, or at once when another connection blocks it: the deletion then completes when that one
 * closes (ours step aside, `blocking` above), and a later open of the name waits for it.
 */
export function deletePartition(name: string): Promise<void> {
  return new Promise((resolve) => {
    deleteDB(name, { blocked: () => resolve() }).then(
      () => resolve(),
      () => resolve(),
    );
  });
}

/** Closes a partition's connection; its write stamps end with it. */
export function closePartition(db: Db): void {
  untrack(db);
  db.close();
}

/** Key range of every record of one collection in the `records` store. */
export function collectionRange(collection: string): IDBKeyRange {
  return IDBKeyRange.bound([collection], [collection, []]);
}

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const STATES = new Set(['pending', 'sending', 'conflict', 'failed']);

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * A queue row as read back from disk: written by this or an older version, or touched by other code on the origin.
 * Rows that do not fit are left in place and skipped (never sent, never silently deleted).
 */
export function isStoredWrite(value: unknown): value is StoredWrite {
  return hasWriteIndexFields(value) && typeof value.url === 'string' && Array.isArray(value.headers);
}

/** The part of a queue row that stays readable whether or not the rest is sealed: what the indexes and states need. */
function hasWriteIndexFields(value: unknown): value is Record<string, unknown> {
  return (
    isObj(value) &&
    typeof value.id === 'string' &&
    typeof value.seq === 'number' &&
    typeof value.collection === 'string' &&
    typeof value.recordId === 'string' &&
    typeof value.method === 'string' &&
    METHODS.has(value.method) &&
    typeof value.state === 'string' &&
    STATES.has(value.state) &&
    typeof value.attempts === 'number' &&
    Array.isArray(value.refs) &&
    typeof value.rev === 'number' &&
    (value.schemaVersion === undefined || isSchemaVersion(value.schemaVersion))
  );
}

/** A stored shape version: a positive safe integer. */
export function isSchemaVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** The shape version a queue row was captured under: rows from before versions were recorded count as 1. */
export function writeSchemaVersion(write: Pick<StoredWrite, 'schemaVersion'>): number {
  return write.schemaVersion ?? 1;
}

export function isSealed(value: unknown): value is Sealed {
  return isObj(value) && value.iv instanceof Uint8Array && value.data instanceof ArrayBuffer;
}

/** A sealed queue row: the readable part checked like `isStoredWrite`, the rest left to the codec. */
export function isSealedWriteRow(value: unknown): value is SealedWriteRow {
  return hasWriteIndexFields(value) && isSealed(value.sealed);
}

export function isStoredRecord(value: unknown): value is StoredRecord {
  return (
    isObj(value) &&
    typeof value.collection === 'string' &&
    typeof value.id === 'string' &&
    (value.version === null || typeof value.version === 'number' || typeof value.version === 'string') &&
    typeof value.fromServer === 'boolean' &&
    typeof value.deleted === 'boolean' &&
    (value.schemaVersion === undefined || isSchemaVersion(value.schemaVersion))
  );
}

/** The row of a record that exists only here so far (created offline, or edited before it was ever read). */
export function localRecordRow(collection: string, id: string): StoredRecord {
  return {
    collection,
    id,
    data: null,
    server: null,
    version: null,
    fromServer: false,
    deleted: false,
    syncedAt: null,
    pullMark: null,
  };
}
