import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  launchPersistent,
  login,
  openFixtureApp,
  startMockServer,
  waitForQueueDrained,
  type MockServer,
  type PersistentBrowser,
} from '../harness/index.js';

/**
 * Promise 1 under storage pressure: a write the module cannot store is refused to the page with a clear error
 * (never answered 202 and then dropped), and what was queued before stays queued and reaches the server.
 *
 * The profile is on disk: Chromium's quota override does not apply to off-the-record contexts (a plain
 * `browser.newContext()`), whose storage lives in memory.
 */
describe('storage under quota pressure', () => {
  let server: MockServer;
  let browser: PersistentBrowser;

  beforeAll(async () => {
    server = await startMockServer();
    browser = await launchPersistent();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('refuses a write it cannot store with 507 quota_exceeded and keeps what was queued before', async () => {
    const { context } = browser;
    // DevTools can cap an origin's quota. The cap is set before the origin first stores anything (Chromium reads an
    // origin's quota once and keeps it), with room for the app and a few writes, not for a 4 MB one.
    const origin = new URL(server.url).origin;
    const [blank] = context.pages();
    if (!blank) throw new Error('a persistent context opens with one tab');
    // The override lives as long as the CDP session of this tab: keep it open, on the origin (a secure context).
    await blank.goto(`${server.url}/__mock/state`);
    const cdp = await context.newCDPSession(blank);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 2 * 1024 * 1024 });
    const session = await login(server.url, 'alice');
    const page = await openFixtureApp(context, server.url, { variant: 'module', session });
    await goOffline(context);
    const before = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'Queued before the disk filled' }),
    );
    expect(before.status, before.text).toBe(202);

    // Random text: IndexedDB compresses what it stores, so a repeated character would fit in almost nothing.
    const tooBig = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'Does not fit', description: randomBytes(3 * 1024 * 1024).toString('base64') }),
    );
    expect(tooBig.status, tooBig.text.slice(0, 200)).toBe(507);
    expect(tooBig.json).toMatchObject({ error: 'quota_exceeded' });

    const queued = await kitOf(page).listQueue();
    expect(queued.items.map((w) => (w.json as { title?: string } | null)?.title)).toEqual([
      'Queued before the disk filled',
    ]);

    // The service worker keeps serving: once there is room again, a write is accepted, and everything accepted
    // reaches the server exactly once.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    const after = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'After the disk was freed' }),
    );
    expect(after.status, after.text).toBe(202);
    await goOnline(context);
    await waitForQueueDrained(page);

    const titles = (await server.mock.liveRecords('work-orders')).map((r) => r.title);
    expect(titles.filter((t) => t === 'Queued before the disk filled')).toHaveLength(1);
    expect(titles.filter((t) => t === 'After the disk was freed')).toHaveLength(1);
    expect(titles).not.toContain('Does not fit');
  });
});
