/**
 * What the status bar says, derived from the module's status and the last sync outcome. Pure, so every wording the
 * seed asks for ("Syncing…", "All changes saved", "Sync failed — Retry", "You're offline — changes will sync later")
 * is pinned by a unit test.
 */
import type { SyncRunSummary, SyncStatus } from '@offline-kit/sw/protocol';

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
    if (first) {
      const progress = total ? Math.min(1, done / total) : null;
      const pct = progress === null ? '' : ` ${Math.round(progress * 100)}%`;
      return { text: `Downloading your data…${pct}`, tone: 'busy', retry: false, firstSync: true, progress };
    }
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

function changes(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
