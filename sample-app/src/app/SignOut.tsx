/**
 * Signing out wipes this technician's local data and queue, so the next person on a shared device sees nothing of it.
 * Unsynced writes would be lost with it, so the dialog says how many and offers to sync them first.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { count } from '../logic/syncStatus.js';
import { refreshQueue, useSyncState } from './store.js';

export function SignOutDialog({ onSignedOut, onCancel }: { onSignedOut: () => void; onCancel: () => void }) {
  const { kit, status } = useSyncState();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const unsynced = status ? status.pending + status.failed + status.conflicts : 0;
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const wipe = (unsyncedPolicy: 'refuse' | 'discard'): void => {
    setBusy(true);
    setError(null);
    const work = kit
      ? kit.clearLocalData({ unsynced: unsyncedPolicy }).then(() => kit.setCredentials(null))
      : Promise.resolve();
    work
      .then(onSignedOut)
      .catch((reason: unknown) => {
        setError(reason instanceof Error ? reason.message : 'Local data could not be cleared.');
        void refreshQueue();
      })
      .finally(() => setBusy(false));
  };
  const syncThenSignOut = (): void => {
    if (!kit) return;
    setBusy(true);
    setError(null);
    kit
      .syncNow()
      .then(() => kit.getStatus())
      .then((after) => {
        void refreshQueue();
        if (after.pending + after.failed + after.conflicts === 0) wipe('refuse');
        else {
          setError('Some changes could still not be synced. Resolve them on the Sync page, or discard them.');
          setBusy(false);
        }
      })
      .catch((reason: unknown) => {
        setError(reason instanceof Error ? reason.message : 'Sync failed.');
        setBusy(false);
      });
  };

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="signout-title"
      aria-describedby="signout-text"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id="signout-title">Sign out?</h2>
      {unsynced > 0 ? (
        <p id="signout-text" data-testid="signout-warning">
          <strong>{count(unsynced, 'change')} not on the server yet.</strong> Signing out removes this
          device’s copy of your work orders, and these changes with it.
          {status && !status.online && ' You are offline: connect first to sync them.'}
        </p>
      ) : (
        <p id="signout-text">
          Your work orders and notes are removed from this device. Everything is saved on the server.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="form-actions">
        {unsynced > 0 ? (
          <>
            <button
              type="button"
              class="btn btn-primary"
              disabled={busy || !status?.online}
              onClick={syncThenSignOut}
            >
              Sync, then sign out
            </button>
            <button type="button" class="btn btn-danger" disabled={busy} onClick={() => wipe('discard')}>
              Discard changes and sign out
            </button>
          </>
        ) : (
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => wipe('refuse')}>
            Sign out
          </button>
        )}
        <button type="button" class="btn" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
