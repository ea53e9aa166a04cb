/**
 * Our module, configured as the field-service app would configure it. The variant comes from the script's query
 * (`?batch=0`, `?encrypt=1`, `?rest=1`) so that one bundle serves every variant the benchmark compares.
 */
import { init } from '../../../sw/src/worker/index.js';
import { WRITE_COLLECTION } from '../shared/page-api.js';

declare const self: ServiceWorkerGlobalScope;

const options = new URL(self.location.href).searchParams;

void self.skipWaiting();
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

if (options.get('rest') === '1') {
  // A plain REST API (json-server, the "Plain REST" rows) as the root README's walk-through configures it: no
  // discovery request, no batch endpoint, so every write goes one per request (`concurrency` at a time across
  // independent records); `read-write-lww` because json-server has no versions; no delta, so `parts` is read whole.
  init({
    apiBase: '/api',
    wire: { kind: 'rest' },
    collections: {
      [WRITE_COLLECTION]: { policy: 'read-write-lww' },
      parts: { policy: 'read-only' },
    },
    syncUnits: { login: ['parts'] },
  });
} else {
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
}
