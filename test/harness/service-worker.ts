import type { BrowserContext, CDPSession, Page, Worker } from 'playwright-core';
import { isArrayOf, isObject, isString } from './guards.js';
import { stopAllServiceWorkers } from './stop-workers.js';
import { waitFor } from './wait.js';

/** The service worker whose script URL contains `urlPart` (default: any), waiting for it to appear. */
export async function getServiceWorker(context: BrowserContext, urlPart = ''): Promise<Worker> {
  return waitFor(() => context.serviceWorkers().find((w) => w.url().includes(urlPart)), {
    timeout: 10_000,
    message: `a service worker matching "${urlPart}"`,
  });
}

/** Runs `fn(arg)` inside the (running) service worker; `arg` is plain data and arrives as `unknown` to narrow. */
export async function evalInServiceWorker<R>(
  context: BrowserContext,
  fn: (arg: unknown) => R | Promise<R>,
  arg?: unknown,
  urlPart = '',
): Promise<R> {
  const worker = await getServiceWorker(context, urlPart);
  return worker.evaluate(fn, arg);
}

async function withCdp<T>(page: Page, run: (session: CDPSession) => Promise<T>): Promise<T> {
  const session = await page.context().newCDPSession(page);
  try {
    return await run(session);
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/**
 * Stops every service worker of the browser (what Chromium does to an idle worker after 30 s, or under memory
 * pressure). Its in-memory state is gone; the next event starts it fresh.
 * Caveat (BROWSER-TESTING.md): `context.setOffline()` then blocks until something wakes the worker: call
 * `wakeServiceWorker` first, or use `goOffline` which does.
 */
export async function stopServiceWorkers(page: Page): Promise<void> {
  await withCdp(page, stopAllServiceWorkers);
}

/** A fetch from the page wakes a stopped worker (its `fetch` event starts it). */
export async function wakeServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    if (navigator.serviceWorker.controller === null) return;
    await fetch(location.href, { cache: 'no-store' })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  });
}

interface Registration {
  registrationId: string;
  scopeURL: string;
  isDeleted: boolean;
}

function isRegistration(value: unknown): value is Registration {
  return (
    isObject(value) &&
    isString(value.registrationId) &&
    isString(value.scopeURL) &&
    typeof value.isDeleted === 'boolean'
  );
}

/**
 * Fires a Background Sync `sync` event with `tag` at the registration controlling `page` (or whose scope holds
 * `appUrl`: then `page` only carries the CDP session, and may be of another origin or blank — no page of the app need
 * be open), as the browser does when connectivity returns. Dropped by Chromium while offline is emulated.
 */
export async function dispatchSync(
  page: Page,
  tag: string,
  lastChance = false,
  appUrl = page.url(),
): Promise<void> {
  const origin = new URL(appUrl).origin;
  await withCdp(page, async (session) => {
    const registrations: Registration[] = [];
    session.on('ServiceWorker.workerRegistrationUpdated', (event: unknown) => {
      if (isObject(event) && isArrayOf(event.registrations, isRegistration))
        registrations.push(...event.registrations);
    });
    await session.send('ServiceWorker.enable');
    const registration = await waitFor(
      () => registrations.find((r) => !r.isDeleted && appUrl.startsWith(r.scopeURL)),
      { timeout: 5_000, message: `a service-worker registration for ${appUrl}` },
    );
    await session.send('ServiceWorker.dispatchSyncEvent', {
      origin,
      registrationId: registration.registrationId,
      tag,
      lastChance,
    });
  });
}
