import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { login, type Session } from './auth.js';
import { launchBrowser } from './chromium.js';
import { kitOf, openFixtureApp, type SwVariant } from './fixture-page.js';
import { describe, isObject, isString } from './guards.js';
import type { FixtureAnswer } from '../fixtures/app/page/fixture-api.js';
import { startMockServer, type MockServer, type MockServerOptions } from './server.js';
import { waitFor } from './wait.js';

export interface Suite {
  readonly server: MockServer;
  readonly browser: Browser;
  /** A fresh context (clean profile) with the fixture app open, signed in as `user`; closed after the test. */
  open(options?: {
    variant?: SwVariant;
    user?: string;
  }): Promise<{ context: BrowserContext; page: Page; session: Session }>;
}

/**
 * One browser and one server for the whole file (launching is the slow part), a clean context and a reset server
 * for every test. Call at the top of a `describe`.
 */
export function useSuite(options: MockServerOptions = {}): Suite {
  let server: MockServer | null = null;
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startMockServer(options);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await server?.mock.reset();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const suite: Suite = {
    get server() {
      if (server === null) throw new Error('the suite has not started');
      return server;
    },
    get browser() {
      if (browser === null) throw new Error('the suite has not started');
      return browser;
    },
    async open(openOptions = {}) {
      const context = await suite.browser.newContext();
      contexts.push(context);
      const session = await login(suite.server.url, openOptions.user ?? 'alice');
      const page = await openFixtureApp(context, suite.server.url, { variant: openOptions.variant, session });
      return { context, page, session };
    },
  };
  return suite;
}

/** Waits until nothing is queued, sending or syncing (conflicts and failures excluded: they wait for a person). */
export async function waitForQueueDrained(page: Page, timeout = 15_000): Promise<void> {
  await waitFor(
    async () => {
      const status = await kitOf(page).getStatus();
      if (status.pending === 0 && status.syncing === null) return true;
      // Thrown, not returned: waitFor reports the last error, so a timeout says what the queue was stuck on.
      const { units: _units, ...brief } = status;
      throw new Error(`not drained: ${describe(brief)}`);
    },
    { timeout, message: 'the queue to drain' },
  );
}

/** The queued write's id (its Idempotency-Key) from a 202 answer. */
export function writeIdOf(answer: FixtureAnswer): string {
  const id = answer.headers['offline-kit-write-id'];
  if (id === undefined) throw new Error(`no Offline-Kit-Write-Id on answer ${answer.status}: ${answer.text}`);
  return id;
}

/** The record in a JSON answer (a create's `tmp_…` id while it is queued). */
export function recordOf(answer: FixtureAnswer): { id: string } & Record<string, unknown> {
  const body = answer.json;
  if (isObject(body) && isString(body.id)) return { ...body, id: body.id };
  throw new Error(`no record in answer ${answer.status}: ${answer.text}`);
}

/** The records of a list answer (`{ records: [...] }`). */
export function recordsOf(answer: FixtureAnswer): ({ id: string } & Record<string, unknown>)[] {
  const body = answer.json;
  if (!isObject(body) || !Array.isArray(body.records)) {
    throw new Error(`no records in answer ${answer.status}: ${answer.text}`);
  }
  return body.records.flatMap((r: unknown) => (isObject(r) && isString(r.id) ? [{ ...r, id: r.id }] : []));
}
