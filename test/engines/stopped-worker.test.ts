import { describe, expect, it } from 'vitest';
import { timesApplied } from '../harness/mock.js';
import { writeIdOf } from '../harness/suite.js';
import { waitFor } from '../harness/wait.js';
import { enginesToRun, type EnginePage } from './driver.js';
import {
  api,
  bootIdOf,
  fixtureReady,
  jsonBody,
  signIn,
  signInWithCookie,
  storeAppToken,
  useEngine,
  type EngineSuite,
  type OpenOptions,
} from './engine-suite.js';

/**
 * Apps whose worker can get credentials with no page: a `credentials` hook that reads the token the app stored, and
 * a same-origin cookie session (the browser adds the cookie; the app named its user with `setCredentials({ headers:
 * {}, user })`). The write must go out with no page action: no sign-in, no `setCredentials`, no click.
 */
const APPS = {
  'a credentials hook': {
    open: { folder: 'hook' },
    async signIn(_suite: EngineSuite, page: EnginePage, token: string) {
      await storeAppToken(page, token);
    },
  },
  'a cookie session': {
    open: { folder: 'plain', auth: 'none' },
    async signIn(_suite: EngineSuite, page: EnginePage) {
      await signInWithCookie(page, 'alice');
    },
  },
} satisfies Record<
  string,
  { open: OpenOptions; signIn(suite: EngineSuite, page: EnginePage, token: string): Promise<void> }
>;

/** The app open and signed in, a list read, then a work order titled `title` created while the API is down. */
async function queuedWhileDown(
  suite: EngineSuite,
  title: string,
): Promise<
  Awaited<ReturnType<EngineSuite['open']>> & { queued: Awaited<ReturnType<typeof api>>; before: string }
> {
  const opened = await suite.open();
  await api(opened.page, 'GET', '/api/work-orders');
  suite.origin.down();
  const queued = await api(opened.page, 'POST', '/api/work-orders', jsonBody({ title }));
  expect(queued.status, queued.text).toBe(202);
  return { ...opened, queued, before: await bootIdOf(opened.page) };
}

// Its own file: Firefox stops a worker only when idle, so this browser is launched with a 1 s idle timeout, which
// the other scenarios must not have (a worker that dies after 1 s would decide their outcome). WebKit stops one that
// has no page left, so there the tab leaves the origin and comes back (webkit-driver.ts). One browser per engine
// for both blocks: a launch is the slow part.
for (const engine of enginesToRun()) {
  describe(`${engine}: a stopped worker`, () => {
    const suite = useEngine(engine, { serviceWorkerIdleMs: 1_000 });

    describe('a worker stopped and started again', () => {
      it('delivers the writes that were waiting when it stopped', async () => {
        const { page, session, queued, before } = await queuedWhileDown(suite, 'Waited through a restart');

        // Its memory (the credentials the page handed over, timers) is gone; only IndexedDB holds the write.
        const { reloaded } = await suite.stopServiceWorkers(page, before);
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
        const { page, session, queued, before } = await queuedWhileDown(suite, 'Until the app is opened');
        const url = await page.evaluate(() => location.href, null);

        // The user closed the app; the engine stops the idle worker; then the API comes back. Nothing wakes a stopped
        // worker in Firefox or WebKit (no Background Sync), and Chromium's sync event already fired and failed while
        // the API was down (its next attempt is minutes away): measured, none of the three delivers within 20 s.
        await page.close();
        const blank = await suite.browser.newPage();
        await blank.goto('about:blank');
        await suite.stopServiceWorkers(blank, before);
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

    describe('replay with no page open', () => {
      it.each(Object.keys(APPS) as (keyof typeof APPS)[])(
        'with %s, a worker stopped with writes waiting sends them without any page action',
        async (name) => {
          const app = APPS[name];
          const { page, session } = await suite.open(app.open);
          await app.signIn(suite, page, session.token);
          const title = `No page: ${name}`;
          await api(page, 'GET', '/api/work-orders');
          suite.origin.down();
          const queued = await api(page, 'POST', '/api/work-orders', jsonBody({ title }));
          expect(queued.status, queued.text).toBe(202);
          const before = await bootIdOf(page);
          const url = suite.appUrl(app.open);

          // The user closed the app, the engine stopped the idle worker (its memory is gone), the API came back.
          await page.close();
          const other = await suite.browser.newPage();
          await other.goto('about:blank');
          await suite.stopServiceWorkers(other, before);
          suite.origin.up();
          const onServer = async (): Promise<boolean> =>
            (await suite.server.mock.liveRecords('work-orders')).some((r) => r.title === title);

          if (suite.browser.fireSyncEvent) {
            // Chromium: its next sync event (connectivity back, or the scheduled retry) starts the worker with no
            // page at all, and the worker sends on its own credentials.
            await suite.browser.fireSyncEvent(other, url);
            await waitFor(onServer, {
              timeout: 15_000,
              message: 'the write on the server after a sync event',
            });
          } else {
            // Firefox, WebKit: nothing but a page starts a worker (no Background Sync). The app is opened again and
            // does nothing: the worker starts and sends on its own credentials.
            await other.goto(url);
            await fixtureReady(other);
            await waitFor(onServer, {
              timeout: 15_000,
              message: 'the write on the server after the app was opened, with no sign-in',
            });
            expect(await bootIdOf(other)).not.toBe(before);
          }
          expect(timesApplied(await suite.server.mock.log(), writeIdOf(queued))).toBe(1);
        },
      );
    });
  });
}
