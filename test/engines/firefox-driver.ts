import type { Page } from 'puppeteer-core';
import { wrapScriptable, type EngineBrowser, type EnginePage, type LaunchOptions } from './driver.js';
import { launchFirefox } from './firefox-launch.js';

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
