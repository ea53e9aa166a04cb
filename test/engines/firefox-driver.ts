import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { wrapScriptable, type EngineBrowser, type EnginePage, type LaunchOptions } from './driver.js';
import { findBinary } from './find-binary.js';

export function findFirefox(): string {
  return findBinary(
    'Firefox',
    'FIREFOX_PATH',
    ['/usr/bin/firefox-esr', 'firefox-esr', 'firefox'],
    '`sudo apt-get install firefox-esr`',
  );
}

interface FirefoxPage extends EnginePage {
  readonly page: Page;
}

function wrap(page: Page): FirefoxPage {
  return wrapScriptable(page);
}

function isFirefoxPage(page: EnginePage): page is FirefoxPage {
  return 'page' in page;
}

/**
 * Headless Firefox ESR as puppeteer launches it, with the service-worker idle timeout of `options` and any other
 * `prefs` (the benchmark turns off the 1 ms rounding of `performance.now()`). The one launch of the cross-engine
 * suite and the benchmark's Firefox pass.
 */
export function launchFirefox(
  options: LaunchOptions = {},
  prefs: Record<string, string | number | boolean> = {},
): Promise<Browser> {
  const idleMs = options.serviceWorkerIdleMs;
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    extraPrefsFirefox: {
      ...prefs,
      ...(idleMs === undefined
        ? {}
        : { 'dom.serviceWorkers.idle_timeout': idleMs, 'dom.serviceWorkers.idle_extended_timeout': idleMs }),
    },
  });
}

/**
 * Firefox ESR over WebDriver BiDi (no driver binary: puppeteer-core speaks BiDi to Firefox itself). Firefox has no
 * Background Sync, and no remote command that stops a service worker: with `serviceWorkerIdleMs` it stops idle
 * workers after that long (the `dom.serviceWorkers.idle_*` preferences, 30 s by default), which is what
 * `stopServiceWorkers` waits for (until the worker is gone, not for a fixed time).
 */
export async function launchFirefoxEngine(options: LaunchOptions = {}): Promise<EngineBrowser> {
  const idleMs = options.serviceWorkerIdleMs;
  const browser = await launchFirefox(options);
  return {
    engine: 'firefox',
    async newPage() {
      return wrap(await browser.newPage());
    },
    async stopServiceWorkers(_page, stopped) {
      if (idleMs === undefined) {
        throw new Error(
          'Firefox cannot stop a service worker on command: launch it with serviceWorkerIdleMs',
        );
      }
      // No page can see a worker's state without waking it: the test origin sees its connection close. A worker with
      // work in flight gets the extended timeout on top of the idle one; the caller then proves the restart (a new
      // boot id).
      await stopped();
      return { reloaded: false };
    },
    async screenshot(page, file) {
      if (!isFirefoxPage(page)) throw new Error('not a page of this Firefox driver');
      await page.page.screenshot({ path: file });
    },
    async close() {
      await browser.close();
    },
  };
}
