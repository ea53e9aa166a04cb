import type { WriteState } from '@offline-kit/sw/protocol';

const TEXT: Record<WriteState, string> = {
  pending: 'Not synced',
  sending: 'Syncing',
  failed: 'Refused',
  conflict: 'Conflict',
};

/** The marker on a record with unsynced writes; the words carry the meaning, the colour only repeats it. */
export function PendingMarker({ state }: { state: WriteState | undefined }) {
  if (!state) return null;
  return (
    <span class={`marker marker-${state}`} data-testid="pending-marker">
      {TEXT[state]}
    </span>
  );
}
