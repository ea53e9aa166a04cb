/**
 * What a captured write is made of and how a group of captures commits: the write, its optimistic record and its
 * history entry in one transaction, all or none; which headers are kept; which temporary ids a write names.
 */
import type { Version } from '../../protocol/api.js';
import type { HistoryEntry } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError, isQuotaError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { WriteMethod } from '../../protocol/wire.js';
import type { EngineContext } from '../deps.js';
import { isTempId } from '../model/temp-ids.js';
import type { StoredRecord, StoredWrite } from '../storage/db.js';
import type { NewEntry } from '../storage/history-store.js';
import type { QueueRow } from '../storage/queue-store.js';

export interface WriteInput {
  method: WriteMethod;
  /** Same-origin path and query. */
  url: string;
  collection: string;
  /** null for a create: a temporary id is made. */
  recordId: string | null;
  headers: [string, string][];
  body: ArrayBuffer | null;
  contentType: string | null;
  /** The version the page sent in its own If-Match, if any. */
  ifMatch: Version | null;
  /** The page's own Idempotency-Key, if any (becomes the write's id). */
  idempotencyKey: string | null;
  /** Reserved at arrival (`Outbox.reserveSeq`), so issue order survives bodies that finish reading out of order. */
  seq: number;
  /** The body as the caller already parsed it (`parseJsonBody`), so it is not parsed again; absent: not parsed yet. */
  json?: { value: unknown };
}

export interface Enqueued {
  write: StoredWrite;
  record: JsonRecord | null;
  coalesced: boolean;
  /** The stored body's JSON (undefined when it is not JSON), for the write's view without reading the body again. */
  json: unknown;
}

/** Set by the module itself at each send (from the write's id, base version and temporary id): never stored. */
const SET_AT_SEND = new Set(['idempotency-key', 'if-match', 'offline-kit-temp-id', 'content-length']);

/**
 * The headers of a write that are kept and replayed: only names on the allow-list (`replayHeaders`), so a secret the
 * app puts in a header of its own (`X-Api-Key`, `X-CSRF-Token`) never lands on disk. Also applied at send time, to
 * rows an older version stored with everything but Authorization and Cookie.
 */
export function storableHeaders(
  headers: Iterable<[string, string]>,
  allowed: ReadonlySet<string>,
): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (allowed.has(name) && !SET_AT_SEND.has(name)) out.push([name, v]);
  }
  return out;
}

export interface Capture {
  /** As stored: sealed when encryption is on. */
  write: QueueRow;
  record: StoredRecord;
  entry: NewEntry;
}

/** One group of captures: every write, optimistic record and history entry in one transaction, all or none. */
export async function commitCaptures(
  tx: ReturnType<QueueStoreTx>,
  captures: readonly Capture[],
): Promise<void> {
  const queue = tx.objectStore('queue');
  const records = tx.objectStore('records');
  const history = tx.objectStore('history');
  const requests: Promise<unknown>[] = [];
  try {
    for (const c of captures)
      requests.push(queue.add(c.write), records.put(c.record), history.add(c.entry as HistoryEntry));
  } catch (error) {
    // A row refused on the spot (DataCloneError): nothing of the group may commit, and the requests already made
    // fail with the abort, observed here.
    for (const r of [...requests, tx.done]) r.catch(() => undefined);
    try {
      tx.abort();
    } catch {
      // Already finished.
    }
    throw error;
  }
  // Awaiting the requests with the transaction surfaces the request's own error (QuotaExceededError) first and
  // leaves no rejected request promise unhandled when the transaction aborts.
  await Promise.all([...requests, tx.done]);
}

type QueueStoreTx = EngineContext['queue']['writeTransaction'];

/** Temporary ids a write names: its record, its query, its top-level fields (a child's `workOrderId`). */
export function tempIdsIn(input: WriteInput, json: unknown): Set<string> {
  const candidates = new Set<string>();
  if (isTempId(input.recordId)) candidates.add(input.recordId);
  for (const v of new URL(input.url, 'http://x').searchParams.values()) if (isTempId(v)) candidates.add(v);
  if (isObject(json)) for (const v of Object.values(json)) if (isTempId(v)) candidates.add(v);
  return candidates;
}

export function storageError(error: unknown): OfflineKitError {
  if (isQuotaError(error)) {
    return new OfflineKitError('quota_exceeded', 'The browser refused the storage space for this write', {
      status: 507,
    });
  }
  if (error instanceof OfflineKitError) return error;
  return new OfflineKitError('storage_failed', error instanceof Error ? error.message : String(error), {
    status: 507,
  });
}
