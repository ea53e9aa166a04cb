/**
 * Guards for everything `OfflineKitApi` answers and every `OfflineKitEvent`, as they arrive over the devtools bridge.
 * The bridge's own guards (`isFromServiceWorker`) check the envelope only; these check what is inside before the
 * panel renders it.
 */
import type {
  CollectionInfo,
  ConflictView,
  ErrorCode,
  ErrorInfo,
  HistoryEntry,
  HistoryExport,
  LocalDropRefusal,
  LocalRecordView,
  OfflineKitApi,
  OfflineKitEvent,
  OfflineKitMethod,
  Page,
  QueuedWriteView,
  Resolution,
  SyncOutcome,
  SyncProgress,
  SyncRunSummary,
  SyncStatus,
  SyncTrigger,
  UnitStatus,
  WriteEventKind,
  WriteMethod,
  WireLevel,
  WriteState,
} from '@offline-kit/sw/protocol';
// `config` has no package export; the relative path keeps the contract defined once.
import type { JsonRecord } from '@offline-kit/sw/protocol';
import {
  arrayOf,
  bool,
  isObject,
  literal,
  nullable,
  num,
  optional,
  shape,
  str,
  unknownValue,
  type Guard,
} from './guard.js';

const jsonRecord: Guard<JsonRecord> = (v): v is JsonRecord => isObject(v);

// Codes are open-ended on purpose: a newer module may add one, and the panel still shows its message.
const errorCode = str as Guard<ErrorCode>;
/** A record's version: an integer in our protocol, an ETag or a field's value for a REST API. */
const versionToken: Guard<number | string> = (v): v is number | string => num(v) || str(v);

export const isErrorInfo = shape<ErrorInfo>({
  code: errorCode,
  message: str,
  status: optional(num),
  details: unknownValue,
});

const writeMethod = literal<WriteMethod>('POST', 'PUT', 'PATCH', 'DELETE');
export const writeState = literal<WriteState>('pending', 'sending', 'conflict', 'failed');
const syncOutcome = literal<SyncOutcome>('completed', 'failed', 'partial', 'skipped');
const syncTrigger = literal<SyncTrigger>(
  'manual',
  'online',
  'background-sync',
  'retry',
  'start',
  'resume',
  'login',
  'interval',
  'write',
);
const writeEventKind = literal<WriteEventKind>(
  'queued',
  'sent',
  'acknowledged',
  'conflict',
  'failed',
  'discarded',
  'resolved',
  'edited',
  'retried',
  'migrated',
  'dropped',
);

export const isQueuedWriteView = shape<QueuedWriteView>({
  id: str,
  seq: num,
  collection: str,
  recordId: str,
  method: writeMethod,
  url: str,
  state: writeState,
  baseVersion: nullable(versionToken),
  createdAt: num,
  attempts: num,
  nextAttemptAt: nullable(num),
  lastError: nullable(isErrorInfo),
  lastStatus: nullable(num),
  contentType: nullable(str),
  bodySize: num,
  json: unknownValue,
  units: arrayOf(str),
  schemaVersion: num,
});

export const isConflictView = shape<ConflictView>({
  writeId: str,
  collection: str,
  recordId: str,
  method: writeMethod,
  base: nullable(jsonRecord),
  local: nullable(jsonRecord),
  server: nullable(jsonRecord),
  serverDeleted: bool,
  fields: arrayOf(str),
  merged: nullable(jsonRecord),
  covers: arrayOf(str),
  detectedAt: num,
});

const isUnitStatus = shape<UnitStatus>({
  name: str,
  collections: arrayOf(str),
  lastSyncAt: nullable(num),
  lastOutcome: nullable(syncOutcome),
});

const isSyncProgress = shape<SyncProgress>({
  runId: str,
  unit: str,
  phase: literal('push', 'pull'),
  done: num,
  total: nullable(num),
  collection: optional(str),
});

export const isSyncStatus = shape<SyncStatus>({
  online: bool,
  simulatedOffline: bool,
  serverReachable: bool,
  paused: bool,
  pausedReason: nullable(isErrorInfo),
  pending: num,
  failed: num,
  conflicts: num,
  syncing: nullable(isSyncProgress),
  units: arrayOf(isUnitStatus),
  lastSyncAt: nullable(num),
  user: nullable(str),
  devtools: bool,
  storage: nullable(shape<{ usage: number; quota: number }>({ usage: num, quota: num })),
  protocol: nullable(shape<{ version: number; batch: boolean }>({ version: num, batch: bool })),
});

export const isSyncRunSummary = shape<SyncRunSummary>({
  runId: str,
  unit: str,
  trigger: syncTrigger,
  startedAt: num,
  durationMs: num,
  outcome: syncOutcome,
  pushed: num,
  pulled: num,
  conflicts: num,
  failed: num,
  error: nullable(isErrorInfo),
});

type WriteHistoryEntry = Extract<HistoryEntry, { kind: 'write' }>;
const isWriteHistoryEntry = shape<WriteHistoryEntry>({
  kind: literal('write'),
  id: num,
  at: num,
  event: writeEventKind,
  writeId: str,
  collection: str,
  recordId: str,
  method: writeMethod,
  status: nullable(num),
  error: nullable(isErrorInfo),
  schema: optional(shape<{ from: number; to: number }>({ from: num, to: num })),
});

export const isHistoryEntry: Guard<HistoryEntry> = (v): v is HistoryEntry => {
  if (!isObject(v)) return false;
  if (v.kind === 'write') return isWriteHistoryEntry(v);
  return v.kind === 'run' && num(v.id) && num(v.at) && isSyncRunSummary(v);
};

export const isHistoryExport = shape<HistoryExport>({
  format: literal('offline-kit-history'),
  version: literal(1),
  exportedAt: num,
  origin: str,
  entries: arrayOf(isHistoryEntry),
});

export const isLocalRecordView = shape<LocalRecordView>({
  collection: str,
  id: str,
  data: nullable(jsonRecord),
  version: nullable(versionToken),
  fromServer: bool,
  pending: bool,
  deleted: bool,
  conflict: bool,
  syncedAt: nullable(num),
});

export const isCollectionInfo = shape<CollectionInfo>({
  name: str,
  policy: str,
  count: num,
  pending: num,
  lastSyncAt: nullable(num),
  cursor: nullable(str),
  schemaVersion: num,
  resyncing: bool,
  wire: optional(
    shape<WireLevel>({
      api: literal<WireLevel['api']>('offline-kit', 'rest', 'unknown'),
      conflicts: bool,
      exactlyOnce: bool,
      delta: bool,
      batch: bool,
    }),
  ),
});

function pageOf<T>(item: Guard<T>): Guard<Page<T>> {
  return shape<Page<T>>({ items: arrayOf(item), total: num });
}

const isVoid: Guard<void> = (_v): _v is void => true;

type WriteDetail = Awaited<ReturnType<OfflineKitApi['getWrite']>>;
const isWriteDetail: Guard<WriteDetail> = nullable(
  shape<NonNullable<WriteDetail>>({
    write: isQueuedWriteView,
    body: (v): v is string | ArrayBuffer | null =>
      v === null || typeof v === 'string' || v instanceof ArrayBuffer,
  }),
);

export type ApiResult<M extends OfflineKitMethod> = Awaited<ReturnType<OfflineKitApi[M]>>;

/** One guard per method for what it resolves with. */
/** What a refused local delete says stands in its way (`invalid_state` details; see `LocalDropRefusal`). */
export const isLocalDropRefusal = shape<LocalDropRefusal>({
  reason: literal<LocalDropRefusal['reason']>('unsynced', 'sending'),
  unsynced: num,
  writes: arrayOf(
    shape<LocalDropRefusal['writes'][number]>({
      id: str,
      seq: num,
      recordId: str,
      method: writeMethod,
      state: writeState,
    }),
  ),
});

export const RESULT_GUARDS: { [M in OfflineKitMethod]: Guard<ApiResult<M>> } = {
  getStatus: isSyncStatus,
  syncNow: isSyncRunSummary,
  listQueue: pageOf(isQueuedWriteView),
  getWrite: isWriteDetail,
  retryWrite: isVoid,
  editWrite: isVoid,
  discardWrite: isVoid,
  listConflicts: arrayOf(isConflictView),
  resolveConflict: isVoid,
  listCollections: arrayOf(isCollectionInfo),
  listRecords: pageOf(isLocalRecordView),
  deleteLocalRecord: isVoid,
  clearLocalCollection: isVoid,
  getHistory: arrayOf(isHistoryEntry),
  exportHistory: isHistoryExport,
  setSimulatedOffline: isVoid,
  setCredentials: isVoid,
  clearLocalData: isVoid,
};

const resolutionChoice = literal<Resolution['choice']>('local', 'server', 'merged');

const EVENT_FIELDS: { [K in OfflineKitEvent['type']]: Record<string, Guard<unknown>> } = {
  status: { status: isSyncStatus },
  'sync-started': { runId: str, unit: str, trigger: syncTrigger },
  'sync-progress': { progress: isSyncProgress },
  'sync-completed': { summary: isSyncRunSummary },
  'sync-failed': { summary: isSyncRunSummary },
  'write-queued': { write: isQueuedWriteView },
  'write-sent': { write: isQueuedWriteView },
  'write-acknowledged': { write: isQueuedWriteView, record: nullable(jsonRecord) },
  'write-failed': { write: isQueuedWriteView },
  'write-conflicted': { conflict: isConflictView },
  'write-discarded': { writeId: str },
  'conflict-resolved': { writeId: str, resolution: resolutionChoice },
  'credentials-needed': { reason: isErrorInfo },
  'data-changed': { collection: str, ids: arrayOf(str) },
  error: { error: isErrorInfo },
};

export function isOfflineKitEvent(v: unknown): v is OfflineKitEvent {
  if (!isObject(v) || typeof v.type !== 'string' || !Object.hasOwn(EVENT_FIELDS, v.type)) return false;
  const fields = EVENT_FIELDS[v.type as OfflineKitEvent['type']];
  return Object.entries(fields).every(([key, guard]) => guard(v[key]));
}
