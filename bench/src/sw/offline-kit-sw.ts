/**
 * Our module, configured as the field-service app would configure it. The variant comes from the script's query
 * (`?batch=0`, `?encrypt=1`) so that one bundle serves every variant the benchmark compares.
 */
import { init } from '../../../sw/src/worker/index.js';
import { WRITE_COLLECTION } from '../shared/page-api.js';

declare const self: ServiceWorkerGlobalScope;

const options = new URL(self.location.href).searchParams;

void self.skipWaiting();
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

init({
  apiBase: '/api',
  collections: {
    [WRITE_COLLECTION]: { policy: 'read-write-conflict' },
    parts: { policy: 'read-only-delta', pageSize: 1000 },
  },
  syncUnits: { login: ['parts'] },
  batch: options.get('batch') !== '0',
  encryptAtRest: options.get('encrypt') === '1',
});
