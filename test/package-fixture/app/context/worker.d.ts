// What a worker's build and the classic bundle define, for the READMEs' worker snippets.
import type { PrecacheEntry } from 'workbox-precaching';

declare global {
  /** Filled in by vite-plugin-pwa or workbox-build (`injectManifest`). */
  var __WB_MANIFEST: (string | PrecacheEntry)[];
  /** The global `importScripts('/offline-kit/offline-kit-sw.js')` defines. */
  var OfflineKit: typeof import('@offline-kit/sw');
}
