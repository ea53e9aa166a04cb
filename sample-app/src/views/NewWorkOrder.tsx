import { useState } from 'preact/hooks';
import { createWorkOrder } from '../api/resources.js';
import { navigate } from '../app/router.js';
import { refreshQueue } from '../app/store.js';
import { EMPTY_FIELDS, WorkOrderForm, type WorkOrderFields } from './WorkOrderForm.js';
import { savingInUserWords } from '../logic/userError.js';

/** Empty optional fields are left out, so the server stores what the technician typed and nothing else. */
function compact(fields: WorkOrderFields): WorkOrderFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')) as WorkOrderFields;
}

export function NewWorkOrder() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <main id="main" class="page">
      <h1>New work order</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <WorkOrderForm
        initial={EMPTY_FIELDS}
        submitLabel="Create work order"
        busy={busy}
        onCancel={() => navigate({ name: 'work-orders' })}
        onSubmit={(fields) => {
          setBusy(true);
          createWorkOrder(compact(fields))
            .then(({ order }) => {
              void refreshQueue();
              navigate({ name: 'work-order', id: order.id });
            })
            .catch((reason: unknown) => {
              setError(savingInUserWords(reason, 'The work order'));
              setBusy(false);
            });
        }}
      />
    </main>
  );
}
