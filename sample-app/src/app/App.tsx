import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized } from '../api/http.js';
import { ConflictResolver } from '../views/ConflictResolver.js';
import { DemoPanel } from '../views/DemoPanel.js';
import { NewWorkOrder } from '../views/NewWorkOrder.js';
import { Parts } from '../views/Parts.js';
import { SignIn } from '../views/SignIn.js';
import { StatusBar } from '../views/StatusBar.js';
import { SyncCenter } from '../views/SyncCenter.js';
import { WorkOrderDetail } from '../views/WorkOrderDetail.js';
import { WorkOrderList } from '../views/WorkOrderList.js';
import { handOverCredentials } from './connection.js';
import { href, screenKey, useRoute, type Route } from './router.js';
import { loadSession, saveSession, type Session } from './session.js';
import { SignOutDialog } from './SignOut.js';
import { useSyncState } from './store.js';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [expired, setExpired] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const route = useRoute();

  useEffect(() => onUnauthorized(() => setExpired(true)), []);

  if (!session || expired) {
    return (
      <>
        {expired && session && (
          <p class="banner banner-warn" role="alert">
            Your session expired. Sign in again: your unsynced changes are kept and sync afterwards.
          </p>
        )}
        <SignIn
          onSignedIn={(next) => {
            saveSession(next);
            setSession(next);
            setExpired(false);
            void handOverCredentials(next);
          }}
        />
      </>
    );
  }
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="appbar">
        <a class="brand" href={href({ name: 'work-orders' })}>
          <img src="/icons/icon.svg" alt="" width={28} height={28} />
          <span>Field Service</span>
        </a>
        <span class="user" data-testid="user">
          {session.user.name}
        </span>
        <button type="button" class="btn btn-small btn-ghost" onClick={() => setSigningOut(true)}>
          Sign out
        </button>
      </header>
      <StatusBar />
      <Nav route={route} />
      <RouteView route={route} />
      {signingOut && (
        <SignOutDialog
          onCancel={() => setSigningOut(false)}
          onSignedOut={() => {
            saveSession(null);
            setSigningOut(false);
            setSession(null);
            location.hash = '';
          }}
        />
      )}
    </>
  );
}

function Nav({ route }: { route: Route }) {
  const { status } = useSyncState();
  const attention = status ? status.conflicts + status.failed : 0;
  const current = (names: Route['name'][]): 'page' | undefined =>
    names.includes(route.name) ? 'page' : undefined;
  return (
    <nav class="tabs" aria-label="Main">
      <a
        href={href({ name: 'work-orders' })}
        aria-current={current(['work-orders', 'work-order', 'new-work-order'])}
      >
        Work orders
      </a>
      <a href={href({ name: 'parts' })} aria-current={current(['parts'])}>
        Parts
      </a>
      <a href={href({ name: 'sync' })} aria-current={current(['sync', 'conflict'])} data-testid="nav-sync">
        Sync
        {attention > 0 && (
          <span class="count" aria-label={`${attention} need attention`}>
            {attention}
          </span>
        )}
      </a>
      <a href={href({ name: 'demo' })} aria-current={current(['demo'])}>
        Demo
      </a>
    </nav>
  );
}

/**
 * Focuses the page's heading, now or as soon as it is drawn: a work order's heading comes with its data, after the
 * page itself. Gives up after 5 s, or when the page changes again (the returned cleanup).
 */
function focusHeadingWhenDrawn(): () => void {
  const focus = (): boolean => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (!heading) return false;
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    return true;
  };
  if (focus()) return () => undefined;
  const observer = new MutationObserver(() => {
    if (focus()) stop();
  });
  const timer = setTimeout(() => stop(), 5_000);
  const stop = (): void => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(document.body, { childList: true, subtree: true });
  return stop;
}

/** Moves focus to the new page's content on navigation, so keyboard and screen-reader users land where it changed. */
function RouteView({ route }: { route: Route }) {
  const first = useRef(true);
  // A work order that only changed its id is the same page: focus stays where the technician is typing.
  const key = screenKey(route);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    return focusHeadingWhenDrawn();
  }, [key]);
  switch (route.name) {
    case 'work-orders':
      return <WorkOrderList />;
    case 'new-work-order':
      return <NewWorkOrder />;
    case 'work-order':
      return <WorkOrderDetail key={key} id={route.id} />;
    case 'parts':
      return <Parts />;
    case 'sync':
      return <SyncCenter />;
    case 'conflict':
      return <ConflictResolver writeId={route.writeId} />;
    case 'demo':
      return <DemoPanel />;
  }
}
