/** The fields of a work order, for creating one and for editing one: the same labels and order in both places. */
import { useState } from 'preact/hooks';
import { PRIORITIES, STATUS_LABEL, WORK_ORDER_STATUSES, type WorkOrder } from '../api/types.js';

/** What the form edits: every value a string, as inputs hold them (an empty due date is sent as "none"). */
export interface WorkOrderFields {
  title: string;
  status: string;
  priority: string;
  customer: string;
  address: string;
  dueDate: string;
  description: string;
}

export const EMPTY_FIELDS: WorkOrderFields = {
  title: '',
  status: 'open',
  priority: 'normal',
  customer: '',
  address: '',
  dueDate: '',
  description: '',
};

export function fieldsOf(order: WorkOrder): WorkOrderFields {
  return {
    title: order.title,
    status: order.status,
    priority: order.priority ?? 'normal',
    customer: order.customer ?? '',
    address: order.address ?? '',
    dueDate: order.dueDate?.slice(0, 10) ?? '',
    description: order.description ?? '',
  };
}

/** Only the fields the person changed: a patch that touches less conflicts less. */
export function changedFields(before: WorkOrderFields, after: WorkOrderFields): Partial<WorkOrderFields> {
  const patch: Partial<WorkOrderFields> = {};
  for (const key of Object.keys(after) as (keyof WorkOrderFields)[]) {
    if (after[key] !== before[key]) patch[key] = after[key];
  }
  return patch;
}

export function WorkOrderForm({
  initial,
  submitLabel,
  busy,
  onSubmit,
  onCancel,
}: {
  initial: WorkOrderFields;
  submitLabel: string;
  busy: boolean;
  onSubmit: (fields: WorkOrderFields) => void;
  onCancel: () => void;
}) {
  const [fields, setFields] = useState(initial);
  const set =
    (key: keyof WorkOrderFields) =>
    (event: Event): void => {
      const target = event.currentTarget as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
      setFields((current) => ({ ...current, [key]: target.value }));
    };
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit({ ...fields, title: fields.title.trim() });
      }}
    >
      <label for="wo-title">Title</label>
      <input id="wo-title" value={fields.title} onInput={set('title')} required maxLength={200} />
      <div class="form-row">
        <div class="field">
          <label for="wo-status-edit">Status</label>
          <select id="wo-status-edit" value={fields.status} onChange={set('status')}>
            {WORK_ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="wo-priority">Priority</label>
          <select id="wo-priority" value={fields.priority} onChange={set('priority')}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p[0]?.toUpperCase() + p.slice(1)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label for="wo-customer">Customer</label>
      <input id="wo-customer" value={fields.customer} onInput={set('customer')} autocomplete="organization" />
      <label for="wo-address">Address</label>
      <input id="wo-address" value={fields.address} onInput={set('address')} autocomplete="street-address" />
      <label for="wo-due">Due date</label>
      <input id="wo-due" type="date" value={fields.dueDate} onInput={set('dueDate')} />
      <label for="wo-description">Description</label>
      <textarea id="wo-description" rows={4} value={fields.description} onInput={set('description')} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
