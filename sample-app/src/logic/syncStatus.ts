/**
 * What the status bar says, derived from the module's status and the last sync outcome. Pure, so every wording the
 * seed asks for ("Syncing…", "All changes saved", "Sync failed — Retry", "You're offline — changes will sync later")
 * is pinned by a unit test.
 */
import type { SyncProgress, SyncRunSummary, SyncStatus } from '@offline-kit/sw/protocol';

/** Three different things to a technician: the network is gone, or it is there but our server does not answer. */
export type Connectivity = 'online' | 'offline' | 'unreachable';

export function connectivityOf(status: SyncStatus, browserOnline: boolean): Connectivity {
  if (!browserOnline || !status.online) return 'offline';
  if (!status.serverReachable) return 'unreachable';
  return 'online';
}

export const CONNECTIVITY_LABEL: Record<Connectivity, string> = {
  online: 'Online',
  offline: 'Offline',
  unreachable: 'Server unreachable',
};

export type Tone = 'ok' | 'busy' | 'warn' | 'error';

export interface SyncMessage {
  text: string;
  tone: Tone;
  /** Offer a Retry button next to the message. */
  retry: boolean;
  /** Show a progress bar: during the first download after sign-in. */
  firstSync: boolean;
  /** 0..1 when the amount is known, null otherwise (an indeterminate bar). */
  progress: number | null;
  /**
   * Said before `text` to a screen reader only: what the connectivity pill already shows on screen, which the live
   * message must still say for someone who hears the message alone.
   */
  spokenPrefix?: string;
}

/**
 * `lastRun` is the summary of the most recent sync that ended, as events reported it. `saving` counts writes the page
 * sent and still waits on, or the queue holds as sending: while any is on its way nothing is "saved" yet.
 */
export function syncMessage(
  status: SyncStatus,
  connectivity: Connectivity,
  lastRun: SyncRunSummary | null,
  saving = 0,
): SyncMessage {
  const waiting = status.pending;
  if (status.paused) {
    return {
      text: 'Sign in again to sync your changes',
      tone: 'error',
      retry: false,
      firstSync: false,
      progress: null,
    };
  }
  if (status.syncing) {
    const { done, total, phase } = status.syncing;
    const first = status.lastSyncAt === null;
    if (first) return firstSyncMessage(status.syncing);
    const what = phase === 'push' && total ? ` ${done} of ${total} changes` : '';
    return { text: `Syncing…${what}`, tone: 'busy', retry: false, firstSync: false, progress: null };
  }
  if (saving > 0) {
    return { text: 'Saving…', tone: 'busy', retry: false, firstSync: false, progress: null };
  }
  if (connectivity === 'offline') {
    const text =
      waiting > 0
        ? `You're offline — ${changes(waiting)} will sync later`
        : "You're offline — changes will sync later";
    return { text, tone: 'warn', retry: false, firstSync: false, progress: null };
  }
  if (connectivity === 'unreachable') {
    // "Keeps trying" on its own; the Retry button beside it tries now.
    const text = waiting > 0 ? `${changes(waiting)} waiting — keeps trying` : 'Keeps trying';
    return {
      text,
      spokenPrefix: `${CONNECTIVITY_LABEL.unreachable} — `,
      tone: 'warn',
      retry: true,
      firstSync: false,
      progress: null,
    };
  }
  if (lastRun && lastRun.outcome === 'failed') {
    return { text: 'Sync failed — Retry', tone: 'error', retry: true, firstSync: false, progress: null };
  }
  if (status.conflicts > 0) {
    return {
      text: `${count(status.conflicts, 'conflict')} to resolve`,
      tone: 'error',
      retry: false,
      firstSync: false,
      progress: null,
    };
  }
  if (status.failed > 0) {
    return {
      text: `${count(status.failed, 'change')} refused by the server`,
      tone: 'error',
      retry: false,
      firstSync: false,
      progress: null,
    };
  }
  if (waiting > 0) {
    return {
      text: `${changes(waiting)} waiting to sync`,
      tone: 'busy',
      retry: true,
      firstSync: false,
      progress: null,
    };
  }
  if (status.lastSyncAt === null) {
    return { text: 'Not synced yet', tone: 'warn', retry: true, firstSync: false, progress: null };
  }
  return { text: 'All changes saved', tone: 'ok', retry: false, firstSync: false, progress: null };
}

/**
 * The first sync counts what it moved. A pull's `total` from the module is no announcement: the protocol gives none,
 * so it only equals `done` once a collection's last page is stored while other collections may follow. Only a total
 * still ahead of the count (a push's queued writes, or a server that announces one) makes the bar determinate; a
 * bar at 100% with more to come would be the lie the indeterminate bar already avoids.
 */
function firstSyncMessage({ phase, done, total }: SyncProgress): SyncMessage {
  const known = total !== null && (phase === 'push' || total > done) ? total : null;
  const progress = known === null ? null : known === 0 ? 1 : Math.min(1, done / known);
  const base = { tone: 'busy', retry: false, firstSync: true, progress } as const;
  if (phase === 'push') {
    // Every run starts as a push of nothing (no total yet): to the technician that is still the download starting.
    if (!known) return { ...base, text: 'Downloading your data…' };
    return { ...base, text: `Sending your changes… ${number(done)} of ${count(known, 'change')}` };
  }
  if (known !== null)
    return { ...base, text: `Downloading your data… ${number(done)} of ${number(known)} records` };
  return { ...base, text: `Downloading your data…${done > 0 ? ` ${number(done)} records so far` : ''}` };
}

/** Grouped as "1,250": a count of thousands is read at a glance. */
export function number(n: number): string {
  return n.toLocaleString('en');
}

/**
 * The worker announces progress as events, and its status in snapshots taken a moment earlier: a snapshot of the same
 * run never winds the count back.
 */
export function newerProgress(
  current: SyncProgress | null,
  incoming: SyncProgress | null,
): SyncProgress | null {
  if (!current || !incoming || current.runId !== incoming.runId) return incoming;
  const rank = (p: SyncProgress): [number, number] => [p.phase === 'push' ? 0 : 1, p.done];
  const [a, b] = [rank(current), rank(incoming)];
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]) ? current : incoming;
}

function changes(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
