import type { BrowserContext, Page } from 'playwright-core';
import type { OfflineKitApi, OfflineKitEvent, OfflineKitMethod } from '../../sw/src/protocol/api.js';
import type { FixtureAnswer, FixtureBody, FixtureHandle } from '../fixtures/app/page/fixture-api.js';
import type { Session } from './auth.js';

declare global {
  interface Window {
    offlineKitFixture: FixtureHandle;
  }
}

/**
 * `encrypted`: the classic worker with `encryptAtRest: { key: 'app' }`, `replayHeaders: ['x-tenant']`, `batch: false`.
 * `workbox`: an app's Workbox worker (own route, default and catch handlers) with the package bundled in.
 * `rest`, `etag`: the classic worker configured for json-server and for the ETag/412 API (`restConfig`, `etagConfig`).
 * `schema`: the app before an update that changes the shape of work orders (`sw-schema.js?v=1`; the test deploys `?v=2`).
 */
export type SwVariant = 'classic' | 'module' | 'encrypted' | 'workbox' | 'rest' | 'etag' | 'schema';

/** URL of the fixture app on a test server: the classic or the ES-module service worker. */
export function fixtureAppUrl(baseUrl: string, variant: SwVariant = 'classic'): string {
  return `${baseUrl}/__fixtures/app/dist/index.html?sw=${variant}`;
}

/**
 * Opens the fixture app in a new page and waits until its service worker controls it and the page client is
 * connected. With `session`, signs in (page token + `setCredentials`).
 */
export async function openFixtureApp(
  context: BrowserContext,
  baseUrl: string,
  options: { variant?: SwVariant; session?: Session } = {},
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(fixtureAppUrl(baseUrl, options.variant));
  await page.waitForFunction(() => typeof window.offlineKitFixture === 'object');
  await page.evaluate(() => window.offlineKitFixture.ready);
  if (options.session !== undefined) await signIn(page, options.session);
  return page;
}

/** After a reload or a browser restart: wait for the fixture page to be ready again. */
export async function fixtureReady(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof window.offlineKitFixture === 'object');
  await page.evaluate(() => window.offlineKitFixture.ready);
}

export async function signIn(page: Page, session: Session): Promise<void> {
  await page.evaluate((s) => window.offlineKitFixture.signIn(s), {
    token: session.token,
    user: session.user,
  });
}

/** The app's own fetch to the API from the page (so the service worker answers it). */
export async function api(
  page: Page,
  method: string,
  path: string,
  body?: FixtureBody,
  headers?: Record<string, string>,
): Promise<FixtureAnswer> {
  return page.evaluate(([m, p, b, h]) => window.offlineKitFixture.api(m, p, b, h), [
    method,
    path,
    body,
    headers,
  ] as const);
}

export function jsonBody(value: unknown): FixtureBody {
  return { kind: 'json', value };
}

/** Every event the page received on the module's BroadcastChannel so far. */
export async function pageEvents(page: Page): Promise<OfflineKitEvent[]> {
  return page.evaluate(() => window.offlineKitFixture.events);
}

/**
 * The page client as a typed `OfflineKitApi` in the test: each call runs `client[method](...args)` in the page.
 * Results cross `page.evaluate`, so they are plain data (as the API promises).
 */
export function kitOf(page: Page): OfflineKitApi {
  return new Proxy({} as OfflineKitApi, {
    get(_target, method) {
      // `then` must stay undefined, or `await kitOf(page)` would treat the proxy as a promise.
      if (typeof method !== 'string' || method === 'then') return undefined;
      return (...args: unknown[]) =>
        page.evaluate(([m, a]) => window.offlineKitFixture.call(m, a), [
          method as OfflineKitMethod,
          args,
        ] as const);
    },
  });
}
