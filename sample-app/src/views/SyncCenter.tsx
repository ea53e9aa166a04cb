/**
 * Everything not yet on the server: conflicts to resolve, writes the server refused (with the reason, and retry /
 * edit / discard), and writes waiting their turn.
 */
import { useState } from 'preact/hooks';
import type { QueuedWriteView } from '@offline-kit/sw/protocol';
import { isObject } from '../api/types.js';
import { href } from '../app/router.js';
import { refreshQueue, useSyncState } from '../app/store.js';
import { describeWrite, failureReason } from '../logic/failure.js';
import { fieldLabel } from '../logic/fieldDiff.js';
import { freshnessText } from '../logic/freshness.js';
import { useNow } from './Freshness.js';

export function SyncCenter() {
  const { queue, conflicts, status, kit } = useSyncState();
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const failed = queue.filter((w) => w.state === 'failed');
  const waiting = queue.filter((w) => w.state === 'pending' || w.state === 'sending');
  const syncNow = (): void => {
    if (!kit) return;
    setBusy(true);
    kit
      .syncNow()
      .catch((error: unknown) => console.warn('Sync failed', error))
      .finally(() => {
        setBusy(false);
        void refreshQueue();
      });
  };
  return (
    <main id="main" class="page">
      <div class="page-head">
        <h1>Sync</h1>
        <button type="button" class="btn btn-primary" onClick={syncNow} disabled={busy || !kit}>
          {busy ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      {status && (
        <ul class="units">
          {status.units
            .filter((u) => u.name !== 'all')
            .map((unit) => (
              <li key={unit.name}>
                <strong>{unit.name}</strong> ({unit.collections.join(', ')}):{' '}
                {freshnessText(unit.lastSyncAt, now)}
                {unit.lastOutcome === 'failed' && <span class="marker marker-failed">last sync failed</span>}
              </li>
            ))}
        </ul>
      )}

      <section class="panel" aria-labelledby="conflicts-heading">
        <h2 id="conflicts-heading">Conflicts ({conflicts.length})</h2>
        {conflicts.length === 0 ? (
          <p class="muted">No conflicts.</p>
        ) : (
          <ul class="cards">
            {conflicts.map((c) => (
              <li key={c.writeId} class="card card-conflict">
                <a class="card-link" href={href({ name: 'conflict', writeId: c.writeId })}>
                  <span class="card-title">
                    {typeof c.local?.title === 'string' ? c.local.title : `${c.collection} ${c.recordId}`}
                  </span>
                  <span class="card-meta">
                    {c.serverDeleted
                      ? 'Deleted on the server while you edited it'
                      : `Changed on the server too: ${c.fields.map(fieldLabel).join(', ') || 'same fields'}`}
                  </span>
                  <span class="card-action">Resolve →</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="panel" aria-labelledby="failed-heading">
        <h2 id="failed-heading">Refused by the server ({failed.length})</h2>
        {failed.length === 0 ? (
          <p class="muted">Nothing refused.</p>
        ) : (
          <ul class="cards">
            {failed.map((write) => (
              <FailedWrite key={write.id} write={write} />
            ))}
          </ul>
        )}
      </section>

      <section class="panel" aria-labelledby="waiting-heading">
        <h2 id="waiting-heading">Waiting to sync ({waiting.length})</h2>
        {waiting.length === 0 ? (
          <p class="muted">Everything is on the server.</p>
        ) : (
          <ol class="queue">
            {waiting.map((write) => (
              <li key={write.id}>
                {describeWrite(write)}
                <span class="muted">
                  {' '}
                  — {write.state === 'sending' ? 'sending' : 'waiting'}
                  {write.attempts > 0 && `, ${write.attempts} tries`}
                  {write.nextAttemptAt && `, next try ${new Date(write.nextAttemptAt).toLocaleTimeString()}`}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}

function FailedWrite({ write }: { write: QueuedWriteView }) {
  const { kit } = useSyncState();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editable = isObject(write.json);
  const run = (action: Promise<void>): void => {
    setError(null);
    action
      .then(() => setEditing(false))
      .catch((reason: unknown) => setError(reason instanceof Error ? reason.message : String(reason)))
      .finally(() => void refreshQueue());
  };
  if (!kit) return null;
  return (
    <li class="card card-failed" data-testid="failed-write">
      <div class="card-body">
        <span class="card-title">{describeWrite(write)}</span>
        <p>{failureReason(write)}</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {editing && isObject(write.json) ? (
          <EditWrite
            body={write.json}
            onCancel={() => setEditing(false)}
            onSave={(body) => run(kit.editWrite(write.id, body))}
          />
        ) : (
          <div class="form-actions">
            <button type="button" class="btn btn-small" onClick={() => run(kit.retryWrite(write.id))}>
              Retry
            </button>
            {editable && (
              <button type="button" class="btn btn-small" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            <button
              type="button"
              class="btn btn-small btn-danger"
              onClick={() => {
                if (
                  confirm(
                    `Discard “${describeWrite(write)}”? It will not reach the server and is undone here.`,
                  )
                )
                  run(kit.discardWrite(write.id));
              }}
            >
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}

/** Edits the fields a write would send. Only plain text fields are editable: structure stays as the app made it. */
function EditWrite({
  body,
  onSave,
  onCancel,
}: {
  body: Record<string, unknown>;
  onSave: (body: Record<string, unknown>) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(body);
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        onSave(draft);
      }}
    >
      {Object.entries(draft)
        .filter(([, value]) => typeof value === 'string')
        .map(([key, value]) => (
          <div key={key}>
            <label for={`edit-${key}`}>{fieldLabel(key)}</label>
            <input
              id={`edit-${key}`}
              value={value as string}
              onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
            />
          </div>
        ))}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary btn-small">
          Save and retry
        </button>
        <button type="button" class="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
