import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Session } from './auth.js';
import { launchBrowser } from './chromium.js';
import { openFixtureApp, type SwVariant } from './fixture-page.js';

export interface RestSuite<B> {
  readonly backend: B;
  readonly browser: Browser;
  /** A fresh context (clean profile) with the fixture app open on `variant`, signed in; closed after the test. */
  open(user?: string): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * These backends have no sign-in: the page still hands the worker a token, as an app does, and the backend ignores
 * it. The user only names the local database.
 */
function sessionOf(user: string): Session {
  const token = `token-of-${user}`;
  return { token, user, headers: { Authorization: `Bearer ${token}` } };
}

/**
 * One browser and one backend per file, a fresh context and a reset backend per test (as `useSuite` does for
 * server-mock). Call at the top of a `describe`.
 */
export function useRestSuite<B extends { url: string; reset(): Promise<void>; close(): Promise<void> }>(
  start: () => Promise<B>,
  variant: SwVariant,
): RestSuite<B> {
  let backend: B | null = null;
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    backend = await start();
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await backend?.reset();
  });
  afterAll(async () => {
    await browser?.close();
    await backend?.close();
  });

  const suite: RestSuite<B> = {
    get backend() {
      if (backend === null) throw new Error('the suite has not started');
      return backend;
    },
    get browser() {
      if (browser === null) throw new Error('the suite has not started');
      return browser;
    },
    async open(user = 'alice') {
      const context = await suite.browser.newContext();
      contexts.push(context);
      const page = await openFixtureApp(context, suite.backend.url, { variant, session: sessionOf(user) });
      return { context, page };
    },
  };
  return suite;
}
