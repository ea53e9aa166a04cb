import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { OfflineKitApi, OfflineKitEvent, OfflineKitMethod } from '../../sw/src/protocol/api.js';
import type { FixtureAnswer, FixtureBody } from '../fixtures/app/page/fixture-api.js';
import { login, type Session } from '../harness/auth.js';
import type {} from '../harness/fixture-page.js';
import { startMockServer, type MockServer } from '../harness/server.js';
import { waitFor } from '../harness/wait.js';
import { buildEnginesFixture, type FixtureFolder } from './build.js';
import { APP_TOKEN_DB, APP_TOKEN_KEY, APP_TOKEN_STORE } from './fixture/app-token.js';
import { BOOT_ID_REQUEST } from './fixture/boot-id-request.js';
import {
  launchEngine,
  type EngineBrowser,
  type EngineName,
  type EnginePage,
  type LaunchOptions,
} from './driver.js';
import { startTestOrigin, type TestOrigin } from './origin.js';

export interface OpenOptions {
  folder?: FixtureFolder;
  variant?: 'classic' | 'module';
  user?: string;
  /** `token` (default): the app hands its bearer token over with `setCredentials`. `none`: no sign-in at all. */
  auth?: 'token' | 'none';
}

export interface EngineSuite {
  readonly engine: EngineName;
  readonly browser: EngineBrowser;
  readonly server: MockServer;
  /** This test's own origin in front of the server (new for every test): `origin.down()` cuts the API. */
  readonly origin: TestOrigin;
  /** A page of the fixture app on this test's origin, its worker in control, signed in as `user` (alice). */
  open(options?: OpenOptions): Promise<{ page: EnginePage; session: Session }>;
  /** The URL of the fixture app's page in `folder` on this test's origin. */
  appUrl(options?: OpenOptions): string;
  /**
   * Stops this origin's workers as the engine does (`EngineBrowser.stopServiceWorkers`), until the one that drew
   * `bootId` (`bootIdOf`) is gone; `page` is the page to stop them from.
   */
  stopServiceWorkers(page: EnginePage, bootId: string): Promise<{ reloaded: boolean }>;
}

/**
 * One browser of `engine` and one server-mock for the `describe` (launching is the slow part), a new origin for
 * every test (nothing carries over: no worker, no IndexedDB) and a reset server after it. A browser that cannot
 * start fails every test of the `describe` with the launcher's one-line reason: never a skip.
 */
export function useEngine(engine: EngineName, options: LaunchOptions = {}): EngineSuite {
  let server: MockServer | null = null;
  let browser: EngineBrowser | null = null;
  let origin: TestOrigin | null = null;
  const pages: EnginePage[] = [];

  beforeAll(async () => {
    server = await startMockServer();
    await buildEnginesFixture();
    browser = await launchEngine(engine, options);
  }, 60_000);
  beforeEach(async () => {
    origin = await startTestOrigin(suite.server.url);
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
    await origin?.close();
    origin = null;
    await server?.mock.reset();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const suite: EngineSuite = {
    engine,
    get browser() {
      if (browser === null) throw new Error(`${engine} did not start`);
      return browser;
    },
    get server() {
      if (server === null) throw new Error('the server did not start');
      return server;
    },
    get origin() {
      if (origin === null) throw new Error('no test is running');
      return origin;
    },
    async open(openOptions = {}) {
      const page = await suite.browser.newPage();
      pages.push(page);
      const session = await login(suite.server.url, openOptions.user ?? 'alice');
      await page.goto(suite.appUrl(openOptions));
      await fixtureReady(page);
      if ((openOptions.auth ?? 'token') === 'token') await signIn(page, session);
      return { page, session };
    },
    appUrl(openOptions = {}) {
      const folder = openOptions.folder ?? 'plain';
      return `${suite.origin.url}/__engines/${folder}/index.html?sw=${openOptions.variant ?? 'classic'}`;
    },
    stopServiceWorkers(page, bootId) {
      const origin = suite.origin;
      return suite.browser.stopServiceWorkers(page, () => origin.workerStopped(bootId));
    },
  };
  return suite;
}

/** After a load or reload: until the fixture page's worker controls it and its client is connected. */
export async function fixtureReady(page: EnginePage): Promise<void> {
  await waitFor(() => page.evaluate(() => typeof window.offlineKitFixture === 'object', null), {
    timeout: 15_000,
    message: 'the fixture page to load',
  });
  await page.evaluate(async () => {
    await window.offlineKitFixture.ready;
    return true;
  }, null);
}

/** What an app does at start (or after a reload): give the worker the signed-in user's token. */
export async function signIn(page: EnginePage, session: Session): Promise<void> {
  await page.evaluate((s) => window.offlineKitFixture.signIn(s), {
    token: session.token,
    user: session.user,
  });
}

/**
 * What a cookie-session app does at sign-in: its server sets an HttpOnly session cookie (origin.ts), and the page
 * tells the worker who signed in with no headers, so the user's partition is open (docs/RELIABILITY.md).
 */
export async function signInWithCookie(page: EnginePage, user: string): Promise<void> {
  const status = await page.evaluate(
    async (name) =>
      (
        await fetch('/__session/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: name }),
        })
      ).status,
    user,
  );
  if (status !== 204) throw new Error(`the cookie sign-in answered ${status}`);
  await kitOf(page).setCredentials({ headers: {}, user });
}

/**
 * What the `hook` fixture app does at sign-in besides `setCredentials`: keep its token where its worker's
 * `credentials` hook reads it without a page (fixture/app-token.ts).
 */
export async function storeAppToken(page: EnginePage, token: string): Promise<void> {
  await page.evaluate(
    ([name, store, key, value]) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open(name, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(store);
        open.onerror = () => reject(open.error ?? new Error('cannot open the app database'));
        open.onsuccess = () => {
          const tx = open.result.transaction(store, 'readwrite');
          tx.objectStore(store).put(value, key);
          tx.oncomplete = () => {
            open.result.close();
            resolve(true);
          };
          tx.onerror = () => reject(tx.error ?? new Error('cannot store the token'));
        };
      }),
    [APP_TOKEN_DB, APP_TOKEN_STORE, APP_TOKEN_KEY, token] as const,
  );
}

/** The app's own fetch to the API, answered by the service worker. */
export function api(
  page: EnginePage,
  method: string,
  path: string,
  body?: FixtureBody,
): Promise<FixtureAnswer> {
  return page.evaluate(([m, p, b]) => window.offlineKitFixture.api(m, p, b ?? undefined), [
    method,
    path,
    body ?? null,
  ] as const);
}

export function jsonBody(value: unknown): FixtureBody {
  return { kind: 'json', value };
}

/** The page client as a typed `OfflineKitApi`: each call runs in the page, results are plain data. */
export function kitOf(page: EnginePage): OfflineKitApi {
  return new Proxy({} as OfflineKitApi, {
    get(_target, method) {
      if (typeof method !== 'string' || method === 'then') return undefined;
      return (...args: unknown[]) =>
        page.evaluate(([m, a]) => window.offlineKitFixture.call(m, a), [
          method as OfflineKitMethod,
          args,
        ] as const);
    },
  });
}

/** Every event the page got on the module's BroadcastChannel. */
export function pageEvents(page: EnginePage): Promise<OfflineKitEvent[]> {
  return page.evaluate(() => window.offlineKitFixture.events, null);
}

/** The fixture worker's boot id (fixture/boot-id.ts): a new one means the worker was stopped and started again. */
export function bootIdOf(page: EnginePage): Promise<string> {
  return page.evaluate(async (type) => {
    const controller = navigator.serviceWorker.controller;
    if (controller === null) throw new Error('no service worker controls the page');
    const channel = new MessageChannel();
    const answer = new Promise<string>((resolve, reject) => {
      channel.port1.onmessage = (event: MessageEvent<unknown>) =>
        typeof event.data === 'string' ? resolve(event.data) : reject(new Error('no boot id'));
      setTimeout(() => reject(new Error('the worker did not answer the boot-id request')), 10_000);
    });
    controller.postMessage({ type }, [channel.port2]);
    return answer;
  }, BOOT_ID_REQUEST);
}

/**
 * Every value in every IndexedDB database of the page's origin as one text (binary values as their bytes read as
 * Latin-1), to check what a person with the disk could read. Never creates a database.
 */
export function indexedDbText(page: EnginePage): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const plain = (value: unknown): unknown => {
      if (value instanceof ArrayBuffer) return String.fromCharCode(...new Uint8Array(value));
      if (ArrayBuffer.isView(value))
        return String.fromCharCode(...new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (value instanceof Blob) return `[blob ${value.type} ${value.size}]`;
      if (Array.isArray(value)) return value.map(plain);
      if (typeof value === 'object' && value !== null) {
        const copy: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) copy[key] = plain(inner);
        return copy;
      }
      return value;
    };
    for (const info of await indexedDB.databases()) {
      const name = info.name;
      if (name === undefined) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error(`cannot open ${name}`));
      });
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const values = await new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(store, 'readonly').objectStore(store).getAll();
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error ?? new Error(`cannot read ${store}`));
          });
          out.push(`${name}/${store}: ${JSON.stringify(values.map(plain))}`);
        }
      } finally {
        db.close();
      }
    }
    return out.join('\n');
  }, null);
}
