/**
 * A newcomer's worst first hour (issue 15): the service worker's script throws while it starts (a configuration typo
 * makes `init()` throw), the browser never installs it, and the page's `connect()` waited forever — sign-in silently
 * did nothing. It must reject with `OfflineKitError` `worker_unavailable` within its timeout, and at once, with the
 * browser's own reason, when the page hands it the promise `register()` returned.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import type * as PageClient from '../../sw/src/client/index.js';
import { buildFixtureApp, useSuite } from '../harness/index.js';

declare global {
  interface Window {
    /** The page client module, as a page without a bundler loads it. */
    offlineKitClient?: typeof PageClient;
  }
}

interface Outcome {
  settled: 'resolved' | 'rejected' | 'still waiting';
  name: string | null;
  code: string | null;
  message: string;
  reason: string | null;
  ms: number;
}

/**
 * On a blank page of the fixture app's folder: registers the broken worker, calls `connect()` and reports how it
 * ended, giving up 5 s after the timeout (the code before issue 15 never settled).
 */
async function connectToBrokenWorker(
  page: Page,
  options: { timeoutMs: number; passRegistration: boolean },
): Promise<Outcome> {
  return page.evaluate(async ({ timeoutMs, passRegistration }) => {
    const client = window.offlineKitClient;
    if (client === undefined) throw new Error('the page client did not load');
    const { connect } = client;
    const registration = navigator.serviceWorker.register('./sw-broken.js');
    // An app that does not hand the promise over usually ignores its rejection too.
    registration.catch(() => undefined);
    const started = performance.now();
    const attempt = connect(passRegistration ? { timeoutMs, registration } : { timeoutMs }).then(
      (client): Outcome => {
        client.close();
        return { settled: 'resolved', name: null, code: null, message: '', reason: null, ms: 0 };
      },
      (error: unknown): Outcome => {
        const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
        const details = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<
          string,
          unknown
        >;
        return {
          settled: 'rejected',
          name: typeof e.name === 'string' ? e.name : null,
          code: typeof e.code === 'string' ? e.code : null,
          message: typeof e.message === 'string' ? e.message : String(error),
          reason: typeof details.reason === 'string' ? details.reason : null,
          ms: performance.now() - started,
        };
      },
    );
    const giveUp = new Promise<Outcome>((resolve) =>
      setTimeout(
        () =>
          resolve({
            settled: 'still waiting',
            name: null,
            code: null,
            message: '',
            reason: null,
            ms: performance.now() - started,
          }),
        timeoutMs + 5000,
      ),
    );
    return Promise.race([attempt, giveUp]);
  }, options);
}

describe('connect() when the service worker cannot start', () => {
  const suite = useSuite();

  async function blankPage(): Promise<Page> {
    await buildFixtureApp();
    const context = await suite.browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/__fixtures/app/dist/blank.html`);
    await page.addScriptTag({
      type: 'module',
      content: "import * as client from '/offline-kit/client.mjs'; window.offlineKitClient = client;",
    });
    await page.waitForFunction(() => window.offlineKitClient !== undefined);
    return page;
  }

  it('rejects with worker_unavailable within its timeout when no worker ever takes over', async () => {
    const page = await blankPage();
    const outcome = await connectToBrokenWorker(page, { timeoutMs: 2000, passRegistration: false });
    expect(outcome).toMatchObject({
      settled: 'rejected',
      name: 'OfflineKitError',
      code: 'worker_unavailable',
    });
    expect(outcome.ms).toBeGreaterThanOrEqual(1900);
    expect(outcome.ms).toBeLessThan(4000);
    // What the developer reads in the console: where to look for the worker's own error.
    expect(outcome.message).toMatch(/DevTools/);
  });

  it("rejects at once with the browser's reason when handed the registration", async () => {
    const page = await blankPage();
    const outcome = await connectToBrokenWorker(page, { timeoutMs: 20_000, passRegistration: true });
    expect(outcome).toMatchObject({
      settled: 'rejected',
      name: 'OfflineKitError',
      code: 'worker_unavailable',
    });
    expect(outcome.reason).toMatch(/evaluation failed/i);
    expect(outcome.message).toContain(outcome.reason ?? '(no reason)');
    expect(outcome.ms).toBeLessThan(5000);
  });
});
