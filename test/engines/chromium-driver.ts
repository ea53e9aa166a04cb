import type { Page } from 'playwright-core';
import { launchBrowser } from '../harness/chromium.js';
import { SYNC_TAG } from '../../sw/src/protocol/messages.js';
import { dispatchSync, stopServiceWorkers } from '../harness/service-worker.js';
import { wrapScriptable, type EngineBrowser, type EnginePage } from './driver.js';

interface ChromiumPage extends EnginePage {
  readonly page: Page;
}

function wrap(page: Page): ChromiumPage {
  return wrapScriptable(page);
}

function isChromiumPage(page: EnginePage): page is ChromiumPage {
  return 'page' in page;
}

/** Chromium as the rest of the e2e suite drives it (`test/harness/chromium.ts`): one context for the whole run. */
export async function launchChromiumEngine(): Promise<EngineBrowser> {
  const browser = await launchBrowser();
  const context = await browser.newContext();
  return {
    engine: 'chromium',
    async newPage() {
      return wrap(await context.newPage());
    },
    async stopServiceWorkers(page, stopped) {
      if (!isChromiumPage(page)) throw new Error('not a page of this Chromium driver');
      // CDP ServiceWorker.stopAllWorkers: what Chromium does to an idle worker after 30 s.
      await stopServiceWorkers(page.page);
      await stopped();
      return { reloaded: false };
    },
    async fireSyncEvent(page, appUrl) {
      if (!isChromiumPage(page)) throw new Error('not a page of this Chromium driver');
      // CDP ServiceWorker.dispatchSyncEvent: the event Chromium fires when connectivity returns, or at its next
      // scheduled attempt after a failed one (minutes later).
      await dispatchSync(page.page, SYNC_TAG, false, appUrl);
    },
    async screenshot(page, file) {
      if (!isChromiumPage(page)) throw new Error('not a page of this Chromium driver');
      await page.page.screenshot({ path: file });
    },
    async close() {
      await browser.close();
    },
  };
}
