/** An app's page: registers the worker, connects, signs in, listens, and mounts the inline panel in development. */
import { connect, OfflineKitError, type OfflineKitClient } from '@offline-kit/sw/client';
import type { OfflineKitEvent, SyncStatus } from '@offline-kit/sw/protocol';
import { mountInlinePanel } from '@offline-kit/devtools-extension/inline';

function show(status: SyncStatus): void {
  document.title = status.pending > 0 ? `(${status.pending}) My app` : 'My app';
}

async function start(session: { token: string; user: string } | null): Promise<OfflineKitClient | null> {
  try {
    const kit = await connect({
      registration: navigator.serviceWorker.register('/sw.js', { type: 'module' }),
      timeoutMs: 10_000,
      credentials: async () =>
        session ? { headers: { Authorization: `Bearer ${session.token}` }, user: session.user } : null,
    });
    kit.on('status', (event) => show(event.status));
    kit.on('*', (event: OfflineKitEvent) => console.info(event.type));
    show(await kit.getStatus());
    return kit;
  } catch (error) {
    if (error instanceof OfflineKitError && error.code === 'worker_unavailable') {
      console.error(error.message, error.details);
      return null;
    }
    throw error;
  }
}

const kit = await start(null);
if (kit !== null && location.hostname === 'localhost') {
  const panel = mountInlinePanel({ theme: 'dark' });
  window.addEventListener('pagehide', () => panel.close());
}
