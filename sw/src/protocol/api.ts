/**
 * The one API of a running Offline Kit, as the service worker offers it to pages (over comlink, see `client/`) and to
 * the devtools panel (over the devtools bridge, see `devtools-protocol.ts`). Both call the same implementation.
 * Everything crossing it is structured-clonable plain data.
 */
import type { JsonRecord } from './config.js';
import type { WriteMethod } from './wire.js';

/**
 * A record's version as the API gives it: an integer in our protocol; for a REST API an ETag (`"abc"`) or the value
 * of its version field (`updatedAt`, `_rev`); 0 when the API has none.
 */
export type Version = number | string;

export type WriteState = 'pending' | 'sending' | 'conflict' | 'failed';

/** A typed error that crossed a boundary as data. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  /** HTTP status when the error came from the server. */
  status?: number;
  details?: unknown;
}

export type ErrorCode =
  | 'invalid_config'
  | 'invalid_message'
  | 'not_found'
  | 'body_too_large'
  | 'quota_exceeded'
  | 'storage_failed'
  | 'network'
  | 'timeout'
  | 'server_error'
  | 'bad_response'
  | 'unauthorized'
  | 'forbidden'
  | 'rejected'
  | 'conflict'
  | 'invalid_state'
  | 'devtools_disabled'
  /** The partition is encrypted with the app's key and the page has not handed it over (or handed a wrong one). */
  | 'locked'
  /**
   * Page client only: no service worker took over or answered within `connect()`'s `timeoutMs`, or registering it
   * failed (`details.reason`: the browser's words, when it gave any). The worker's own error is in its console.
   */
  | 'worker_unavailable'
  /**
   * `GET {apiBase}/_sync` announced a protocol version this module does not speak (PROTOCOL.md §1): nothing is sent,
   * the queue is kept and waits (`SyncStatus.pausedReason`), until the server or the app is updated.
   */
  | 'server_incompatible'
  /** A collection's `migrateWrite` threw for a queued write: the write stays `failed` with the reason. */
  | 'migration_failed'
  | 'internal';

/** A queued write as lists show it (the body is summarised; `getWrite` returns it whole). */
export interface QueuedWriteView {
  /** Also the `Idempotency-Key`. */
  id: string;
  /** Position in the queue: writes are replayed in ascending `seq`. */
  seq: number;
  collection: string;
  /** The record's id; a `tmp_…` id until the server assigned one. */
  recordId: string;
  method: WriteMethod;
  url: string;
  state: WriteState;
  /** Version of the record the user edited (`If-Match`), null for creates. */
  baseVersion: Version | null;
  createdAt: number;
  attempts: number;
  /** Epoch ms of the next automatic attempt, null when none is scheduled. */
  nextAttemptAt: number | null;
  lastError: ErrorInfo | null;
  /** The last HTTP status seen for this write, if any. */
  lastStatus: number | null;
  contentType: string | null;
  bodySize: number;
  /** For JSON bodies: the parsed body. For others: null (see `bodySize`, `contentType`). */
  json: unknown;
  /** The sync unit(s) the write's collection belongs to. */
  units: string[];
  /** The collection's `schemaVersion` the write was captured (or last migrated) under. */
  schemaVersion: number;
}

export interface ConflictView {
  writeId: string;
  collection: string;
  recordId: string;
  method: WriteMethod;
  base: JsonRecord | null;
  local: JsonRecord | null;
  server: JsonRecord | null;
  /** The server deleted the record meanwhile. */
  serverDeleted: boolean;
  /**
   * The fields that need a person: changed here and on the server to different values (with the base known), or
   * every field whose values differ between local and server (without it).
   */
  fields: string[];
  /**
   * The record merged field by field — the user's changes on top of the server's copy, the server's value where both
   * changed a field — or null when there is nothing to merge on (no base, no server copy).
   */
  merged: JsonRecord | null;
  /** Later queued writes of the same record that `local` includes: one resolution settles them all. */
  covers: string[];
  detectedAt: number;
}

/**
 * `local`: the user's changes on top of the server's copy (fields the user did not touch keep the server's values);
 * `server`: the server's copy, the user's changes dropped; `merged`: a whole record (the application's fields) to
 * write on top of the server's version.
 */
export type Resolution =
  { choice: 'local' } | { choice: 'server' } | { choice: 'merged'; record: JsonRecord };

export interface UnitStatus {
  name: string;
  collections: string[];
  /** Epoch ms of the last successful sync of this unit, null if never. */
  lastSyncAt: number | null;
  lastOutcome: SyncOutcome | null;
}

export interface SyncProgress {
  runId: string;
  unit: string;
  phase: 'push' | 'pull';
  /**
   * Push: writes settled so far. Pull: records and tombstones stored so far in this run, growing page by page.
   */
  done: number;
  /**
   * Push: the writes queued when the run began. Pull: the protocol announces no count, so `null` while the server has
   * more pages, and equal to `done` once a collection's last page is stored — never a guess that could overshoot. Show
   * `done` (and the collection) while it is null.
   */
  total: number | null;
  collection?: string;
}

export interface SyncStatus {
  /** Connectivity as the service worker sees it (simulated offline counts as offline). */
  online: boolean;
  simulatedOffline: boolean;
  /** The server answered the last attempt; false after network errors while `online` is true. */
  serverReachable: boolean;
  /**
   * The queue waits: for credentials after a 401 (`pausedReason.code` `unauthorized`), or for an update after the
   * server announced a protocol this module does not speak (`server_incompatible`).
   */
  paused: boolean;
  pausedReason: ErrorInfo | null;
  pending: number;
  failed: number;
  conflicts: number;
  syncing: SyncProgress | null;
  units: UnitStatus[];
  /** Epoch ms of the last successful sync of any unit. */
  lastSyncAt: number | null;
  /** The signed-in user the local data belongs to, null if none. */
  user: string | null;
  devtools: boolean;
  storage: { usage: number; quota: number } | null;
  protocol: { version: number; batch: boolean } | null;
}

export type SyncOutcome = 'completed' | 'failed' | 'partial' | 'skipped';

export type SyncTrigger =
  'manual' | 'online' | 'background-sync' | 'retry' | 'start' | 'resume' | 'login' | 'interval' | 'write';

export interface SyncRunSummary {
  runId: string;
  unit: string;
  trigger: SyncTrigger;
  startedAt: number;
  durationMs: number;
  outcome: SyncOutcome;
  pushed: number;
  pulled: number;
  conflicts: number;
  failed: number;
  error: ErrorInfo | null;
}

export type WriteEventKind =
  | 'queued'
  | 'sent'
  | 'acknowledged'
  | 'conflict'
  | 'failed'
  | 'discarded'
  | 'resolved'
  | 'edited'
  | 'retried'
  /** Brought to the collection's new `schemaVersion` by `migrateWrite` (`error.details`: from and to). */
  | 'migrated'
  /** `migrateWrite` returned null: the write left the queue unsent (`error.details`: from and to). */
  | 'dropped';

export type HistoryEntry =
  | ({ kind: 'run'; id: number; at: number } & SyncRunSummary)
  | {
      kind: 'write';
      id: number;
      at: number;
      event: WriteEventKind;
      writeId: string;
      collection: string;
      recordId: string;
      method: WriteMethod;
      status: number | null;
      /** `migrated` and `dropped` entries (and a `failed` one a migration caused): the `schemaVersion` step. */
      schema?: { from: number; to: number };
      /**
       * What went wrong; on an `acknowledged` entry, a warning: the write was delivered (a `2xx`) but the answer could
       * not be read as the record (`bad_response`, with the status and what was wrong).
       */
      error: ErrorInfo | null;
    };

export interface HistoryExport {
  format: 'offline-kit-history';
  version: 1;
  exportedAt: number;
  origin: string;
  entries: HistoryEntry[];
}

/** A local record with its sync metadata (the seed's "is from server / is modified / is active" flags). */
export interface LocalRecordView {
  collection: string;
  id: string;
  data: JsonRecord | null;
  /** Server version the local copy is based on; null for a record created offline. */
  version: Version | null;
  fromServer: boolean;
  /** Has queued writes not yet acknowledged. */
  pending: boolean;
  /** Deleted locally (queued delete) or tombstoned. */
  deleted: boolean;
  conflict: boolean;
  syncedAt: number | null;
}

export interface CollectionInfo {
  name: string;
  policy: string;
  count: number;
  pending: number;
  lastSyncAt: number | null;
  cursor: string | null;
  /** The guarantees the collection runs at, from how its API is spoken (README: "Your own REST API"). */
  wire?: WireLevel;
  /** The `schemaVersion` the local records are stored under. */
  schemaVersion: number;
  /** The local records were dropped by a `'repull'` migration and are being pulled again: local reads are partial. */
  resyncing: boolean;
}

/**
 * What a collection's API gives, level by level: `api` is our protocol, a REST API, or not known yet (before the
 * first sync asked `GET {apiBase}/_sync`); each flag a guarantee on top of offline reads and ordered replay.
 */
export interface WireLevel {
  api: 'offline-kit' | 'rest' | 'unknown';
  /** Stale writes are detected (versions sent as `If-Match`, answered 409 or 412). */
  conflicts: boolean;
  /** The API honours `Idempotency-Key`: a write replayed after a lost answer is applied once. */
  exactlyOnce: boolean;
  /** Pulls fetch only what changed. */
  delta: boolean;
  /** Writes go in batches, temporary ids mapped in one request. */
  batch: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface QueueQuery {
  collection?: string;
  state?: WriteState;
  offset?: number;
  limit?: number;
  /**
   * Default `true`. `false` lists from the queue rows' metadata only: no body is read, decrypted or parsed, and every
   * item's `json` is `null`. For long lists (the devtools panel); `getWrite(id)` then gives one write's body.
   */
  bodies?: boolean;
}

export interface RecordQuery {
  collection: string;
  search?: string;
  offset?: number;
  limit?: number;
}

/**
 * Every operation of a running Offline Kit. Methods reject with an `OfflineKitError` (code + message) on failure.
 */
export interface OfflineKitApi {
  getStatus(): Promise<SyncStatus>;
  /** Start a sync of one unit (default `all`) and resolve when it ends. `discardPending` drops syncs waiting their turn. */
  syncNow(options?: { unit?: string; discardPending?: boolean }): Promise<SyncRunSummary>;

  listQueue(query?: QueueQuery): Promise<Page<QueuedWriteView>>;
  /** The write with its whole body: text for text types, bytes otherwise. */
  getWrite(id: string): Promise<{ write: QueuedWriteView; body: string | ArrayBuffer | null } | null>;
  /** Send now (a failed write goes back to pending first). */
  retryWrite(id: string): Promise<void>;
  /** Replace a queued write's body (JSON) before it is sent; a failed write goes back to pending. */
  editWrite(id: string, body: unknown): Promise<void>;
  /** Drop a write on a person's say. Its optimistic local change is rolled back. */
  discardWrite(id: string): Promise<void>;

  listConflicts(): Promise<ConflictView[]>;
  resolveConflict(writeId: string, resolution: Resolution): Promise<void>;

  listCollections(): Promise<CollectionInfo[]>;
  listRecords(query: RecordQuery): Promise<Page<LocalRecordView>>;

  getHistory(options?: { limit?: number; beforeId?: number }): Promise<HistoryEntry[]>;
  exportHistory(): Promise<HistoryExport>;

  /** Behave exactly as if the network were down (demos, tests, the devtools panel). */
  setSimulatedOffline(offline: boolean): Promise<void>;
  /**
   * Hand the service worker the headers to use at replay (kept in memory only, never stored) and the signed-in user
   * whose partition of local data is used. A new user triggers the `login` sync when configured. With
   * `encryptAtRest: { key: 'app' }`, `encryptionKey` (a non-extractable AES-GCM CryptoKey, kept in the worker's memory
   * only) unlocks the partition; a key that does not open it rejects with `locked` (`details.wrongKey`).
   * `null` signs out: credentials and key are forgotten.
   */
  setCredentials(credentials: Credentials | null): Promise<void>;
  /**
   * Wipe local data of the current user. `unsynced` says what happens to writes not yet acknowledged:
   * `refuse` (default) rejects with `invalid_state` when some remain; `discard` drops them.
   */
  clearLocalData(options?: { unsynced?: 'refuse' | 'discard' }): Promise<void>;
}

/**
 * WebCrypto's `CryptoKey`, named by its shape: servers import the protocol floor without the DOM library, where no
 * `CryptoKey` is declared (TypeScript 5 pulled the DOM library in through an unrelated package; TypeScript 7 does
 * not). A page passes a real `CryptoKey`; the worker checks that it is one before using it.
 */
export interface EncryptionKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

/** What a page hands the service worker at sign-in (and on every connect: the worker keeps it in memory only). */
export interface Credentials {
  headers: Record<string, string>;
  user: string;
  /** With `encryptAtRest: { key: 'app' }`: a non-extractable AES-GCM `CryptoKey`, the key the partition is sealed with. */
  encryptionKey?: EncryptionKey;
}

export type OfflineKitMethod = keyof OfflineKitApi;

/** Every method of `OfflineKitApi`, once: the page client and the devtools bridge build their tables from it. */
export const OFFLINE_KIT_METHODS = [
  'getStatus',
  'syncNow',
  'listQueue',
  'getWrite',
  'retryWrite',
  'editWrite',
  'discardWrite',
  'listConflicts',
  'resolveConflict',
  'listCollections',
  'listRecords',
  'getHistory',
  'exportHistory',
  'setSimulatedOffline',
  'setCredentials',
  'clearLocalData',
] as const satisfies readonly OfflineKitMethod[];

// Fails to compile when a method is added to OfflineKitApi but not to the list above.
const _everyMethodListed: Exclude<OfflineKitMethod, (typeof OFFLINE_KIT_METHODS)[number]> extends never
  ? true
  : never = true;

/** Events every open page (BroadcastChannel `offline-kit`) and the devtools panel receive. */
export type OfflineKitEvent =
  | { type: 'status'; status: SyncStatus }
  | { type: 'sync-started'; runId: string; unit: string; trigger: SyncTrigger }
  | { type: 'sync-progress'; progress: SyncProgress }
  | { type: 'sync-completed'; summary: SyncRunSummary }
  | { type: 'sync-failed'; summary: SyncRunSummary }
  | { type: 'write-queued'; write: QueuedWriteView }
  | { type: 'write-sent'; write: QueuedWriteView }
  | { type: 'write-acknowledged'; write: QueuedWriteView; record: JsonRecord | null }
  | { type: 'write-failed'; write: QueuedWriteView }
  | { type: 'write-conflicted'; conflict: ConflictView }
  | { type: 'write-discarded'; writeId: string }
  | { type: 'conflict-resolved'; writeId: string; resolution: Resolution['choice'] }
  | { type: 'credentials-needed'; reason: ErrorInfo }
  | { type: 'data-changed'; collection: string; ids: string[] }
  | { type: 'error'; error: ErrorInfo };

export type OfflineKitEventType = OfflineKitEvent['type'];

/** Name of the BroadcastChannel on which the service worker publishes `OfflineKitEvent`s. */
export const EVENTS_CHANNEL = 'offline-kit';

/** The field on records the module answers with (from the network with queued changes overlaid, or from the local copy). */
export const SYNC_FIELD = '_sync';

/** What `record._sync` holds. The module strips the field from bodies pages send back. */
export interface RecordSyncMeta {
  /** `synced`: as the server has it; `pending`: queued changes; `conflict`/`failed`: a queued change waits for a person; `local`: created here, never synced. */
  state: 'synced' | 'pending' | 'conflict' | 'failed' | 'local';
  pending: boolean;
  /** The server version the local copy is based on (null for records created offline). */
  version: Version | null;
  /** Epoch ms the server's copy was last stored here. */
  syncedAt: number | null;
  /** The last queued write of the record, when there is one. */
  writeId?: string;
}
