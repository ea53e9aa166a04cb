import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  evalInServiceWorker,
  goOffline,
  goOnline,
  jsonBody,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';

/** The Background Sync tags the worker's registration holds now. */
async function syncTags(context: BrowserContext): Promise<string[]> {
  return evalInServiceWorker(context, async () => {
    const registration = (self as unknown as { registration: { sync?: { getTags(): Promise<string[]> } } })
      .registration;
    return registration.sync ? await registration.sync.getTags() : [];
  });
}

/**
 * The worker registers one Background Sync tag for all the writes queued until the browser fires it (not one
 * registration per write), and registers again for writes queued after it fired: otherwise a second offline period
 * would have no wake-up from the browser and rest on the module's own retry loop alone.
 */
describe('Background Sync registration', () => {
  const suite = useSuite();

  it('registers for the writes of each offline period, and the browser replays each period once back online', async () => {
    const { context, page } = await suite.open();
    const { mock } = suite.server;
    const keys: string[] = [];
    for (const period of [1, 2]) {
      await goOffline(context);
      for (const n of [1, 2, 3]) {
        const answer = await api(
          page,
          'POST',
          '/api/work-orders',
          jsonBody({ title: `period ${period} #${n}` }),
        );
        expect(answer.status, answer.text).toBe(202);
        keys.push(writeIdOf(answer));
      }
      expect(await syncTags(context)).toContain('offline-kit-sync');
      await goOnline(context);
      await waitForQueueDrained(page);
      // The browser fired the tag and dropped it once the replay succeeded.
      await waitFor(async () => !(await syncTags(context)).includes('offline-kit-sync'), {
        timeout: 10_000,
        message: 'the sync tag to be fired and dropped',
      });
    }
    const titles = (await mock.liveRecords('work-orders')).map((r) => String(r.title));
    for (const period of [1, 2])
      for (const n of [1, 2, 3]) expect(titles.filter((t) => t === `period ${period} #${n}`)).toHaveLength(1);
    const log = await mock.log();
    for (const key of keys) expect(timesApplied(log, key), `applications of ${key}`).toBe(1);
  });
});
