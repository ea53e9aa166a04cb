/**
 * The configuration a developer passes to `init()` in their service worker.
 * Everything here is validated at start (see `validateConfig`); a wrong value throws
 * `OfflineKitError('invalid_config')` whose `details.key` names the offending key, e.g. `collections.notes.policy`.
 */

/** The sync patterns of the seed, one per collection. */
export type CollectionPolicy =
  /** Read-only, replace the whole local copy on each sync. Small data sets. */
  | 'read-only'
  /** Read-only, incremental: pull `?since=<server cursor>` pages with tombstones. */
  | 'read-only-delta'
  /** Read/write, writes sent without `If-Match`: the server applies the last write. */
  | 'read-write-lww'
  /** Read/write with conflict detection: writes carry `If-Match`; a 409 keeps base, local and server versions. */
  | 'read-write-conflict';

export type ReadStrategy = 'network-first' | 'cache-first' | 'stale-while-revalidate';

/** How a conflict (409) is settled. A function receives the three states and returns the merged record's fields. */
export type ConflictStrategy = 'manual' | 'server-wins' | 'client-wins' | MergeFunction;

export type JsonRecord = Record<string, unknown>;

export interface ConflictStates {
  /** The record as the user saw it when they edited it (null for a create). */
  base: JsonRecord | null;
  /** The user's version: base with the queued change applied. */
  local: JsonRecord | null;
  /** The server's current record (null when it was deleted). */
  server: JsonRecord | null;
}

/** Returns the fields to write on top of the server's version, or null to leave the conflict for a person. */
export type MergeFunction = (states: ConflictStates) => JsonRecord | null | Promise<JsonRecord | null>;

export interface ParentRelation {
  /** The field of the child record that holds the parent's id, e.g. `workOrderId`. */
  field: string;
  /** The parent's collection name, e.g. `work-orders`. */
  collection: string;
}

/**
 * How an API is spoken on the wire: where a list answer keeps its records, which field is the id, where a record's
 * version comes from, how a stale write is answered, how lists are paged and pulled by delta. Set once for the whole
 * API (`OfflineKitConfig.wire`) and per collection where one differs (merged key by key over the API's).
 */
export interface WireConfig {
  /**
   * `detect` (default): our sync protocol when `GET {apiBase}/_sync` answers its discovery document, plain REST
   * otherwise. `offline-kit`: always our protocol. `rest`: a REST API that knows nothing of us (discovery never asked).
   */
  kind?: 'detect' | 'offline-kit' | 'rest';
  /**
   * Where a list answer holds its records: `array` (the body is the array), `{ field }` (an envelope such as
   * `{ data: [...] }`), or a function returning the array (null: not a list). Default: a bare array, else the first
   * array among the fields `records`, `data`, `items`, `results`.
   */
  list?: ListLocation;
  /** The field holding a record's id. Default `id`. Numeric ids stay numbers in every answer the app gets. */
  idField?: string;
  /**
   * Where a record's version comes from, sent back as `If-Match` on writes of `read-write-conflict` collections:
   * `none` (the API has none), `etag` (the `ETag` header of item answers), `{ field }` (a field such as `version`,
   * `updatedAt`, `_rev`). Default `{ field: 'version' }` for our protocol, `none` for REST.
   */
  version?: 'none' | 'etag' | { field: string };
  /** Statuses that mean "the version you wrote on is stale". Default `[409, 412]`. */
  stale?: number[];
  /**
   * Where the server's copy is when a write is stale: `body` (the answer's body is the record, or holds it as
   * `current`; read with a GET when it does not) or `refetch` (always a GET). Default `body`.
   */
  conflictCopy?: 'body' | 'refetch';
  /** The API applies a write once per `Idempotency-Key` (exactly-once). Default true for our protocol, false for REST. */
  idempotency?: boolean;
  /** How a pull walks a long list. Default `none` (one request answers the whole list); our protocol pages itself. */
  paging?: PagingConfig;
  /**
   * Incremental pulls: `?{param}=<the highest value of {field} stored>`, for APIs that filter by modification time.
   * Default `none`: each pull reads the whole list (and drops records the API no longer lists). Our protocol's own
   * `since` cursors are used with `read-only-delta` whatever this says.
   */
  delta?: 'none' | { param: string; field: string };
  /** Add the `_sync` field to records the module answers with. Default true (headers say what is pending either way). */
  syncMeta?: boolean;
}

export type ListLocation = 'array' | { field: string } | ((body: unknown) => unknown[] | null);

export type PagingConfig =
  | 'none'
  /** `?{limit}=N&{offset}=K`, e.g. `{ limit: '_limit', offset: '_start' }` (json-server) or `limit`/`offset`. */
  | { kind: 'offset'; limit: string; offset: string }
  /** `?{page}=P&{size}=N`, pages counted from 1. */
  | { kind: 'page'; page: string; size: string }
  /** `?{param}=<the cursor>`, the next cursor in the answer's field `next` (null or absent on the last page). */
  | { kind: 'cursor'; param: string; next: string }
  /** RFC 8288 `Link: <…>; rel="next"` headers (GitHub-style APIs). */
  | { kind: 'link' };

export interface CollectionConfig {
  policy: CollectionPolicy;
  /** How this collection is spoken on the wire, over the API's `wire`. */
  wire?: WireConfig;
  /** Default `network-first`. */
  read?: ReadStrategy;
  /** Network timeout for network-first reads, ms. Default 3000. */
  networkTimeoutMs?: number;
  /** Default `manual`. Only meaningful for `read-write-conflict`. */
  conflict?: ConflictStrategy;
  /** References to parent records, so temporary ids can be rewritten when the parent is created. */
  parents?: ParentRelation[];
  /** Refuse to push this collection while it has unresolved conflicts (the seed's pattern 4). Default false. */
  blockSyncOnConflict?: boolean;
  /** Keep responses marked `Cache-Control: no-store`. Default false. */
  storeNoStore?: boolean;
  /** Page size for pulls. Default 500. */
  pageSize?: number;
  /**
   * Fold a queued, never-sent edit into the next edit of the same record (PATCH+PATCH → one PATCH, PUT after
   * PATCH → PUT, DELETE after an edit → DELETE). Default false: each edit reaches the server as its own version.
   * Edits of a record created offline are always folded into its queued create.
   */
  coalesceEdits?: boolean;
  /**
   * The shape version of this collection's records and write bodies (a positive integer, default 1). Raise it in the
   * app update that changes the shape: every queued write and local record keeps the version it was made under, and
   * the new worker brings older ones up to date with `migrateWrite` and `migrateRecord` before anything is sent.
   */
  schemaVersion?: number;
  /**
   * A queued write made under an older `schemaVersion`, in the new shape: return it (only `body` is taken), `null` to
   * drop it (recorded in the history as `dropped`), or throw to keep it `failed` (`migration_failed`) for a person.
   * Called once per version step (`fromVersion` 1, then 2, …) before the write is sent. Required on a writable
   * collection whose `schemaVersion` is above 1.
   */
  migrateWrite?: (write: MigratableWrite, fromVersion: number) => MigratableWrite | null;
  /**
   * Local records stored under an older `schemaVersion`: a function returns a record in the new shape (applied in place
   * to the app's view and the server's copy, once per version step), or `'repull'` drops the collection's local
   * records and pulls them again (`CollectionInfo.resyncing` meanwhile). Default `'repull'`.
   */
  migrateRecord?: ((record: JsonRecord, fromVersion: number) => JsonRecord) | 'repull';
}

/** A queued write as `migrateWrite` sees it. */
export interface MigratableWrite {
  collection: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The record's id (`tmp_…` for a record created offline). */
  recordId: string;
  /** The JSON body, or null (a delete, or a body that is not JSON: kept as it is unless the write is dropped). */
  body: JsonRecord | null;
}

export interface SyncTriggers {
  /** Sync when connectivity comes back (Background Sync, and the page's `online` event). Default true. */
  onOnline?: boolean;
  /** Sync when a page becomes visible again. Default true. */
  onResume?: boolean;
  /** Sync when the page reports a sign-in (`client.setCredentials` with a new user). Default true. */
  afterLogin?: boolean;
  /** While at least one page is open, sync every this many ms. 0 = off. Default 0. */
  intervalMs?: number;
  /** Sync when the service worker starts and finds queued writes. Default true. */
  onStart?: boolean;
}

export interface RetryConfig {
  /** First delay after a transient failure, ms. Default 1000. */
  initialDelayMs?: number;
  /** Upper bound of the delay, ms. Default 60000. */
  maxDelayMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Random part of each delay, 0..1 (full jitter = 1). Default 0.5. */
  jitter?: number;
  /** After this many transient failures a write becomes `failed` (kept, visible). 0 = never. Default 0. */
  maxAttempts?: number;
}

/** Current credentials for replay. Never stored: asked for at each sync. */
export type CredentialsProvider = () =>
  Promise<Record<string, string> | null> | Record<string, string> | null;

export interface OfflineKitConfig {
  /** Same-origin path prefix of the REST API, e.g. `/api`. Required. */
  apiBase: string;
  /** How the API is spoken on the wire (list shapes, ids, versions, paging); a collection's own `wire` overrides. */
  wire?: WireConfig;
  /** The collections Offline Kit manages, by name (the path segment after `apiBase`). Required, at least one. */
  collections: Record<string, CollectionConfig>;
  /** Named groups of collections synced together, e.g. `{ login: ['work-orders', 'parts'] }`. `all` always exists. */
  syncUnits?: Record<string, string[]>;
  triggers?: SyncTriggers;
  retry?: RetryConfig;
  /**
   * Headers for replay (e.g. `{ Authorization: 'Bearer …' }`). If absent, or it returns null, the module uses what the
   * page handed over with `client.setCredentials()` (kept in memory only), and otherwise asks the pages for them.
   */
  credentials?: CredentialsProvider;
  /** Use the server's batch push when `GET {apiBase}/_sync` announces it. Default true. */
  batch?: boolean;
  /** Concurrent requests when writes go one by one (independent records only). Default 6. */
  concurrency?: number;
  /** Largest body queued, bytes. Larger writes are refused with 413 `body_too_large`. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Answer the devtools extension. Default: true on localhost / 127.0.0.1, false elsewhere. */
  devtools?: boolean;
  /** Sync history entries kept (oldest dropped first). Default 2000. */
  historyLimit?: number;
  /**
   * Encrypt everything stored that holds user data (queued bodies, URLs, headers and errors, local records, history
   * details) with AES-GCM. Default false.
   * - `true`: the key is generated (non-extractable) and kept in the partition. Protects copies of the raw files, not
   *   against code running on the origin.
   * - `{ key: 'app' }`: the page hands the key over with `setCredentials({ headers, user, encryptionKey })` (derive it
   *   from a secret the app gets at sign-in); the worker keeps it in memory only. Until then the partition is locked:
   *   reads go to the network without being stored, writes that would be queued are refused `503 locked`, replay waits.
   */
  encryptAtRest?: boolean | { key: 'app' };
  /**
   * Request headers (lowercase names) kept with a queued write and sent again at replay, on top of the default list:
   * content-type, accept, accept-language, content-language, if-unmodified-since. Any other header the page sent
   * (`X-Api-Key`, `X-CSRF-Token`, …) is dropped when the write is queued. Credentials never: authorization, cookie
   * and proxy-authorization are refused here; they come from `credentials` / `setCredentials` at each replay.
   */
  replayHeaders?: string[];
  /** IndexedDB database name prefix; the user id is appended. Default `offline-kit`. */
  dbName?: string;
}
