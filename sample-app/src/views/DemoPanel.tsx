/**
 * For demos: the module's simulated offline ("Work offline") and server-mock's faults, so the whole sync experience
 * can be shown on a desk with a perfect connection.
 */
import { useEffect, useState } from 'preact/hooks';
import { listWorkOrders } from '../api/resources.js';
import {
  clearFaults,
  editAsAnotherUser,
  hasMockControl,
  readFaults,
  setFaults,
  type Faults,
} from '../api/mockControl.js';
import { refreshQueue, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { InlineDevtoolsButton } from './InlineDevtools.js';
import { describeFaults } from '../logic/faults.js';

export function WorkOfflineSwitch() {
  const { status, kit } = useSyncState();
  const [error, setError] = useState<string | null>(null);
  const on = status?.simulatedOffline ?? false;
  return (
    <div class="switch-row">
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          checked={on}
          disabled={!kit}
          onChange={(e) => {
            if (!kit) return;
            setError(null);
            kit
              .setSimulatedOffline(e.currentTarget.checked)
              .then(() => refreshQueue())
              .catch((reason: unknown) =>
                setError(reason instanceof Error ? reason.message : String(reason)),
              );
          }}
          data-testid="work-offline"
        />
        <span>Work offline</span>
      </label>
      <span class="muted">The app behaves exactly as without a network; turn it off to sync.</span>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function DemoPanel() {
  const [available, setAvailable] = useState<boolean | null>(null);
  const [faults, setCurrent] = useState<Record<string, unknown>>({});
  const [message, setMessage] = useState<string | null>(null);
  const orders = useLoad(listWorkOrders, []);
  const [target, setTarget] = useState('');
  useEffect(() => {
    void hasMockControl().then(async (yes) => {
      setAvailable(yes);
      if (yes) setCurrent(await readFaults().catch(() => ({})));
    });
  }, []);
  const { kit } = useSyncState();
  const apply = (action: () => Promise<void>, done: string): void => {
    setMessage(null);
    action()
      .then(async () => {
        setCurrent(await readFaults().catch(() => ({})));
        setMessage(done);
        // The worker learns whether the server answers only when it tries: a sync now makes the status bar say what
        // the fault just did, instead of "Online" until the next write fails.
        if (kit) await kit.syncNow().catch(() => undefined);
        await refreshQueue();
      })
      .catch((reason: unknown) => setMessage(reason instanceof Error ? reason.message : String(reason)));
  };
  const fault = (faults: Faults, done: string) => () => apply(() => setFaults(faults), done);
  const chosen = target || orders.data?.items[0]?.id || '';
  return (
    <main id="main" class="page">
      <h1>Demo controls</h1>
      <section class="panel" aria-labelledby="offline-heading">
        <h2 id="offline-heading">Connection</h2>
        <WorkOfflineSwitch />
      </section>
      <section class="panel" aria-labelledby="devtools-heading">
        <h2 id="devtools-heading">Inspect the sync queue</h2>
        <p class="muted">
          The Offline Kit panel shows the queue, local data, conflicts and sync history. With the browser
          extension it lives in DevTools; here it opens inside the page.
        </p>
        <InlineDevtoolsButton />
      </section>
      {available === false && (
        <p class="muted">This server has no demo controls (they exist on server-mock only).</p>
      )}
      {available && (
        <>
          <section class="panel" aria-labelledby="faults-heading">
            <h2 id="faults-heading">Server faults</h2>
            <p class="muted" data-testid="faults">
              Active: {describeFaults(faults, Date.now())}
            </p>
            <div class="button-grid">
              <button
                type="button"
                class="btn"
                onClick={fault({ latencyMs: 3000 }, 'Every API answer now takes 3 s.')}
              >
                Slow network (3 s)
              </button>
              <button
                type="button"
                class="btn"
                onClick={fault(
                  { failNext: { count: 3, status: 500 } },
                  'The next 3 API requests answer 500.',
                )}
              >
                Server errors (next 3)
              </button>
              <button
                type="button"
                class="btn"
                onClick={fault({ unreachableForMs: 60_000 }, 'The server is unreachable for 1 minute.')}
              >
                Unreachable server (1 min)
              </button>
              <button type="button" class="btn" onClick={() => apply(clearFaults, 'All faults cleared.')}>
                Clear faults
              </button>
            </div>
          </section>
          <section class="panel" aria-labelledby="other-user-heading">
            <h2 id="other-user-heading">Another user edits a work order</h2>
            <p class="muted">
              Change a work order on the server as a dispatcher. Edit the same work order here while offline
              to get a conflict.
            </p>
            <label for="other-target">Work order</label>
            <select id="other-target" value={chosen} onChange={(e) => setTarget(e.currentTarget.value)}>
              {(orders.data?.items ?? [])
                .filter((o) => !o.id.startsWith('tmp_'))
                .map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.title}
                  </option>
                ))}
            </select>
            <div class="button-grid">
              <button
                type="button"
                class="btn"
                disabled={!chosen}
                onClick={() =>
                  apply(
                    () =>
                      editAsAnotherUser('work-orders', chosen, {
                        status: 'cancelled',
                        description: `Dispatch: customer called to cancel (${new Date().toLocaleTimeString()}).`,
                      }),
                    'The dispatcher cancelled it and changed its description.',
                  )
                }
              >
                Dispatcher edits it
              </button>
            </div>
          </section>
        </>
      )}
      {message && (
        <p class="success" role="status">
          {message}
        </p>
      )}
    </main>
  );
}
