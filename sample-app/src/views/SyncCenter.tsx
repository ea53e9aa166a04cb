/**
 * Everything not yet on the server, in a technician's words: conflicts to resolve, writes the server refused (with the
 * reason, and retry / edit / discard), writes waiting their turn (which can be discarded), and the recent sync runs.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { HistoryEntry, QueuedWriteView, SyncRunSummary } from '@offline-kit/sw/protocol';
import { listWorkOrders } from '../api/resources.js';
import { isObject } from '../api/types.js';
import { href } from '../app/router.js';
import { refreshQueue, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { describeWrite, failureReason } from '../logic/failure.js';
import { fieldLabel } from '../logic/fieldDiff.js';
import { freshnessText } from '../logic/freshness.js';
import { collectionsLabel, unitFreshness, unitLabel } from '../logic/units.js';
import { useNow } from './Freshness.js';

type RunEntry = Extract<HistoryEntry, { kind: 'run' }>;

/** Why a run failed, without codes: the technician needs to know whether waiting helps. */
function runProblem(run: SyncRunSummary): string {
  const code = run.error?.code;
  if (code === 'network' || code === 'timeout') return 'the server could not be reached';
  if (code === 'unauthorized') return 'you need to sign in again';
  return 'the server had a problem';
}

function outcomeText(run: SyncRunSummary): { text: string; failed: boolean } {
  switch (run.outcome) {
    case 'failed':
      return {
        text: `Sync failed: ${runProblem(run)}. Your changes are kept on this device and sent later.`,
        failed: true,
      };
    case 'partial':
      return { text: 'Sync partly done: some changes still wait or were refused (see below).', failed: true };
    case 'skipped':
      return { text: 'Nothing was synced: you are offline or signed out.', failed: true };
    default:
      return { text: 'Sync completed.', failed: false };
  }
}

const RUN_WORD: Record<SyncRunSummary['outcome'], string> = {
  completed: 'Completed',
  failed: 'Failed',
  partial: 'Partly done',
  skipped: 'Skipped',
};

export function SyncCenter() {
  const { queue, conflicts, status, kit, dataVersion, lastRun } = useSyncState();
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ text: string; failed: boolean } | null>(null);
  const [runs, setRuns] = useState<RunEntry[]>([]);
  const orders = useLoad(listWorkOrders, [dataVersion]);
  const titles = useMemo(
    () => new Map((orders.data?.items ?? []).map((order) => [order.id, order.title])),
    [orders.data],
  );
  useEffect(() => {
    if (!kit) return;
    kit
      .getHistory({ limit: 200 })
      .then((entries) => setRuns(entries.filter((e): e is RunEntry => e.kind === 'run').slice(0, 10)))
      .catch((error: unknown) => console.warn('Could not read the sync history', error));
  }, [kit, lastRun]);
  const failed = queue.filter((w) => w.state === 'failed');
  const waiting = queue.filter((w) => w.state === 'pending' || w.state === 'sending');
  const syncNow = (): void => {
    if (!kit) return;
    setBusy(true);
    setOutcome(null);
    kit
      .syncNow()
      .then((summary) => setOutcome(outcomeText(summary)))
      .catch((error: unknown) => {
        console.warn('Sync failed', error);
        setOutcome({
          text: 'Sync failed. Your changes are kept on this device and sent later.',
          failed: true,
        });
      })
      .finally(() => {
        setBusy(false);
        void refreshQueue();
      });
  };
  const discard = (write: QueuedWriteView): void => {
    if (!kit) return;
    const what = describeWrite(write, titles);
    if (
      !confirm(
        `Discard “${what}”? It will never reach the server, and this device goes back to the server’s version.`,
      )
    )
      return;
    kit
      .discardWrite(write.id)
      .catch((error: unknown) => {
        console.warn('Discard failed', error);
        setOutcome({ text: `“${what}” could not be discarded: it may be on its way already.`, failed: true });
      })
      .finally(() => void refreshQueue());
  };
  return (
    <main id="main" class="page">
      <div class="page-head">
        <h1>Sync</h1>
        <button type="button" class="btn btn-primary" onClick={syncNow} disabled={busy || !kit}>
          {busy ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      {outcome && (
        <p
          class={outcome.failed ? 'error' : 'success'}
          role={outcome.failed ? 'alert' : 'status'}
          data-testid="sync-outcome"
        >
          {outcome.text}
        </p>
      )}
      {status && (
        <ul class="units" data-testid="units">
          {status.units
            .filter((u) => u.name !== 'all')
            .map((unit) => (
              <li key={unit.name}>
                <strong>{unitLabel(unit.name)}</strong> ({collectionsLabel(unit.collections)}):{' '}
                {freshnessText(unitFreshness(unit, status.units), now)}
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
                    {typeof c.local?.title === 'string'
                      ? c.local.title
                      : (titles.get(c.recordId) ?? 'A work order')}
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
              <FailedWrite key={write.id} write={write} titles={titles} />
            ))}
          </ul>
        )}
      </section>

      <section class="panel" aria-labelledby="waiting-heading">
        <h2 id="waiting-heading">Waiting to sync ({waiting.length})</h2>
        {waiting.length === 0 ? (
          <p class="muted">Everything is on the server.</p>
        ) : (
          <ol class="queue" data-testid="waiting-list">
            {waiting.map((write) => (
              <li key={write.id} class="queue-item">
                <span>
                  {describeWrite(write, titles)}
                  <span class="muted">
                    {' '}
                    — {write.state === 'sending' ? 'sending' : 'waiting'}
                    {write.attempts > 0 && `, ${write.attempts} tries`}
                    {write.nextAttemptAt &&
                      `, next try ${new Date(write.nextAttemptAt).toLocaleTimeString()}`}
                  </span>
                </span>
                {write.state === 'pending' && (
                  <button
                    type="button"
                    class="btn btn-small btn-danger"
                    aria-label={`Discard ${describeWrite(write, titles)}`}
                    onClick={() => discard(write)}
                  >
                    Discard
                  </button>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section class="panel" aria-labelledby="runs-heading">
        <h2 id="runs-heading">Recent syncs</h2>
        {runs.length === 0 ? (
          <p class="muted">No sync yet.</p>
        ) : (
          <ol class="queue" data-testid="past-runs">
            {runs.map((run) => (
              <li key={run.id}>
                <time dateTime={new Date(run.at).toISOString()}>{new Date(run.at).toLocaleTimeString()}</time>{' '}
                <strong class={run.outcome === 'failed' ? 'error-text' : undefined}>
                  {RUN_WORD[run.outcome]}
                </strong>
                <span class="muted">
                  {' '}
                  —{' '}
                  {run.outcome === 'failed' ? runProblem(run) : `${run.pushed} sent, ${run.pulled} received`}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}

function FailedWrite({ write, titles }: { write: QueuedWriteView; titles: ReadonlyMap<string, string> }) {
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
        <span class="card-title">{describeWrite(write, titles)}</span>
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
                    `Discard “${describeWrite(write, titles)}”? It will never reach the server, and this device goes back to the server’s version.`,
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
