/**
 * What every screen needs to know about sync, kept in one place and fed by the service worker's events: the module's
 * status, the last sync outcome, the queued writes (for pending markers) and the conflicts.
 */
import { useEffect, useState } from 'preact/hooks';
import type {
  ConflictView,
  OfflineKitEvent,
  QueuedWriteView,
  SyncRunSummary,
  SyncStatus,
} from '@offline-kit/sw/protocol';
import type { Kit } from '../kit/kit.js';
import { newIdOf } from '../kit/events.js';
import { newerProgress } from '../logic/syncStatus.js';

export interface SyncState {
  kit: Kit | null;
  /** Why the offline module is not available (no service worker support, failed registration). */
  kitError: string | null;
  status: SyncStatus | null;
  lastRun: SyncRunSummary | null;
  queue: QueuedWriteView[];
  conflicts: ConflictView[];
  /** Bumped whenever local data changed, so open screens read it again. */
  dataVersion: number;
  browserOnline: boolean;
  /** Writes the page sent and still waits on (from `onWritesInFlight`). */
  saving: number;
  /** Temporary id → server id of the records created here that the server acknowledged while this page was open. */
  newIds: ReadonlyMap<string, string>;
}

let state: SyncState = {
  kit: null,
  kitError: null,
  status: null,
  lastRun: null,
  queue: [],
  conflicts: [],
  dataVersion: 0,
  browserOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
  saving: 0,
  newIds: new Map(),
};

const listeners = new Set<() => void>();

export function getState(): SyncState {
  return state;
}

export function update(patch: Partial<SyncState>): void {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

export function useSyncState(): SyncState {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = (): void => setTick((n) => n + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return state;
}

/** Re-reads the queue and conflicts; called after any write event. Errors are shown by the status bar instead. */
export async function refreshQueue(): Promise<void> {
  const kit = state.kit;
  if (!kit) return;
  try {
    const [queue, conflicts, status] = await Promise.all([
      kit.listQueue({ limit: 1000 }),
      kit.listConflicts(),
      kit.getStatus(),
    ]);
    update({ queue: queue.items, conflicts, status });
  } catch (error) {
    console.warn('Could not read the sync queue', error);
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | null = null;

/** Bursts of write events (a batch of 50 acknowledgements) collapse into one re-read. */
function scheduleRefresh(): void {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refreshQueue();
  }, 50);
}

export function handleEvent(event: OfflineKitEvent): void {
  switch (event.type) {
    case 'status':
      update({
        status: {
          ...event.status,
          syncing: newerProgress(state.status?.syncing ?? null, event.status.syncing),
        },
      });
      return;
    case 'sync-progress':
      // Status snapshots come on changes of state, not per page: the running count comes with these events.
      if (state.status) update({ status: { ...state.status, syncing: event.progress } });
      return;
    case 'sync-completed':
    case 'sync-failed': {
      // Only a sync that moved data changes what screens show; re-reading after every run would be a sync loop's
      // cousin: the re-read itself can make the worker store (and announce) data again.
      const moved = event.summary.pulled > 0 || event.summary.pushed > 0;
      update({ lastRun: event.summary, dataVersion: state.dataVersion + (moved ? 1 : 0) });
      scheduleRefresh();
      return;
    }
    case 'write-queued':
    case 'write-sent':
      scheduleRefresh();
      return;
    case 'write-acknowledged': {
      // Learnt in the same update that makes open screens read again, so a screen on the temporary id reads the
      // server id instead of an id the server never heard of.
      const swap = newIdOf(event);
      scheduleRefresh();
      update({
        dataVersion: state.dataVersion + 1,
        ...(swap ? { newIds: new Map([...state.newIds, swap]) } : {}),
      });
      return;
    }
    case 'write-failed':
    case 'write-conflicted':
    case 'write-discarded':
    case 'conflict-resolved':
      // The record changed under the screen (server id for a temporary one, rolled back, merged): read it again.
      scheduleRefresh();
      update({ dataVersion: state.dataVersion + 1 });
      return;
    default:
      return;
  }
}

/** The write state of each record that still has unsynced writes, for the markers in lists. */
export function pendingByRecord(queue: QueuedWriteView[]): Map<string, QueuedWriteView['state']> {
  const rank: Record<QueuedWriteView['state'], number> = { sending: 0, pending: 1, failed: 2, conflict: 3 };
  const byRecord = new Map<string, QueuedWriteView['state']>();
  for (const write of queue) {
    const key = `${write.collection}/${write.recordId}`;
    const current = byRecord.get(key);
    if (current === undefined || rank[write.state] > rank[current]) byRecord.set(key, write.state);
  }
  return byRecord;
}
