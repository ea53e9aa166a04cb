/**
 * Headless Chromium for the benchmark (flags from shared/BROWSER-TESTING.md), one fresh context per variant, and the
 * two things only CDP can do: wake a Background Sync queue, and read the service worker's heap.
 */
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { BenchMethod } from '../shared/page-api.js';
// The same browser lookup and launch flags as the end-to-end tests: one place to change them.
import { CHROMIUM_ARGS, findChromium } from '../../../test/harness/chromium.js';
import { stopAllServiceWorkers } from '../../../test/harness/stop-workers.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: [...CHROMIUM_ARGS] });
}

/** The service workers the benchmark compares; `none` is the baseline without one. */
export type VariantId = 'none' | 'workbox' | 'ours' | 'ours-nobatch' | 'ours-encrypted' | 'ours-rest';

export const VARIANT_LABELS: Record<VariantId, string> = {
  none: 'no service worker',
  workbox: 'Workbox recipe',
  ours: 'Offline Kit',
  'ours-nobatch': 'Offline Kit, batch push off',
  'ours-encrypted': 'Offline Kit, encryption at rest',
  'ours-rest': 'Offline Kit, plain REST',
};

const SW_URLS: Record<VariantId, string | null> = {
  none: null,
  workbox: '/workbox-sw.js',
  ours: '/offline-kit-sw.js',
  'ours-nobatch': '/offline-kit-sw.js?batch=0',
  'ours-encrypted': '/offline-kit-sw.js?encrypt=1',
  // For a REST API that knows nothing of our protocol (json-server in `rest.ts`): `wire: { kind: 'rest' }`.
  'ours-rest': '/offline-kit-sw.js?rest=1',
};

export const isOurs = (variant: VariantId): boolean => variant.startsWith('ours');

/** What every engine's session offers the measurements: the page's methods, and connectivity. */
export interface BenchSession {
  variant: VariantId;
  /** Call a method of the bench page (`window.__bench`); the answer is unknown until a guard narrows it. */
  call(method: BenchMethod, ...args: unknown[]): Promise<unknown>;
  /** Cut the API off: Chromium emulates offline; Firefox, which cannot, makes the API unreachable server-side. */
  goOffline(): Promise<void>;
  /**
   * Restore it, and start the page's replay clock at that moment (Chromium: at the page's `online` event; Firefox:
   * just before the server is reachable again, since the page sees no event).
   */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh session of `variant` (empty storage, its worker installed, signed in), in one engine. */
export type OpenSession = (
  variant: VariantId,
  options?: { handCredentials?: boolean },
) => Promise<BenchSession>;

/** A Chromium session: the CDP-only measurements (cold start, heap, Background Sync) need its context and page. */
export interface Session extends BenchSession {
  context: BrowserContext;
  page: Page;
}

/** Installs the variant's worker and signs in, as every engine's session starts. */
export async function prepareSession(
  call: BenchSession['call'],
  variant: VariantId,
  options: { handCredentials?: boolean },
): Promise<void> {
  await call('install', SW_URLS[variant]);
  await call('login', options.handCredentials ?? isOurs(variant));
}

/**
 * A fresh context (empty storage, no service worker) with the bench page loaded, the variant installed and the user
 * signed in; with our module the credentials are handed to it too unless `handCredentials` is false.
 */
export async function openSession(
  browser: Browser,
  baseUrl: string,
  variant: VariantId,
  options: { handCredentials?: boolean } = {},
): Promise<Session> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[${variant} page] ${error.message}`));
    await page.goto(`${baseUrl}/index.html`);
    const call = (method: BenchMethod, ...args: unknown[]): Promise<unknown> =>
      page.evaluate(
        async ({ method, args }) => {
          const bench = (globalThis as unknown as { __bench?: Record<string, (...a: unknown[]) => unknown> })
            .__bench;
          const fn = bench?.[method];
          if (fn === undefined) throw new Error(`the bench page has no ${method}`);
          return await fn(...args);
        },
        { method, args },
      );
    await page.waitForFunction(() => '__bench' in globalThis);
    await prepareSession(call, variant, options);
    return {
      variant,
      context,
      page,
      call,
      goOffline: () => context.setOffline(true),
      async reconnect() {
        await call('armReplayClock');
        await context.setOffline(false);
      },
      close: () => context.close(),
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Fire the Background Sync event of `tag` in the page's service worker, as the browser does when it decides to. The
 * Workbox recipe replays only on that event; the runner uses this only as a watchdog when the browser's own event
 * did not come (it fires by itself within a few ms of going online on this Chromium).
 */
export async function dispatchSync(session: Session, tag: string): Promise<void> {
  const cdp = await session.context.newCDPSession(session.page);
  try {
    const registrationId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no service-worker registration reported by CDP')),
        5000,
      );
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event: unknown) => {
        if (!isObject(event) || !Array.isArray(event.registrations)) return;
        for (const reg of event.registrations as unknown[]) {
          if (isObject(reg) && typeof reg.registrationId === 'string' && reg.isDeleted !== true) {
            clearTimeout(timer);
            resolve(reg.registrationId);
          }
        }
      });
      cdp.send('ServiceWorker.enable').catch(reject);
    });
    const origin = new URL(session.page.url()).origin;
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId, tag, lastChance: false });
  } finally {
    await cdp.detach();
  }
}

/** Stops the page's service worker, as the browser does with an idle one (the next fetch starts it again). */
export async function stopServiceWorker(session: Session): Promise<void> {
  const cdp = await session.context.newCDPSession(session.page);
  try {
    await stopAllServiceWorkers(cdp);
  } finally {
    await cdp.detach();
  }
}

/**
 * The service worker's JS heap after a full garbage collection, bytes. Reached from a browser CDP session because
 * Playwright gives no CDP session for workers.
 */
export async function serviceWorkerHeap(browser: Browser, origin: string): Promise<number> {
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  try {
    const targets: unknown = await cdp.send('Target.getTargets');
    const infos: unknown[] =
      isObject(targets) && Array.isArray(targets.targetInfos) ? targets.targetInfos : [];
    const sw = infos.find(
      (t): t is { targetId: string } =>
        isObject(t) &&
        t.type === 'service_worker' &&
        typeof t.url === 'string' &&
        t.url.startsWith(origin) &&
        typeof t.targetId === 'string',
    );
    if (sw === undefined) throw new Error('no running service worker to measure');
    const attached: unknown = await cdp.send('Target.attachToTarget', {
      targetId: sw.targetId,
      flatten: false,
    });
    if (!isObject(attached) || typeof attached.sessionId !== 'string') throw new Error('attach failed');
    const sessionId = attached.sessionId;
    let nextId = 1;
    const pending = new Map<number, (result: unknown) => void>();
    cdp.on('Target.receivedMessageFromTarget', (event: unknown) => {
      if (!isObject(event) || event.sessionId !== sessionId || typeof event.message !== 'string') return;
      const message: unknown = JSON.parse(event.message);
      if (isObject(message) && typeof message.id === 'number') pending.get(message.id)?.(message.result);
    });
    const send = (method: string): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`${method} got no answer`)), 30_000);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        cdp
          .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) })
          .catch(reject);
      });
    await send('HeapProfiler.collectGarbage');
    const usage = await send('Runtime.getHeapUsage');
    if (!isObject(usage) || typeof usage.usedSize !== 'number')
      throw new Error('Runtime.getHeapUsage: no usedSize');
    await cdp.send('Target.detachFromTarget', { sessionId });
    return usage.usedSize;
  } finally {
    await cdp.detach();
  }
}
