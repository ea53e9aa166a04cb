import { describe, expect, it } from 'vitest';
import { timesApplied } from '../harness/mock.js';
import { writeIdOf } from '../harness/suite.js';
import { waitFor } from '../harness/wait.js';
import { enginesToRun } from './driver.js';
import { api, bootIdOf, fixtureReady, jsonBody, signIn, useEngine } from './engine-suite.js';

// Its own file: Firefox stops a worker only when idle, so this browser is launched with a 1 s idle timeout, which
// the other scenarios must not have (a worker that dies after 1 s would decide their outcome). WebKit stops one that
// has no page left, so there the tab leaves the origin and comes back (webkit-driver.ts).
for (const engine of enginesToRun()) {
  describe(`${engine}: a worker stopped and started again`, () => {
    const suite = useEngine(engine, { serviceWorkerIdleMs: 1_000 });

    it('delivers the writes that were waiting when it stopped', async () => {
      const { page, session } = await suite.open();
      await api(page, 'GET', '/api/work-orders');
      suite.origin.down();
      const queued = await api(
        page,
        'POST',
        '/api/work-orders',
        jsonBody({ title: 'Waited through a restart' }),
      );
      expect(queued.status, queued.text).toBe(202);
      const before = await bootIdOf(page);

      // Its memory (the credentials the page handed over, timers) is gone; only IndexedDB holds the write.
      const { reloaded } = await suite.browser.stopServiceWorkers(page);
      suite.origin.up();
      if (reloaded) {
        // WebKit: the tab had to leave and come back; the app signs its user in again at load, as apps do.
        await fixtureReady(page);
        await signIn(page, session);
      }

      await waitFor(
        async () =>
          (await suite.server.mock.liveRecords('work-orders')).some(
            (r) => r.title === 'Waited through a restart',
          ),
        { timeout: 30_000, message: 'the write on the server after the restart' },
      );
      expect(await bootIdOf(page)).not.toBe(before);
      expect(timesApplied(await suite.server.mock.log(), writeIdOf(queued))).toBe(1);
    });

    it('delivers the writes of a worker stopped with no page open at the next page load', async () => {
      const { page, session } = await suite.open();
      await api(page, 'GET', '/api/work-orders');
      suite.origin.down();
      const queued = await api(
        page,
        'POST',
        '/api/work-orders',
        jsonBody({ title: 'Until the app is opened' }),
      );
      expect(queued.status, queued.text).toBe(202);
      const before = await bootIdOf(page);
      const url = await page.evaluate(() => location.href, null);

      // The user closed the app; the engine stops the idle worker; then the API comes back. Nothing wakes a stopped
      // worker in Firefox or WebKit (no Background Sync), and Chromium's sync event already fired and failed while
      // the API was down (its next attempt is minutes away): measured, none of the three delivers within 20 s.
      await page.close();
      const blank = await suite.browser.newPage();
      await blank.goto('about:blank');
      await suite.browser.stopServiceWorkers(blank);
      suite.origin.up();

      // The app opened again: it signs its user in at load, and the queue goes out with no other action.
      await blank.goto(url);
      await fixtureReady(blank);
      await signIn(blank, session);
      await waitFor(
        async () =>
          (await suite.server.mock.liveRecords('work-orders')).some(
            (r) => r.title === 'Until the app is opened',
          ),
        { timeout: 20_000, message: 'the write on the server after the app was opened again' },
      );
      expect(await bootIdOf(blank)).not.toBe(before);
      expect(timesApplied(await suite.server.mock.log(), writeIdOf(queued))).toBe(1);
    });
  });
}
