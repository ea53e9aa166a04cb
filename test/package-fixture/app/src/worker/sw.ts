/**
 * An app's service worker as vite-plugin-pwa (`injectManifest`) builds it: Workbox precaching, a route, a default and
 * a catch handler of the app's own, and Offline Kit added as the README says.
 */
import { precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { registerRoute, setCatchHandler, setDefaultHandler } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';
import { init, OfflineKitError, type OfflineKitConfig, type SyncStatus } from '@offline-kit/sw';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

const config: OfflineKitConfig = {
  apiBase: '/api',
  collections: {
    'work-orders': { policy: 'read-write-conflict', conflict: 'manual' },
    notes: { policy: 'read-write-conflict', parents: [{ field: 'workOrderId', collection: 'work-orders' }] },
    parts: { policy: 'read-only-delta', read: 'cache-first' },
  },
  syncUnits: { login: ['work-orders', 'notes', 'parts'] },
  credentials: async () => ({ Authorization: 'Bearer from-the-worker' }),
};

let kit: ReturnType<typeof init> | null = null;
try {
  kit = init(config);
} catch (error) {
  if (error instanceof OfflineKitError && error.code === 'invalid_config') {
    console.error('Offline Kit configuration:', error.details);
  }
  throw error;
}

precacheAndRoute(self.__WB_MANIFEST);
registerRoute(({ request }) => request.destination === 'image', new CacheFirst({ cacheName: 'images' }));
setDefaultHandler(new NetworkOnly());
setCatchHandler(async () => Response.error());

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if (event.data !== 'status' || kit === null) return;
  event.waitUntil(
    kit.api.getStatus().then((status: SyncStatus) => {
      event.source?.postMessage({ pending: status.pending });
    }),
  );
});
