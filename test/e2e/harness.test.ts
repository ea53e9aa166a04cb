import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PATHS,
  dispatchSync,
  evalInServiceWorker,
  findChromium,
  kitOf,
  login,
  launchBrowser,
  openFixtureApp,
  screenshot,
  startMockServer,
  waitFor,
  type MockServer,
} from '../harness/index.js';

describe('harness', () => {
  let browser: Browser;
  let server: MockServer;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await startMockServer();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('finds a Chromium binary', () => {
    expect(existsSync(findChromium())).toBe(true);
  });

  it.each(['classic', 'module'] as const)(
    'the fixture app (%s worker) is controlled and its client answers',
    async (variant) => {
      const fixtureContext = await browser.newContext();
      try {
        const session = await login(server.url, 'alice');
        const page = await openFixtureApp(fixtureContext, server.url, { variant, session });
        const scriptUrl = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? '');
        expect(new URL(scriptUrl).pathname).toBe(
          variant === 'module' ? '/__fixtures/app/dist/sw.mjs' : '/__fixtures/app/dist/sw.js',
        );
        const status = await kitOf(page).getStatus();
        expect(status.user).toBe('alice');
        expect(status.devtools).toBe(true);
        expect(await page.textContent('#controlled')).toBe('yes');
        await screenshot(page, `harness-fixture-${variant}`);
      } finally {
        await fixtureContext.close();
      }
    },
  );

  it('runs code in the service worker and fires Background Sync events at it', async () => {
    const syncContext = await browser.newContext();
    try {
      const page = await openFixtureApp(syncContext, server.url);
      const scope = await evalInServiceWorker(
        syncContext,
        () => (self as unknown as { registration: { scope: string } }).registration.scope,
      );
      expect(scope).toBe(`${server.url}/__fixtures/app/dist/`);
      await evalInServiceWorker(syncContext, () => {
        const global = self as unknown as {
          harnessTags?: string[];
          addEventListener(t: string, l: (e: { tag: string }) => void): void;
        };
        global.harnessTags = [];
        global.addEventListener('sync', (event) => global.harnessTags?.push(event.tag));
      });
      await dispatchSync(page, 'harness-check');
      await waitFor(
        async () =>
          (
            await evalInServiceWorker(
              syncContext,
              () => (self as unknown as { harnessTags?: string[] }).harnessTags ?? [],
            )
          ).includes('harness-check'),
        { message: 'the sync event to reach the worker' },
      );
    } finally {
      await syncContext.close();
    }
  });

  it('a page of the app is controlled by its service worker', async () => {
    context = await browser.newContext();
    const useSampleApp = existsSync(PATHS.sampleAppDist);
    const page = useSampleApp ? await context.newPage() : await openFixtureApp(context, server.url);
    if (useSampleApp) await page.goto(`${server.url}/`);
    const scriptUrl = await waitFor(
      () => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null),
      { message: 'the page to be controlled by a service worker' },
    );
    expect(new URL(scriptUrl).origin).toBe(server.url);
    expect(context.serviceWorkers().map((w) => w.url())).toContain(scriptUrl);
    await screenshot(page, useSampleApp ? 'harness-sample-app' : 'harness-fixture-app');
  });
});
