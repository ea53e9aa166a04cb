/**
 * One server for a file of devtools tests and a fresh extension browser per test (its own profile and IndexedDB),
 * closed after the test. Call at the top of a `describe`, as `useSuite` for the page-only tests.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { login } from './auth.js';
import type { ExtensionBrowser } from './chromium.js';
import { launchDevtoolsBrowser, openDevtoolsPanel, type DevtoolsPanel } from './devtools.js';
import { openFixtureApp } from './fixture-page.js';
import { startMockServer, type MockServer } from './server.js';

export interface DevtoolsSuite {
  readonly server: MockServer;
  /** The extension browser of the running test. */
  readonly ext: ExtensionBrowser;
  /** A fresh extension browser for this test (closed after it); `devtools` as `launchDevtoolsBrowser`. */
  launch(options?: { devtools?: boolean }): Promise<ExtensionBrowser>;
  /** The fixture app signed in as alice, and the Offline Kit panel open and connected in its DevTools window. */
  open(): Promise<{ page: Page; devtools: DevtoolsPanel }>;
}

export function useDevtoolsSuite(): DevtoolsSuite {
  let server: MockServer | null = null;
  let ext: ExtensionBrowser | null = null;

  beforeAll(async () => {
    server = await startMockServer();
  });
  afterEach(async () => {
    await ext?.close();
    ext = null;
    await server?.mock.reset();
  });
  afterAll(async () => {
    await server?.close();
  });

  const suite: DevtoolsSuite = {
    get server() {
      if (server === null) throw new Error('the devtools suite has not started');
      return server;
    },
    get ext() {
      if (ext === null) throw new Error('no extension browser: call open() first');
      return ext;
    },
    async launch(options = {}) {
      ext = await launchDevtoolsBrowser(options);
      return ext;
    },
    async open() {
      const ext = await suite.launch({ devtools: true });
      const session = await login(suite.server.url, 'alice');
      const page = await openFixtureApp(ext.context, suite.server.url, { session });
      const devtools = await openDevtoolsPanel(ext, page);
      await devtools.panel.waitForText('okp-connection', 'v');
      return { page, devtools };
    },
  };
  return suite;
}
