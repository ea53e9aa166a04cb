import type { SyncStatus } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectionState, NotFoundReason, PanelClient } from './client.js';
import { useLive } from './live.js';
import { Conflicts } from './views/Conflicts.js';
import { History } from './views/History.js';
import { LocalData } from './views/LocalData.js';
import { Network } from './views/Network.js';
import { Overview } from './views/Overview.js';
import { Queue } from './views/Queue.js';

export type ViewId = 'overview' | 'queue' | 'data' | 'conflicts' | 'history' | 'network';

const VIEWS: { id: ViewId; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'queue', label: 'Queue' },
  { id: 'data', label: 'Local data' },
  { id: 'conflicts', label: 'Conflicts' },
  { id: 'history', label: 'History' },
  { id: 'network', label: 'Network' },
];

export function useConnection(client: PanelClient): { state: ConnectionState; epoch: number } {
  const [state, setState] = useState(client.connection());
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    setState(client.connection());
    return client.onConnection((next) => {
      setState(next);
      // Every (re)connection may follow a service-worker restart or a reload: the views start afresh from it.
      if (next.status === 'connected') setEpoch((n) => n + 1);
    });
  }, [client]);
  return { state, epoch };
}

export function App(props: { client: PanelClient; onClose?: () => void; initialView?: ViewId }): JSX.Element {
  const { client } = props;
  const { state, epoch } = useConnection(client);
  // Kept here, outside the per-connection subtree, so a reconnect (service worker or background restart) reloads
  // the data but leaves the developer on the view they were looking at.
  const [view, setView] = useState<ViewId>(props.initialView ?? 'overview');
  return (
    <>
      <header class="okp-header">
        <span class="okp-title">Offline Kit</span>
        <ConnectionChip state={state} />
        <span class="okp-spacer" />
        {props.onClose ? (
          <button
            type="button"
            aria-label="Close Offline Kit panel"
            data-testid="okp-close"
            onClick={props.onClose}
          >
            ✕
          </button>
        ) : null}
      </header>
      {state.status === 'connected' ? (
        <Connected key={epoch} client={client} module={state} view={view} onView={setView} />
      ) : (
        <Notice state={state} />
      )}
    </>
  );
}

function ConnectionChip(props: { state: ConnectionState }): JSX.Element {
  const { state } = props;
  const [text, kind] =
    state.status === 'connected'
      ? [`v${state.moduleVersion} · ${state.origin}`, 'ok']
      : state.status === 'connecting'
        ? ['connecting…', 'warn']
        : state.status === 'disabled'
          ? ['devtools disabled', 'err']
          : ['not found', 'err'];
  return (
    <span
      class="okp-chip"
      data-kind={kind}
      data-testid="okp-connection"
      data-status={state.status}
      role="status"
    >
      {text}
    </span>
  );
}

const NOT_FOUND: Record<NotFoundReason, { why: string; hint: string }> = {
  'no-controller': {
    why: 'No service worker controls this page.',
    hint: 'Offline Kit runs inside your service worker. Check that the page registers it and that it has claimed the page (call clients.claim(), or reload once after the first install).',
  },
  'no-answer': {
    why: 'A service worker controls this page, but Offline Kit did not answer it.',
    hint: "Check that the service worker imports @offline-kit/sw and calls init(). If it does, it may still be starting: the panel keeps trying. An older module version without the devtools bridge can't be inspected.",
  },
  'insecure-context': {
    why: 'This page is not a secure context, so it cannot have a service worker.',
    hint: 'Serve the app over https, or from http://localhost or http://127.0.0.1 while developing.',
  },
  'no-content-script': {
    why: 'The extension cannot reach this page.',
    hint: 'Browser pages (chrome://, the extension store) cannot be inspected. For a page opened before the extension was installed or updated, reload the page.',
  },
};

function Notice(props: { state: Exclude<ConnectionState, { status: 'connected' }> }): JSX.Element {
  const { state } = props;
  if (state.status === 'connecting') {
    return (
      <div class="okp-notice" data-testid="okp-notice" data-kind="connecting">
        <h2>Connecting…</h2>
        <p>{state.detail}</p>
      </div>
    );
  }
  if (state.status === 'disabled') {
    return (
      <div class="okp-notice" data-testid="okp-notice" data-kind="disabled">
        <h2>Offline Kit is here, but its devtools bridge is turned off</h2>
        <p>{state.reason}</p>
        <p>
          The bridge answers by default on localhost. To inspect a production build, pass{' '}
          <code>devtools: true</code> to <code>init()</code> in your service worker (for example behind a
          debug flag).
        </p>
      </div>
    );
  }
  const text = NOT_FOUND[state.reason];
  return (
    <div class="okp-notice" data-testid="okp-notice" data-kind="not-found" data-reason={state.reason}>
      <h2>Offline Kit not found on this page</h2>
      <p>{text.why}</p>
      <p class="okp-dim">{text.hint}</p>
    </div>
  );
}

function Connected(props: {
  client: PanelClient;
  module: { moduleVersion: string; origin: string; scope: string };
  view: ViewId;
  onView: (view: ViewId) => void;
}): JSX.Element {
  const { client, view, onView: setView } = props;
  const [status, setStatus] = useState<SyncStatus | undefined>(undefined);
  const tabRefs = useRef<Partial<Record<ViewId, HTMLButtonElement | null>>>({});

  const fetched = useLive(
    client,
    () => client.call('getStatus'),
    [],
    (event) => event.type !== 'status',
  );
  useEffect(() => {
    if (fetched.data) setStatus(fetched.data);
  }, [fetched.data]);
  // `status` events carry the whole status: use them as they come rather than asking again.
  useEffect(() => client.subscribe((event) => event.type === 'status' && setStatus(event.status)), [client]);

  const collections = useLive(
    client,
    () => client.call('listCollections'),
    [],
    (event) =>
      event.type === 'data-changed' || event.type === 'sync-completed' || event.type.startsWith('write-'),
  );

  const badge: Partial<Record<ViewId, number>> = {
    queue: status ? status.pending + status.failed + status.conflicts : 0,
    conflicts: status?.conflicts ?? 0,
  };

  const onTabKey = (event: KeyboardEvent): void => {
    const index = VIEWS.findIndex((v) => v.id === view);
    const next =
      event.key === 'ArrowRight'
        ? (index + 1) % VIEWS.length
        : event.key === 'ArrowLeft'
          ? (index - 1 + VIEWS.length) % VIEWS.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? VIEWS.length - 1
              : -1;
    const target = VIEWS[next];
    if (!target) return;
    event.preventDefault();
    setView(target.id);
    tabRefs.current[target.id]?.focus();
  };

  return (
    <>
      <div class="okp-tabs" role="tablist" aria-label="Offline Kit views" onKeyDown={onTabKey}>
        {VIEWS.map((v) => (
          <button
            key={v.id}
            ref={(el) => {
              tabRefs.current[v.id] = el;
            }}
            type="button"
            role="tab"
            id={`okp-tab-${v.id}`}
            class="okp-tab"
            aria-selected={v.id === view}
            aria-controls="okp-tabpanel"
            tabIndex={v.id === view ? 0 : -1}
            data-testid={`okp-tab-${v.id}`}
            onClick={() => setView(v.id)}
          >
            {v.label}
            {badge[v.id] ? (
              <span class="okp-badge" data-testid={`okp-badge-${v.id}`}>
                {badge[v.id]}
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <main class="okp-main" role="tabpanel" id="okp-tabpanel" aria-labelledby={`okp-tab-${view}`}>
        {view === 'overview' ? (
          <Overview status={status} error={fetched.error} module={props.module} />
        ) : null}
        {view === 'queue' ? (
          <Queue client={client} collections={(collections.data ?? []).map((c) => c.name)} />
        ) : null}
        {view === 'data' ? <LocalData client={client} collections={collections.data} /> : null}
        {view === 'conflicts' ? <Conflicts client={client} /> : null}
        {view === 'history' ? <History client={client} /> : null}
        {view === 'network' ? <Network client={client} status={status} /> : null}
      </main>
    </>
  );
}
