/**
 * Network status and sync outcome, always visible. The message sits in a polite live region so a screen reader hears
 * "You're offline — changes will sync later" and "All changes saved" as they happen.
 */
import { CONNECTIVITY_LABEL, connectivityOf, count, syncMessage } from '../logic/syncStatus.js';
import { useSyncState, refreshQueue } from '../app/store.js';
import { href } from '../app/router.js';
import { useState } from 'preact/hooks';

export function StatusBar() {
  const { status, lastRun, browserOnline, kit, kitError, saving, queue } = useSyncState();
  const [retrying, setRetrying] = useState(false);
  if (kitError) {
    return (
      <div class="statusbar tone-error" role="status">
        <span class="statusbar-text">Offline mode unavailable: {kitError}</span>
      </div>
    );
  }
  if (!status) {
    return (
      <div class="statusbar tone-busy" role="status" aria-live="polite">
        <span class="statusbar-text">Starting…</span>
      </div>
    );
  }
  const connectivity = connectivityOf(status, browserOnline);
  const sending = queue.filter((write) => write.state === 'sending').length;
  const message = syncMessage(status, connectivity, lastRun, saving + sending);
  const unsynced = status.pending + status.failed + status.conflicts;
  const retry = (): void => {
    if (!kit) return;
    setRetrying(true);
    kit
      .syncNow()
      .catch((error: unknown) => console.warn('Sync failed', error))
      .finally(() => {
        setRetrying(false);
        void refreshQueue();
      });
  };
  return (
    <div class={`statusbar tone-${message.tone}`} data-testid="statusbar">
      <span class={`pill pill-${connectivity}`} data-testid="connectivity">
        <span class="dot" aria-hidden="true" />
        {status.simulatedOffline ? 'Working offline' : CONNECTIVITY_LABEL[connectivity]}
      </span>
      <span class="statusbar-text" role="status" aria-live="polite" data-testid="sync-message">
        {message.spokenPrefix && <span class="visually-hidden">{message.spokenPrefix}</span>}
        <span data-testid="sync-message-shown">{message.text}</span>
      </span>
      {message.firstSync && (
        <progress
          class="statusbar-progress"
          max={1}
          value={message.progress ?? undefined}
          aria-label="First download progress"
          data-testid="sync-progress"
        />
      )}
      {message.retry && (
        <button type="button" class="btn btn-small" onClick={retry} disabled={retrying || !kit}>
          {retrying ? 'Syncing…' : 'Retry'}
        </button>
      )}
      {unsynced > 0 && (
        <a class="badge-link" href={href({ name: 'sync' })} data-testid="pending-count">
          {status.pending > 0 && <span>{status.pending} pending</span>}
          {status.failed > 0 && <span class="badge-error">{status.failed} refused</span>}
          {status.conflicts > 0 && <span class="badge-error">{count(status.conflicts, 'conflict')}</span>}
        </a>
      )}
    </div>
  );
}
