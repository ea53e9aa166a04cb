import { useState } from 'preact/hooks';
import { listWorkOrders } from '../api/resources.js';
import { STATUS_LABEL, WORK_ORDER_STATUSES, type WorkOrder } from '../api/types.js';
import { href } from '../app/router.js';
import { pendingByRecord, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { filterWorkOrders, sortWorkOrders } from '../logic/workOrderFilter.js';
import { childWritesByWorkOrder } from '../logic/childWrites.js';
import { Freshness } from './Freshness.js';
import { PendingMarker } from './PendingMarker.js';

export function WorkOrderList() {
  const { dataVersion, queue } = useSyncState();
  const orders = useLoad(listWorkOrders, [dataVersion]);
  const [status, setStatus] = useState('active');
  const [search, setSearch] = useState('');
  const markers = pendingByRecord(queue);
  const children = childWritesByWorkOrder(queue);
  const items = orders.data ? sortWorkOrders(filterWorkOrders(orders.data.items, status, search)) : [];
  return (
    <main id="main" class="page">
      <div class="page-head">
        <h1>Work orders</h1>
        <a class="btn btn-primary" href={href({ name: 'new-work-order' })}>
          New work order
        </a>
      </div>
      <Freshness asOf={orders.data?.asOf ?? null} area="work orders" onRefresh={orders.reload} />
      <div class="toolbar" role="search">
        <div class="field">
          <label for="wo-status">Status</label>
          <select id="wo-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="active">To do</option>
            <option value="all">All</option>
            {WORK_ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-grow">
          <label for="wo-search">Search</label>
          <input
            id="wo-search"
            type="search"
            placeholder="Title, customer, address"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
      </div>
      {orders.error && (
        <p class="error" role="alert">
          Could not load work orders. {orders.error}{' '}
          <button type="button" class="btn btn-small" onClick={orders.reload}>
            Try again
          </button>
        </p>
      )}
      {orders.loading && !orders.data && <p class="muted">Loading work orders…</p>}
      {orders.data && (
        <p class="muted" aria-live="polite">
          {items.length} of {orders.data.items.length} work orders
        </p>
      )}
      <ul class="cards" data-testid="work-order-list">
        {items.map((order) => (
          <WorkOrderRow
            key={order.id}
            order={order}
            state={markers.get(`work-orders/${order.id}`)}
            childPending={children.get(order.id) ?? 0}
          />
        ))}
      </ul>
      {orders.data && items.length === 0 && (
        <p class="empty">
          {orders.data.items.length === 0 ? 'No work orders assigned to you.' : 'Nothing matches.'}
        </p>
      )}
    </main>
  );
}

function WorkOrderRow({
  order,
  state,
  childPending,
}: {
  order: WorkOrder;
  state: ReturnType<ReturnType<typeof pendingByRecord>['get']>;
  childPending: number;
}) {
  return (
    <li class="card" data-testid="work-order-row" data-id={order.id}>
      <a class="card-link" href={href({ name: 'work-order', id: order.id })}>
        <span class="card-title">{order.title}</span>
        <span class="card-meta">
          <span class={`status status-${order.status}`}>{STATUS_LABEL[order.status] ?? order.status}</span>
          {order.priority === 'high' && (
            <span class={`priority priority-${order.priority}`}>{order.priority}</span>
          )}
          {order.customer && <span>{order.customer}</span>}
          {order.dueDate && <span>Due {order.dueDate.slice(0, 10)}</span>}
        </span>
        <span class="card-markers">
          <PendingMarker state={state} />
          {childPending > 0 && (
            <span class="marker marker-pending" data-testid="pending-marker">
              {childPending} unsynced {childPending === 1 ? 'note or photo' : 'notes or photos'}
            </span>
          )}
        </span>
      </a>
    </li>
  );
}
