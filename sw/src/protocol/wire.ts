/**
 * The sync protocol on the wire (docs/PROTOCOL.md), declared once: the service worker, server-mock, the devtools
 * extension and anyone writing a backend import these shapes and names from `@offline-kit/sw/protocol`. Types and
 * constants only; the guards that narrow what arrives are in `wire-guards.ts`.
 */
import type { JsonRecord } from './config.js';

/** `protocol` field of the discovery document; backends that speak it answer `GET {apiBase}/_sync`. */
export const PROTOCOL_NAME = 'offline-kit-sync';
/** The protocol version this module speaks (PROTOCOL.md: bumped with every change on the wire). */
export const PROTOCOL_VERSION = 1;
/** Discovery path, under `apiBase`. */
export const DISCOVERY_PATH = '/_sync';

/** Headers of the protocol, and those the module adds to answers it makes itself. */
export const HEADERS = {
  /** `network`, `local` (answered from IndexedDB) or `queued`. */
  source: 'Offline-Kit-Source',
  /** ISO time of the last successful sync of the collection, on answers from the local copy. */
  lastSync: 'Offline-Kit-Last-Sync',
  /** The queued write's id on a 202. */
  writeId: 'Offline-Kit-Write-Id',
  idempotencyKey: 'Idempotency-Key',
  tempId: 'Offline-Kit-Temp-Id',
  protocol: 'Offline-Kit-Protocol',
  ifMatch: 'If-Match',
} as const;

/** Records created offline carry ids `tmp_…` until the server names them (PROTOCOL.md §3). */
export const TEMP_PREFIX = 'tmp_';
/** What a server accepts as a temporary id. */
export const TEMP_ID_PATTERN = /^tmp_[A-Za-z0-9_-]{1,200}$/;

export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const WRITE_METHODS: readonly WriteMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** A record as the protocol defines it: `id` string, `version` integer ≥ 1, plus the application's fields. */
export interface ServerRecord extends JsonRecord {
  id: string;
  version: number;
}

export interface Tombstone {
  id: string;
  version: number;
}

/** A list answer (§4), read: a plain REST backend's bare array is one complete page. */
export interface ListPage {
  records: ServerRecord[];
  deleted: Tombstone[];
  cursor: string | null;
  hasMore: boolean;
}

/** `GET {apiBase}/_sync` as a server sends it (§1). */
export interface DiscoveryDocument {
  protocol: typeof PROTOCOL_NAME;
  version: number;
  batch?: { path: string; maxWrites?: number; maxBytes?: number } | null;
  maxBodyBytes?: number | null;
  /** Informative: the client's own configuration decides policies. */
  collections?: Record<string, DiscoveryCollection>;
}

export interface DiscoveryCollection {
  writable: boolean;
  conflicts?: 'if-match';
  /** Which field of a child refers to its parent, so temporary ids can be rewritten (§8). */
  parent?: { field: string; collection: string };
  binary?: boolean;
}

/** The discovery document as the module reads it. */
export interface Discovery {
  version: number;
  batch: { path: string; maxWrites: number; maxBytes: number } | null;
  maxBodyBytes: number | null;
  /** Parts of the answer that were ignored, and why (a batch path on another origin): for the console. */
  ignored: string[];
}

/** The body of a 409 (§5.1): the server's current copy, or `deleted: true`. */
export interface ConflictBody {
  current: ServerRecord | null;
  deleted: boolean;
}

/** One write inside a batch request `{ writes: BatchEntry[] }` (§7). */
export interface BatchEntry {
  key: string;
  method: WriteMethod;
  /** Same-origin path with query, as the write would have been sent alone. */
  path: string;
  /** The version the write is based on (`If-Match`), when conflicts are detected. */
  ifMatch?: number;
  tempId?: string;
  body?: unknown;
}

export interface BatchResult {
  key: string;
  status: number;
  body: unknown;
}

/** A batch answer (§7): one result per write sent, and the temporary ids the server named. */
export interface BatchAnswer {
  results: BatchResult[];
  idMap: Record<string, string>;
}

/** The server's JSON error body (§6). */
export interface ServerErrorBody {
  error: string;
  message?: string;
  details?: unknown;
}
