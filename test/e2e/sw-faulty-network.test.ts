import { describe, expect, it } from 'vitest';
import { api, recordsOf, useSuite, waitForQueueDrained } from '../harness/index.js';

/**
 * Networks that answer without the API (issue #13): a 5xx, or a captive portal's HTML login page on a 200, to a read
 * of a list the app had loaded is answered from the local copy, exactly as when the network is down, and the real
 * answer is never stored. In real Chromium, through the service worker.
 */
describe('reads on a faulty network', () => {
  const suite = useSuite();

  for (const [name, fault] of [
    ['a 500', { failNext: { count: 1, status: 500, pathPrefix: '/api/work-orders' } }],
    ["a captive portal's HTML page", { htmlNext: { count: 1, pathPrefix: '/api/work-orders' } }],
  ] as const) {
    it(`${name} to a list read online: the page gets the stored list, source local`, async () => {
      const { page } = await suite.open();
      const { mock } = suite.server;
      const online = await api(page, 'GET', '/api/work-orders');
      expect(online.status).toBe(200);
      expect(online.headers['offline-kit-source']).toBe('network');
      const titles = recordsOf(online)
        .map((r) => String(r.title))
        .sort();
      expect(titles.length).toBeGreaterThan(0);
      // The worker's own start-up sync is over: the fault meets the page's read, not a pull.
      await waitForQueueDrained(page);

      await mock.faults(fault);
      const faulty = await api(page, 'GET', '/api/work-orders');
      expect(faulty.status).toBe(200);
      expect(faulty.headers['offline-kit-source']).toBe('local');
      expect(faulty.headers['offline-kit-last-sync']).toBeTruthy();
      expect(
        recordsOf(faulty)
          .map((r) => String(r.title))
          .sort(),
      ).toEqual(titles);
      // The fault was met (not skipped), and what is stored is still the API's list.
      expect((await mock.log()).some((e) => e.path === '/api/work-orders' && e.fault !== null)).toBe(true);
      const again = await api(page, 'GET', '/api/work-orders');
      expect(again.headers['offline-kit-source']).toBe('network');
      expect(
        recordsOf(again)
          .map((r) => String(r.title))
          .sort(),
      ).toEqual(titles);
    });
  }

  it('with no local copy, the page gets the real answer unchanged', async () => {
    const { page } = await suite.open();
    await waitForQueueDrained(page);
    await suite.server.mock.faults({ htmlNext: { count: 1, pathPrefix: '/api/work-orders/wo_unknown' } });
    const portal = await api(page, 'GET', '/api/work-orders/wo_unknown');
    expect(portal.status).toBe(200);
    expect(portal.headers['content-type']).toMatch(/^text\/html/);
    expect(portal.text).toContain('Sign in to the Wi-Fi');
  });
});
