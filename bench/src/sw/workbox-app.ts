/**
 * A typical Workbox app's service worker, as vite-plugin-pwa's `injectManifest` users write it: precached app shell,
 * navigation fallback, cached images and fonts. The baseline of the app-side cost of adding Offline Kit: build.mjs
 * bundles `workboxApp()` alone and `workbox-app-offline-kit.ts` (the same plus one import and one call).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, StaleWhileRevalidate } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope;

export function workboxApp(): void {
  precacheAndRoute([
    { url: '/index.html', revision: '1' },
    { url: '/app.js', revision: '1' },
  ]);
  cleanupOutdatedCaches();
  registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));
  registerRoute(({ request }) => request.destination === 'image', new CacheFirst({ cacheName: 'images' }));
  registerRoute(
    ({ request }) => request.destination === 'font',
    new StaleWhileRevalidate({ cacheName: 'fonts' }),
  );
  self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
}
