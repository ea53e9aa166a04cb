/**
 * Starting Offline Kit from the page: register the service worker, connect the client, feed the store with its
 * events, and hand it the signed-in technician's credentials (kept in memory by the worker, never stored there).
 */
import { onWritesInFlight } from '../api/http.js';
import { getKit } from '../kit/kit.js';
import { loadSession, type Session } from './session.js';
import { getState, handleEvent, refreshQueue, update } from './store.js';

export async function startOfflineKit(): Promise<void> {
  addEventListener('online', () => update({ browserOnline: true }));
  addEventListener('offline', () => update({ browserOnline: false }));
  onWritesInFlight((saving) => update({ saving }));
  if (!('serviceWorker' in navigator)) {
    update({ kitError: 'this browser has no service workers; the app needs a connection.' });
    return;
  }
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    const kit = await getKit();
    kit.subscribe(handleEvent);
    update({ kit, status: await kit.getStatus() });
    const session = loadSession();
    if (session) await handOverCredentials(session);
    await refreshQueue();
  } catch (error) {
    console.error('Offline Kit did not start', error);
    update({ kitError: error instanceof Error ? error.message : String(error) });
  }
}

export async function handOverCredentials(session: Session): Promise<void> {
  const kit = getState().kit;
  if (!kit) return;
  try {
    await kit.setCredentials({
      headers: { Authorization: `Bearer ${session.token}` },
      user: session.user.id,
    });
    await refreshQueue();
  } catch (error) {
    console.warn('Could not hand the credentials to the service worker', error);
  }
}
