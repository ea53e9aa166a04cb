/**
 * "Offline Kit registers its routes on workbox-routing's default router" (README), literally (issue 15): an app's
 * Workbox worker that bundles `@offline-kit/sw` from the package (test/fixtures/app/worker/sw-workbox.ts) and sets
 * its own route, default handler and catch handler — before `init()`, the order that two copies of Workbox get wrong:
 * the app's router then answers the API requests itself. With one router, each request meets the right handler.
 */
import { describe, expect, it } from 'vitest';
import { api, goOffline, goOnline, useSuite } from '../harness/index.js';

describe('beside an app’s own Workbox routes, default and catch handlers', () => {
  const suite = useSuite();

  it('answers the API itself and leaves every other request to the app’s handlers, online and offline', async () => {
    const { context, page } = await suite.open({ variant: 'workbox' });

    const read = await api(page, 'GET', '/api/work-orders');
    expect(read.status).toBe(200);
    expect(read.headers['offline-kit-source']).toBe('network');
    expect(read.headers['x-answered-by']).toBeUndefined();

    const own = await api(page, 'GET', '/__fixtures/app/dist/own-route');
    expect(own.headers['x-answered-by']).toBe('app-route');
    expect(own.text).toBe('own route');

    const other = await api(page, 'GET', '/__fixtures/outside-scope.html');
    expect(other.status).toBe(200);
    expect(other.headers['x-answered-by']).toBe('app-default');

    await goOffline(context);
    try {
      const offlineRead = await api(page, 'GET', '/api/work-orders');
      expect(offlineRead.status).toBe(200);
      expect(offlineRead.headers['offline-kit-source']).toBe('local');
      // The app's catch handler answers what its default handler could not fetch.
      const offlineOther = await api(page, 'GET', '/__fixtures/outside-scope.html?offline');
      expect(offlineOther.headers['x-answered-by']).toBe('app-catch');
      expect(offlineOther.status).toBe(503);
    } finally {
      await goOnline(context);
    }
  });
});
