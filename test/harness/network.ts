import type { BrowserContext } from 'playwright-core';
import { wakeServiceWorker } from './service-worker.js';

/**
 * Cuts the network of every page and service worker of `context` (fetches throw `TypeError: Failed to fetch`,
 * `navigator.onLine` turns false). Wakes the service workers first: with a stopped worker `setOffline` hangs until
 * something wakes it (BROWSER-TESTING.md).
 */
export async function goOffline(context: BrowserContext): Promise<void> {
  for (const page of context.pages()) await wakeServiceWorker(page);
  await context.setOffline(true);
}

/** Restores the network (waking stopped workers first, as above); Chromium then fires pending Background Syncs. */
export async function goOnline(context: BrowserContext): Promise<void> {
  for (const page of context.pages()) await wakeServiceWorker(page);
  await context.setOffline(false);
}
