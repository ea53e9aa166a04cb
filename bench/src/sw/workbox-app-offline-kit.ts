/**
 * `workbox-app.ts` with Offline Kit added as the README says: one import of the package (its ES build, which shares
 * the app's workbox-routing and workbox-core) and one call. The difference in size is what adding it costs an app.
 */
import { init } from '@offline-kit/sw';
import { workboxApp } from './workbox-app.js';

init({
  apiBase: '/api',
  collections: {
    'work-orders': { policy: 'read-write-conflict' },
    parts: { policy: 'read-only-delta' },
  },
});
workboxApp();
