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

// Its own file for the same reason as restart.test.ts: Firefox stops an idle worker only after its idle timeout,
// here 1 s, which the other scenarios must not have.
for (const engine of enginesToRun()) {
  describe(`${engine}: replay with no page open`, () => {
    const suite = useEngine(engine, { serviceWorkerIdleMs: 1_000 });

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
        await suite.browser.stopServiceWorkers(other);
        suite.origin.up();
        const onServer = async (): Promise<boolean> =>
          (await suite.server.mock.liveRecords('work-orders')).some((r) => r.title === title);

        if (suite.browser.fireSyncEvent) {
          // Chromium: its next sync event (connectivity back, or the scheduled retry) starts the worker with no
          // page at all, and the worker sends on its own credentials.
          await suite.browser.fireSyncEvent(other, url);
          await waitFor(onServer, { timeout: 15_000, message: 'the write on the server after a sync event' });
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
}
