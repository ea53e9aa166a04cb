import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmd } from 'web-ext';
import { isArrayOf, isObject, isString } from '../harness/guards.js';
import { PATHS, REPO_ROOT } from '../harness/paths.js';
import { startMockServer, type MockServer } from '../harness/server.js';
import { waitFor } from '../harness/wait.js';
import { buildEnginesFixture } from './build.js';
import { enginesToRun, wrapScriptable } from './driver.js';
import { api, fixtureReady, jsonBody, signIn } from './engine-suite.js';
import { findFirefox } from './firefox-launch.js';
import { login } from '../harness/auth.js';
import { startTestOrigin, type TestOrigin } from './origin.js';
import { mkdir } from 'node:fs/promises';

/** The unpacked Firefox package the build makes (`dist/offline-kit-firefox.zip` is the same files zipped). */
const FIREFOX_EXTENSION = path.join(REPO_ROOT, 'devtools-extension/dist/firefox');

interface LintMessage {
  code: string;
  file?: string;
}
const isLintMessage = (value: unknown): value is LintMessage =>
  isObject(value) && isString(value.code) && (value.file === undefined || isString(value.file));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('the DevTools extension for Firefox', () => {
  it('passes web-ext lint', async () => {
    const result = await cmd.lint(
      { sourceDir: FIREFOX_EXTENSION, output: 'none' },
      { shouldExitProgram: false },
    );
    if (
      !isObject(result) ||
      !isArrayOf(result.errors, isLintMessage) ||
      !isArrayOf(result.warnings, isLintMessage) ||
      !isArrayOf(result.notices, isLintMessage)
    )
      throw new Error(`web-ext lint: unexpected result ${JSON.stringify(result)}`);
    expect(result.errors).toEqual([]);
    expect(result.notices).toEqual([]);
    // One warning, accepted: Preact's renderer assigns innerHTML for `dangerouslySetInnerHTML`, which the panel never
    // uses (checked below), so no value of the inspected app ever reaches it.
    expect(result.warnings.map((w) => `${w.code} ${w.file ?? ''}`)).toEqual([
      'UNSAFE_VAR_ASSIGNMENT panel.js',
    ]);
    for (const file of await sourceFiles(path.join(REPO_ROOT, 'devtools-extension/src')))
      expect(await readFile(file, 'utf8'), file).not.toMatch(/dangerouslySetInnerHTML|innerHTML/);
  });
});

// WebDriver BiDi installs the extension, but refuses to navigate to a moz-extension:// page, and the DevTools toolbox
// (where the panel lives) is not a browsing context BiDi can reach. So the test installs a copy of the Firefox
// package with one test-only background script that opens the extension's own panel.html in a tab (extension pages
// opened by the extension are reachable); the test points it at the app's tab with `?tab=<id>`, as a detached panel
// is, and reads what it renders. Everything else is the package as shipped.
const OPENER = `// test only: open the panel page in a tab, which WebDriver cannot do.
browser.tabs.create({ url: browser.runtime.getURL('panel.html') });
`;

for (const engine of enginesToRun().filter((e) => e === 'firefox')) {
  describe(`${engine}: the DevTools extension's panel page`, () => {
    let server: MockServer | null = null;
    let origin: TestOrigin | null = null;
    let browser: Browser | null = null;
    let extensionCopy: string | null = null;

    beforeAll(async () => {
      server = await startMockServer();
      await buildEnginesFixture();
      extensionCopy = await mkdtemp(path.join(tmpdir(), 'offline-kit-firefox-extension-'));
      await cp(FIREFOX_EXTENSION, extensionCopy, { recursive: true });
      const manifestFile = path.join(extensionCopy, 'manifest.json');
      const manifest: unknown = JSON.parse(await readFile(manifestFile, 'utf8'));
      if (
        !isObject(manifest) ||
        !isObject(manifest.background) ||
        !isArrayOf(manifest.background.scripts, isString)
      )
        throw new Error('the Firefox manifest has no background.scripts');
      manifest.background.scripts.push('test-opener.js');
      await writeFile(manifestFile, JSON.stringify(manifest));
      await writeFile(path.join(extensionCopy, 'test-opener.js'), OPENER);
      browser = await puppeteer.launch({ browser: 'firefox', executablePath: findFirefox(), headless: true });
      origin = await startTestOrigin(server.url);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await origin?.close();
      await server?.close();
      if (extensionCopy !== null) await rm(extensionCopy, { recursive: true, force: true });
    });

    it('lists the queued writes of the inspected app, talking to its service worker', async () => {
      if (browser === null || origin === null || server === null || extensionCopy === null)
        throw new Error('Firefox did not start');
      await browser.installExtension(extensionCopy);

      // Content scripts reach pages loaded after the install: the app is opened now.
      const appPage = await browser.newPage();
      const app = wrapScriptable(appPage);
      await app.goto(`${origin.url}/__engines/plain/index.html?sw=classic`);
      await fixtureReady(app);
      await signIn(app, await login(server.url, 'alice'));
      await api(app, 'GET', '/api/work-orders');
      origin.down();
      const queued = await api(app, 'POST', '/api/work-orders', jsonBody({ title: 'Seen in Firefox' }));
      expect(queued.status, queued.text).toBe(202);

      // BiDi reports an extension page's URL as about:blank: found by asking each page where it is.
      const panel = await waitFor(
        async () => {
          for (const page of (await browser?.pages()) ?? [])
            if ((await page.evaluate('location.protocol').catch(() => '')) === 'moz-extension:') return page;
          return undefined;
        },
        { timeout: 15_000, message: "the extension's panel page to open" },
      );
      // The app's tab is the newest one (the panel's own tab came with the install, before it).
      await panel.evaluate(`(async () => {
        const own = await browser.tabs.getCurrent();
        const ids = (await browser.tabs.query({})).map((t) => t.id).filter((id) => id !== own.id);
        location.search = '?tab=' + Math.max(...ids);
      })()`);
      const text = (p: Page): Promise<string> =>
        p.evaluate('document.body.innerText').then((t) => (typeof t === 'string' ? t : ''));
      await waitFor(
        async () =>
          (await panel.evaluate(
            `document.querySelector('[data-testid="okp-connection"]')?.dataset.status`,
          )) === 'connected',
        {
          timeout: 20_000,
          message:
            'the panel to connect to the app (panel → background → content script → page hook → worker)',
        },
      );
      await panel.evaluate(`document.querySelector('[data-testid="okp-tab-queue"]').click()`);
      await waitFor(async () => /POST/.test(await text(panel)) && /work-orders/.test(await text(panel)), {
        timeout: 15_000,
        message: 'the queued write listed in the panel',
      });
      await panel.evaluate(`document.querySelector('[data-testid="okp-row"]').click()`);
      await waitFor(async () => (await text(panel)).includes('Seen in Firefox'), {
        timeout: 15_000,
        message: "the queued write's body in the panel",
      });
      await mkdir(PATHS.screenshots, { recursive: true });
      await panel.screenshot({ path: path.join(PATHS.screenshots, 'engines-firefox-extension-queue.png') });
      expect(await text(panel)).not.toMatch(/not found|cannot reach/i);

      // And the module's events reach it: the API back, the write goes out and the panel's queue empties by itself.
      origin.up();
      await waitFor(
        async () =>
          (await panel.evaluate(`document.querySelector('[data-testid="okp-queue-total"]')?.textContent`)) ===
          '0 writes',
        { timeout: 20_000, message: 'the panel to show the queue drained' },
      );
      expect((await server.mock.liveRecords('work-orders')).map((r) => r.title)).toContain('Seen in Firefox');
    });
  });
}
