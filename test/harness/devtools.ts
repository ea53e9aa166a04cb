/**
 * The devtools extension in a real Chromium: build and load it, open its panel inside the real DevTools window of a
 * tab (the DevTools-internal recipe of BROWSER-TESTING.md lives here and nowhere else) or in a plain tab, drive the
 * panel by its `data-testid` hooks, and stop the extension's background worker as the browser does when idle.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchWithExtension, type ExtensionBrowser } from './chromium.js';
import { isObject, isString } from './guards.js';
import { PATHS, REPO_ROOT } from './paths.js';
import { waitFor } from './wait.js';

export const EXTENSION_DIR = path.join(REPO_ROOT, 'devtools-extension', 'dist');
/** DevTools names an extension panel `chrome-extension://<id>` + its title without spaces. */
const PANEL_TITLE = 'OfflineKit';

let built = false;

/**
 * Builds the extension once per test process: the tests load what users load, from the current source. Not under
 * `npm test` (`OFFLINE_KIT_FRESH_BUILD`, set by test/run-all.mjs): its build has just made the same dist/, and a
 * rebuild (which empties the folder first) would pull it from under the lanes reading it at the same time (the packed
 * package, the Firefox extension test).
 */
export function buildExtension(): void {
  if (built || process.env.OFFLINE_KIT_FRESH_BUILD === '1') return;
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'devtools-extension', 'build.mjs')], {
    stdio: 'pipe',
  });
  built = true;
}

/** Chromium with the built extension; `devtools: true` opens a DevTools window for every tab. */
export async function launchDevtoolsBrowser(options: { devtools?: boolean } = {}): Promise<ExtensionBrowser> {
  buildExtension();
  const browser = await launchWithExtension(EXTENSION_DIR, {
    args: options.devtools ? ['--auto-open-devtools-for-tabs'] : [],
  });
  // The blank start tab has no service worker container and would only get in the way of `goOffline`.
  for (const page of browser.context.pages()) if (page.url() === 'about:blank') await page.close();
  return browser;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

function isTargetInfo(value: unknown): value is TargetInfo {
  return isObject(value) && isString(value.targetId) && isString(value.type) && isString(value.url);
}

async function targets(browserCdp: CDPSession): Promise<TargetInfo[]> {
  const answer: unknown = await browserCdp.send('Target.getTargets');
  return isObject(answer) && Array.isArray(answer.targetInfos) ? answer.targetInfos.filter(isTargetInfo) : [];
}

/**
 * A CDP target Playwright does not expose (DevTools windows and their extension frames), driven through the browser
 * session with `Target.sendMessageToTarget` (`flatten: false`, as BROWSER-TESTING.md found to work).
 */
export class RemoteTarget {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(
    private readonly browserCdp: CDPSession,
    private readonly sessionId: string,
  ) {
    browserCdp.on('Target.receivedMessageFromTarget', (event: unknown) => {
      if (!isObject(event) || event.sessionId !== this.sessionId || !isString(event.message)) return;
      const message: unknown = JSON.parse(event.message);
      if (!isObject(message) || typeof message.id !== 'number') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting.reject(new Error(`CDP: ${JSON.stringify(message.error)}`));
      else waiting.resolve(message.result);
    });
  }

  static async attach(browserCdp: CDPSession, targetId: string): Promise<RemoteTarget> {
    const answer: unknown = await browserCdp.send('Target.attachToTarget', { targetId, flatten: false });
    if (!isObject(answer) || !isString(answer.sessionId)) throw new Error(`could not attach to ${targetId}`);
    return new RemoteTarget(browserCdp, answer.sessionId);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.browserCdp
        .send('Target.sendMessageToTarget', {
          sessionId: this.sessionId,
          message: JSON.stringify({ id, method, params }),
        })
        .catch((error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  }

  /** Evaluates `fn(arg)` in the target; `fn` must be self-contained (it is sent as source text). */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.evaluateSource(`(${fn.toString()})(${JSON.stringify(arg)})`) as Promise<R>;
  }

  /**
   * Evaluates JavaScript source in the target. For code with `import()`: the test runner rewrites dynamic imports in
   * functions it compiles, so DevTools-frontend code is kept as text.
   */
  async evaluateSource(expression: string): Promise<unknown> {
    const answer: unknown = await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (!isObject(answer)) throw new Error('no answer from Runtime.evaluate');
    if (answer.exceptionDetails !== undefined) {
      throw new Error(`evaluation failed: ${JSON.stringify(answer.exceptionDetails).slice(0, 500)}`);
    }
    return isObject(answer.result) ? answer.result.value : undefined;
  }

  async screenshot(name: string): Promise<string> {
    const answer: unknown = await this.send('Page.captureScreenshot', { format: 'png' });
    if (!isObject(answer) || !isString(answer.data)) throw new Error('no screenshot data');
    mkdirSync(PATHS.screenshots, { recursive: true });
    const file = path.join(PATHS.screenshots, `${name}.png`);
    writeFileSync(file, Buffer.from(answer.data, 'base64'));
    return file;
  }
}

/** What a test does with the panel, wherever it is mounted. */
export interface PanelDriver {
  /** Text of the first element with this `data-testid`, null if there is none. */
  text(testId: string): Promise<string | null>;
  /** An attribute of the first element with this `data-testid`. */
  attribute(testId: string, name: string): Promise<string | null>;
  /** Texts of every element with this `data-testid`. */
  texts(testId: string): Promise<string[]>;
  click(testId: string): Promise<void>;
  /** Clicks the list row (queue, records, history) whose text contains `needle`. */
  clickRow(needle: string): Promise<void>;
  /** Sets a text field, textarea or select and fires the events the UI listens to. */
  fill(testId: string, value: string): Promise<void>;
  /** Waits until the element's text contains `needle`; returns that text. */
  waitForText(testId: string, needle: string, timeout?: number): Promise<string>;
  /** Opens one of the views: overview, queue, data, conflicts, history, network. */
  view(name: string): Promise<void>;
}

type Evaluate = <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>;

function driver(evaluate: Evaluate): PanelDriver {
  const self: PanelDriver = {
    text: (testId) =>
      evaluate((id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId),
    attribute: (testId, name) =>
      evaluate(
        ({ id, attr }: { id: string; attr: string }) =>
          document.querySelector(`[data-testid="${id}"]`)?.getAttribute(attr) ?? null,
        { id: testId, attr: name },
      ),
    texts: (testId) =>
      evaluate(
        (id: string) =>
          [...document.querySelectorAll(`[data-testid="${id}"]`)].map((el) => el.textContent ?? ''),
        testId,
      ),
    async click(testId) {
      const found = await evaluate((id: string) => {
        const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
        if (!el || (el instanceof HTMLButtonElement && el.disabled)) return false;
        el.click();
        return true;
      }, testId);
      if (!found) throw new Error(`no enabled element with data-testid="${testId}" in the panel`);
    },
    async clickRow(needle) {
      await waitFor(
        () =>
          evaluate((text: string) => {
            const row = [...document.querySelectorAll<HTMLElement>('[data-testid="okp-row"]')].find((el) =>
              el.textContent?.includes(text),
            );
            row?.click();
            return row !== undefined;
          }, needle),
        { timeout: 15_000, message: `a panel row showing "${needle}"` },
      );
    },
    async fill(testId, value) {
      const found = await evaluate(
        ({ id, text }: { id: string; text: string }) => {
          const el = document.querySelector(`[data-testid="${id}"]`);
          if (!(
            el instanceof HTMLInputElement ||
            el instanceof HTMLTextAreaElement ||
            el instanceof HTMLSelectElement
          ))
            return false;
          el.value = text;
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
          return true;
        },
        { id: testId, text: value },
      );
      if (!found) throw new Error(`no field with data-testid="${testId}" in the panel`);
    },
    async waitForText(testId, needle, timeout = 15_000) {
      return waitFor(
        async () => {
          const text = await self.text(testId);
          return text !== null && text.includes(needle) ? text : undefined;
        },
        { timeout, message: `panel element "${testId}" to show "${needle}"` },
      );
    },
    async view(name) {
      await waitFor(() => self.text(`okp-tab-${name}`), {
        timeout: 15_000,
        message: `the panel's ${name} tab`,
      });
      await self.click(`okp-tab-${name}`);
    },
  };
  return self;
}

/** The panel opened as an extension page in a tab (`panel.html?tab=<id>`): no DevTools, same UI, same hops. */
export async function openPanelInTab(
  ext: ExtensionBrowser,
  inspected: Page,
): Promise<{ page: Page; panel: PanelDriver }> {
  const tabId = await inspectedTabId(ext, inspected);
  const page = await ext.context.newPage();
  await page.goto(`chrome-extension://${ext.extensionId}/panel.html?tab=${tabId}`);
  const evaluate: Evaluate = <A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> =>
    page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg as unknown);
  return { page, panel: driver(evaluate) };
}

/**
 * The tab id the extension knows the page by, asked from its background worker. The extension has no `tabs`
 * permission (it does not need to read tabs' URLs), so the page is brought to front and the active tab is asked for.
 */
export async function inspectedTabId(ext: ExtensionBrowser, inspected: Page): Promise<number> {
  const background = await backgroundWorker(ext.context, ext.extensionId);
  await inspected.bringToFront();
  const id = await background.evaluate(async () => {
    const api = (
      globalThis as unknown as {
        chrome: { tabs: { query(q: object): Promise<{ id?: number }[]> } };
      }
    ).chrome;
    const tabs = await api.tabs.query({ active: true, lastFocusedWindow: true });
    return tabs.length === 1 ? (tabs[0]?.id ?? null) : null;
  });
  if (typeof id !== 'number') throw new Error(`the extension cannot tell which tab shows ${inspected.url()}`);
  return id;
}

async function backgroundWorker(context: BrowserContext, extensionId: string) {
  return waitFor(
    () => context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`)),
    { timeout: 10_000, message: 'the extension background worker' },
  );
}

export interface DevtoolsPanel {
  panel: PanelDriver;
  /** Lets the browser save downloads (the History export) into `dir` without asking. */
  saveDownloadsTo(dir: string): Promise<void>;
  /** The DevTools window itself (screenshots, theme). */
  devtools: RemoteTarget;
  /** Switches DevTools' own theme, as a developer does in its settings. */
  setTheme(theme: 'light' | 'dark'): Promise<void>;
  screenshot(name: string): Promise<string>;
}

/**
 * Opens the "Offline Kit" panel in the real DevTools window of `inspected` (the browser must have been launched with
 * `devtools: true`). DevTools-internal: `InspectorView.showPanel` is not a public API and may change with Chromium.
 */
export async function openDevtoolsPanel(ext: ExtensionBrowser, inspected: Page): Promise<DevtoolsPanel> {
  const browser = ext.context.browser();
  if (!browser) throw new Error('no browser for this context');
  const browserCdp = await browser.newBrowserCDPSession();
  const pageUrl = inspected.url();
  const devtools = await waitFor(
    async () => {
      for (const target of await targets(browserCdp)) {
        if (!target.url.startsWith('devtools://')) continue;
        const remote = await RemoteTarget.attach(browserCdp, target.targetId);
        const inspectedUrls = await remote.evaluateSource(
          `import('./core/sdk/sdk.js').then((SDK) =>
             SDK.TargetManager.TargetManager.instance().targets().map((t) => t.inspectedURL()))`,
        );
        if (Array.isArray(inspectedUrls) && inspectedUrls.includes(pageUrl)) return remote;
      }
      return undefined;
    },
    { timeout: 15_000, message: `the DevTools window of ${pageUrl}` },
  );
  const panelId = `chrome-extension://${ext.extensionId}${PANEL_TITLE}`;
  await waitFor(
    () =>
      devtools.evaluateSource(
        `import('./ui/legacy/legacy.js').then(async (UI) => {
           const view = UI.InspectorView.InspectorView.instance();
           if (!view.tabbedPane.tabIds().includes(${JSON.stringify(panelId)})) return false;
           await view.showPanel(${JSON.stringify(panelId)});
           return true;
         })`,
      ),
    { timeout: 15_000, message: 'the Offline Kit panel in DevTools' },
  );
  const frame = await waitFor(
    async () =>
      (await targets(browserCdp)).find(
        (t) => t.type === 'iframe' && t.url.startsWith(`chrome-extension://${ext.extensionId}/panel.html`),
      ),
    { timeout: 15_000, message: 'the panel frame' },
  );
  const panelTarget = await RemoteTarget.attach(browserCdp, frame.targetId);
  await panelTarget.send('Runtime.enable');
  return {
    panel: driver((fn, arg) => panelTarget.evaluate(fn, arg)),
    async saveDownloadsTo(dir) {
      await browserCdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    },
    devtools,
    async setTheme(theme) {
      await devtools.evaluateSource(
        `import('./core/common/common.js').then((Common) =>
           Common.Settings.Settings.instance().moduleSetting('ui-theme').set(${JSON.stringify(theme === 'dark' ? 'dark' : 'default')}))`,
      );
    },
    async screenshot(name) {
      // The panel is an out-of-process frame: let it paint twice before the DevTools window is captured.
      await panelTarget.evaluateSource(
        'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))',
      );
      return devtools.screenshot(name);
    },
  };
}

/** Stops the extension's background worker, as Chromium does after 30 s idle, and waits until it is stopped. */
export async function stopExtensionBackground(ext: ExtensionBrowser, anyPage: Page): Promise<void> {
  const session = await ext.context.newCDPSession(anyPage);
  try {
    const versions = new Map<string, { scriptURL: string; runningStatus: string }>();
    // The panel reconnects within ~50 ms, which starts the worker again: remember that it stopped, however briefly,
    // instead of hoping a poll lands in that window.
    const stopped = new Set<string>();
    session.on('ServiceWorker.workerVersionUpdated', (event: unknown) => {
      if (!isObject(event) || !Array.isArray(event.versions)) return;
      for (const version of event.versions as unknown[]) {
        if (
          isObject(version) &&
          isString(version.versionId) &&
          isString(version.scriptURL) &&
          isString(version.runningStatus)
        ) {
          if (version.runningStatus === 'stopped') stopped.add(version.versionId);
          versions.set(version.versionId, {
            scriptURL: version.scriptURL,
            runningStatus: version.runningStatus,
          });
        }
      }
    });
    await session.send('ServiceWorker.enable');
    const prefix = `chrome-extension://${ext.extensionId}/`;
    const running = await waitFor(
      () =>
        [...versions].find(([, v]) => v.scriptURL.startsWith(prefix) && v.runningStatus === 'running')?.[0],
      { timeout: 10_000, message: 'the running extension background worker' },
    );
    stopped.delete(running);
    await session.send('ServiceWorker.stopWorker', { versionId: running });
    await waitFor(() => stopped.has(running), {
      timeout: 10_000,
      message: 'the extension background worker to stop',
    });
  } finally {
    await session.detach().catch(() => undefined);
  }
}
