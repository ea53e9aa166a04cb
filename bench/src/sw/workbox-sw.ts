/**
 * The Workbox recipe users already know, as its docs teach it: NetworkFirst for API reads, NetworkOnly with a
 * BackgroundSyncPlugin for writes. Built with the same esbuild settings as ours so the comparison is of the code,
 * not of the bundler.
 */
import { clientsClaim } from 'workbox-core';
import { registerRoute } from 'workbox-routing';
import { NetworkFirst, NetworkOnly } from 'workbox-strategies';
import { BackgroundSyncPlugin } from 'workbox-background-sync';
import type { RouteMatchCallback } from 'workbox-core/types.js';
import { WORKBOX_QUEUE } from '../shared/page-api.js';

declare const self: ServiceWorkerGlobalScope;

void self.skipWaiting();
clientsClaim();

const isApi: RouteMatchCallback = ({ url }) =>
  url.origin === self.location.origin && url.pathname.startsWith('/api/');

registerRoute(isApi, new NetworkFirst({ cacheName: 'bench-api' }), 'GET');

const backgroundSync = new BackgroundSyncPlugin(WORKBOX_QUEUE, { maxRetentionTime: 24 * 60 });
for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
  registerRoute(isApi, new NetworkOnly({ plugins: [backgroundSync] }), method);
}
