/**
 * The app's service worker: an ordinary Workbox one (precached app shell, navigation fallback), with Offline Kit added
 * by one import and one call. Built by vite-plugin-pwa (`injectManifest`), which fills in `self.__WB_MANIFEST`.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { init } from '@offline-kit/sw';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Every page of the app is the same shell; `/api` and server-mock's `/__mock` are never navigations to it.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/__mock\//] }),
);

init({
  apiBase: '/api',
  collections: {
    'work-orders': { policy: 'read-write-conflict', conflict: 'manual' },
    notes: { policy: 'read-write-conflict', parents: [{ field: 'workOrderId', collection: 'work-orders' }] },
    photos: { policy: 'read-write-lww', parents: [{ field: 'workOrderId', collection: 'work-orders' }] },
    parts: { policy: 'read-only-delta', read: 'cache-first' },
  },
  syncUnits: {
    login: ['work-orders', 'notes', 'photos', 'parts'],
    'send-changes': ['work-orders', 'notes', 'photos'],
    catalogue: ['parts'],
  },
});

// A new version of the app takes over at once: the shell is precached, and queued writes live in IndexedDB.
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
