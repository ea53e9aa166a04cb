import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  recordsOf,
  screenshot,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';

/**
 * Answers a proxy or a broken backend might give on a write. None of them is an acknowledgement. (A `2xx` is one,
 * readable or not: `sw/test/delivery.test.ts`; a portal's page reached through a redirect is not: `engine.test.ts`.)
 */
const BAD_ANSWERS: [string, (route: Route) => Promise<void>][] = [
  [
    'an HTML error page',
    (route) =>
      route.fulfill({
        status: 502,
        contentType: 'text/html',
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      }),
  ],
];

function isWrite(route: Route): boolean {
  return route.request().method() !== 'GET' && new URL(route.request().url()).pathname.startsWith('/api/');
}

describe('malformed server answers', () => {
  const suite = useSuite();

  it.each(BAD_ANSWERS)(
    '%s: the write stays queued with a typed error, then reaches a good server once',
    async (name, answer) => {
      const { context, page } = await suite.open();
      const { mock } = suite.server;
      await api(page, 'GET', '/api/work-orders');
      const title = `Survives ${name}`;

      await goOffline(context);
      const write = await api(page, 'POST', '/api/work-orders', jsonBody({ title }));
      expect(write.status, write.text).toBe(202);
      const writeId = writeIdOf(write);

      // context.route sees the service worker's own fetches: its replay meets the bad answer, reads pass through.
      await context.route('**/api/**', (route) => (isWrite(route) ? answer(route) : route.fallback()));
      await goOnline(context);
      const failed = await waitFor(
        async () => {
          const queued = (await kitOf(page).listQueue()).items.find((w) => w.id === writeId);
          return queued !== undefined && queued.attempts > 0 && queued.lastError !== null && queued;
        },
        { message: 'a replay attempt that met the bad answer' },
      );
      expect(['bad_response', 'server_error']).toContain(failed.lastError?.code);
      expect(failed.state).not.toBe('conflict');
      // Visible to a person, with its reason, on the page.
      const code = failed.lastError?.code ?? '';
      await waitFor(async () => (await page.textContent('#queue'))?.includes(code), {
        message: `the page to show the write with ${code}`,
      });
      await screenshot(page, `reliability-bad-input-${name.replace(/\W+/g, '-')}`);

      // The worker keeps serving the app.
      const list = await api(page, 'GET', '/api/work-orders');
      expect(list.status).toBe(200);
      expect(recordsOf(list).some((r) => r.title === title)).toBe(true);
      expect((await mock.liveRecords('work-orders')).filter((r) => r.title === title)).toEqual([]);

      await context.unroute('**/api/**');
      await kitOf(page).retryWrite(writeId);
      await waitForQueueDrained(page);
      expect((await mock.liveRecords('work-orders')).filter((r) => r.title === title)).toHaveLength(1);
      expect(timesApplied(await mock.log(), writeId)).toBe(1);
    },
  );

  it('ignores messages from unexpected senders and keeps the queue', async () => {
    const { context, page } = await suite.open();
    await api(page, 'GET', '/api/work-orders');
    await goOffline(context);
    const write = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'Not discarded by strangers' }),
    );
    expect(write.status).toBe(202);
    const writeId = writeIdOf(write);

    await page.evaluate((id) => {
      const worker = navigator.serviceWorker.controller;
      if (worker === null) throw new Error('no controller');
      const junk: unknown[] = [
        null,
        42,
        'discardWrite',
        { kind: 'request', id: 1, method: 'discardWrite', params: [id] },
        // A devtools request without the handshake or its port: must not be executed.
        {
          source: 'offline-kit-devtools',
          v: 1,
          kind: 'request',
          id: 2,
          method: 'discardWrite',
          params: [id],
        },
        {
          source: 'offline-kit-devtools',
          v: 1,
          kind: 'request',
          id: 3,
          method: 'clearLocalData',
          params: [{ unsynced: 'discard' }],
        },
        { source: 'offline-kit-devtools', v: 99, kind: 'connect' },
        { type: 'discardWrite', writeId: id },
        { __proto__: { kind: 'request' } },
      ];
      for (const message of junk) worker.postMessage(message);
      // Pretend to be the worker on its own event channel.
      const channel = new BroadcastChannel('offline-kit');
      channel.postMessage({ type: 'write-discarded', writeId: id });
      channel.postMessage({ type: 'resolveConflict', writeId: id });
      channel.close();
    }, writeId);

    // Still serving and still holding the write.
    await waitFor(async () => (await api(page, 'GET', '/api/work-orders')).status === 200, {
      message: 'reads',
    });
    expect((await kitOf(page).listQueue()).items.map((w) => w.id)).toContain(writeId);

    await goOnline(context);
    await waitForQueueDrained(page);
    const held = (await suite.server.mock.liveRecords('work-orders')).filter(
      (r) => r.title === 'Not discarded by strangers',
    );
    expect(held).toHaveLength(1);
  });
});
