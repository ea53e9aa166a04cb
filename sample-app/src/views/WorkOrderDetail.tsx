import { useEffect, useState } from 'preact/hooks';
import { getWorkOrder, updateWorkOrder } from '../api/resources.js';
import { ApiError } from '../api/http.js';
import { STATUS_LABEL, WORK_ORDER_STATUSES, type WorkOrder } from '../api/types.js';
import { followNewId, href, navigate } from '../app/router.js';
import { pendingByRecord, refreshQueue, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { changedFields, fieldsOf, WorkOrderForm } from './WorkOrderForm.js';
import { PendingMarker } from './PendingMarker.js';
import { Notes } from './Notes.js';
import { Photos } from './Photos.js';
import { savingInUserWords } from '../logic/userError.js';

export function WorkOrderDetail({ id }: { id: string }) {
  const { dataVersion, queue, conflicts, newIds } = useSyncState();
  // Created offline, the work order gets its server id on sync: from then on it is read, and shown, under that id.
  const readId = newIds.get(id) ?? id;
  const loaded = useLoad(() => getWorkOrder(readId), [readId, dataVersion]);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // The address follows in place (the same screen, so drafts and focus stay), whether the id came with the
  // acknowledgement or the record came back under its new id.
  const loadedId = loaded.data?.id;
  const cameBackAs = id.startsWith('tmp_') && loadedId !== undefined && loadedId !== id ? loadedId : null;
  const newId = readId !== id ? readId : cameBackAs;
  useEffect(() => {
    if (newId) followNewId(id, newId);
  }, [newId]);
  // A temporary id with no server id that no longer opens was never synced and is gone (its creation was discarded).
  const gone = id.startsWith('tmp_') && readId === id && loaded.error !== null;
  useEffect(() => {
    if (gone) navigate({ name: 'work-orders' });
  }, [gone]);

  const order = loaded.data;
  if (!order) {
    return (
      <main id="main" class="page">
        <p>
          <a href={href({ name: 'work-orders' })}>← Work orders</a>
        </p>
        {loaded.error ? (
          <div class="error-block">
            <p class="error" role="alert">
              This work order could not be opened. {loaded.error}
            </p>
            <button type="button" class="btn" onClick={loaded.reload} disabled={loaded.loading}>
              {loaded.loading ? 'Retrying…' : 'Retry'}
            </button>
          </div>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </main>
    );
  }
  const state = pendingByRecord(queue).get(`work-orders/${order.id}`);
  const conflict = conflicts.find((c) => c.collection === 'work-orders' && c.recordId === order.id);

  const save = (patch: Record<string, unknown>, what: string): void => {
    if (Object.keys(patch).length === 0) {
      setEditing(false);
      return;
    }
    setBusy(true);
    setError(null);
    updateWorkOrder(order, patch)
      .then(({ queued }) => {
        setEditing(false);
        setSaved(
          queued
            ? `${what} saved on this device; it will sync when the server is reachable.`
            : `${what} saved.`,
        );
        void refreshQueue();
        loaded.reload();
      })
      .catch((reason: unknown) => {
        if (reason instanceof ApiError && reason.status === 409)
          setError('Someone else changed this work order. Open the conflict to choose what to keep.');
        else setError(savingInUserWords(reason, 'The change'));
        void refreshQueue();
      })
      .finally(() => setBusy(false));
  };

  return (
    <main id="main" class="page">
      <p>
        <a href={href({ name: 'work-orders' })}>← Work orders</a>
      </p>
      <div class="page-head">
        <h1 data-testid="work-order-title">{order.title}</h1>
        <PendingMarker state={state} />
      </div>
      {conflict && (
        <div class="banner banner-error" role="alert">
          <span>Someone else changed this work order while you were editing it.</span>
          <a class="btn btn-small" href={href({ name: 'conflict', writeId: conflict.writeId })}>
            Resolve conflict
          </a>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p class="success" role="status">
          {saved}
        </p>
      )}
      {editing ? (
        <WorkOrderForm
          initial={fieldsOf(order)}
          submitLabel="Save changes"
          busy={busy}
          onCancel={() => setEditing(false)}
          onSubmit={(fields) => save(changedFields(fieldsOf(order), fields), 'Changes')}
        />
      ) : (
        <WorkOrderSummary
          order={order}
          busy={busy}
          onStatus={(s) => save({ status: s }, 'Status')}
          onEdit={() => setEditing(true)}
        />
      )}
      <Notes workOrderId={newIds.get(order.id) ?? order.id} />
      <Photos workOrderId={newIds.get(order.id) ?? order.id} />
    </main>
  );
}

function WorkOrderSummary({
  order,
  busy,
  onStatus,
  onEdit,
}: {
  order: WorkOrder;
  busy: boolean;
  onStatus: (status: string) => void;
  onEdit: () => void;
}) {
  return (
    <section class="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <fieldset class="status-switch">
        <legend>Status</legend>
        {WORK_ORDER_STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            class={`btn btn-small${order.status === s ? ' btn-selected' : ''}`}
            aria-pressed={order.status === s}
            disabled={busy}
            onClick={() => order.status !== s && onStatus(s)}
          >
            {STATUS_LABEL[s]}
          </button>
        ))}
      </fieldset>
      <dl class="details">
        <dt>Priority</dt>
        <dd>{order.priority ?? 'normal'}</dd>
        <dt>Customer</dt>
        <dd>{order.customer || '—'}</dd>
        <dt>Address</dt>
        <dd>{order.address || '—'}</dd>
        <dt>Due</dt>
        <dd>{order.dueDate?.slice(0, 10) || '—'}</dd>
        <dt>Description</dt>
        <dd class="prewrap">{order.description || '—'}</dd>
        <dt>Reference</dt>
        <dd>
          {order.id.startsWith('tmp_')
            ? 'New, not on the server yet'
            : `${order.id} (version ${order.version ?? '?'})`}
        </dd>
      </dl>
      <button type="button" class="btn" onClick={onEdit}>
        Edit details
      </button>
    </section>
  );
}
