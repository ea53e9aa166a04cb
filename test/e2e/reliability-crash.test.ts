import { rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  fixtureAppUrl,
  fixtureReady,
  goOffline,
  goOnline,
  jsonBody,
  launchBrowser,
  launchKillable,
  login,
  openFixtureApp,
  pageEvents,
  readIndexedDb,
  listIndexedDbs,
  signIn,
  startMockServer,
  startMockServerProcess,
  stopServiceWorkers,
  useSuite,
  wakeServiceWorker,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
  timesApplied,
  type MockClient,
} from '../harness/index.js';

const TITLES = ['Crash write 1', 'Crash write 2', 'Crash write 3', 'Crash write 4', 'Crash write 5'];

async function queueOffline(page: Page, titles: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const title of titles) {
    const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title }));
    expect(answer.status, answer.text).toBe(202);
    ids.push(writeIdOf(answer));
  }
  return ids;
}

/** Until the module reports one of `keys` sent: the replay is then on the wire, not just being prepared. */
async function waitForWriteSent(page: Page, keys: readonly string[]): Promise<void> {
  await waitFor(
    async () => (await pageEvents(page)).some((e) => e.type === 'write-sent' && keys.includes(e.write.id)),
    { message: 'a queued write on the wire' },
  );
}

/** Each title exactly once on the server: nothing lost, nothing duplicated. */
async function expectEachOnce(mock: MockClient, titles: readonly string[]): Promise<void> {
  const held = (await mock.liveRecords('work-orders'))
    .map((r) => r.title)
    .filter((t) => titles.includes(String(t)));
  expect(held.sort()).toEqual([...titles].sort());
}

async function allArrived(mock: MockClient, titles: readonly string[]): Promise<boolean> {
  const held = new Set((await mock.liveRecords('work-orders')).map((r) => r.title));
  return titles.every((t) => held.has(t));
}

describe('crashes in the real browser (issue #7)', () => {
  const suite = useSuite();

  it('service worker stopped in the middle of a replay: nothing lost or duplicated', async () => {
    const { context, page } = await suite.open();
    const { mock } = suite.server;
    await api(page, 'GET', '/api/work-orders');
    await goOffline(context);
    const keys = await queueOffline(page, TITLES);

    // A slow server keeps the replay in flight long enough to kill the worker during it.
    await mock.faults({ latencyMs: 1_500 });
    await goOnline(context);
    await waitForWriteSent(page, keys);
    await stopServiceWorkers(page);
    await mock.clearFaults();
    await wakeServiceWorker(page);

    await waitFor(() => allArrived(mock, TITLES), {
      timeout: 20_000,
      message: 'all writes after the restart',
    });
    await waitForQueueDrained(page);
    await expectEachOnce(mock, TITLES);
    // The stop really cut a replay on the wire: the server saw a write request end without an answer.
    const cut = (await mock.log()).filter((e) => e.method === 'POST' && e.status === 0);
    expect(cut.length).toBeGreaterThanOrEqual(1);
  });

  it('lost response after the server committed: the write is applied exactly once', async () => {
    const { page } = await suite.open();
    const { mock } = suite.server;
    await api(page, 'GET', '/api/work-orders');
    // Quiet first, and only the write's path: the dropped answer must be the write's, not a background pull's.
    await waitForQueueDrained(page);
    await mock.faults({ dropNext: { count: 1, when: 'after-commit', pathPrefix: '/api/work-orders' } });
    const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Committed, answer lost' }));
    // Accepted either way: 202 (kept queued) or 201 (the module resent it with the same key and got the stored answer).
    expect([201, 202], answer.text).toContain(answer.status);
    await waitForQueueDrained(page, 20_000);
    await expectEachOnce(mock, ['Committed, answer lost']);
    const log = await mock.log();
    const dropped = log.find((e) => e.fault === 'drop-after-commit' && e.method === 'POST');
    if (dropped?.key == null) throw new Error('the fault did not hit a write');
    if (answer.status === 202) expect(writeIdOf(answer)).toBe(dropped.key);
    // The resend carried the same Idempotency-Key and was answered from the store, not applied again.
    expect(log.some((e) => e.key === dropped.key && e.replay)).toBe(true);
    expect(timesApplied(log, dropped.key)).toBe(1);
  });
});

describe('browser killed and restarted on the same profile', () => {
  it('keeps the queue through SIGKILL of the browser and replays it after restart', async () => {
    const server = await startMockServer();
    let browser = await launchKillable();
    try {
      const session = await login(server.url, 'alice');
      const page = await openFixtureApp(browser.context, server.url, { session });
      await api(page, 'GET', '/api/work-orders');
      // Unreachable rather than offline emulation: it lives in the server, so it outlives the browser.
      await server.mock.faults({ unreachableForMs: 60_000 });
      const titles = TITLES.slice(0, 3);
      await queueOffline(page, titles);
      const stored = await waitFor(
        async () => {
          for (const name of await listIndexedDbs(page)) {
            const queue = await readIndexedDb(page, name, 'queue');
            if (queue !== null && queue.length === titles.length) return queue;
          }
          return null;
        },
        { message: 'the three writes stored in IndexedDB' },
      );
      expect(stored).toHaveLength(3);

      await browser.kill();
      await server.mock.clearFaults();
      expect(
        (await server.mock.liveRecords('work-orders')).filter((r) => titles.includes(String(r.title))),
      ).toEqual([]);

      browser = await launchKillable({ userDataDir: browser.userDataDir });
      const reopened = await browser.context.newPage();
      await reopened.goto(fixtureAppUrl(server.url));
      await fixtureReady(reopened);
      // Credentials live in memory only: after a crash the app signs in again, as a user would.
      await signIn(reopened, await login(server.url, 'alice'));
      await waitFor(() => allArrived(server.mock, titles), {
        timeout: 20_000,
        message: 'writes after restart',
      });
      await waitForQueueDrained(reopened);
      await expectEachOnce(server.mock, titles);
    } finally {
      await browser.close();
      await rm(browser.userDataDir, { recursive: true, force: true });
      await server.close();
    }
  });
});

describe('server-mock killed in the middle of a batch', () => {
  let close: (() => Promise<void>) | null = null;
  afterAll(async () => {
    await close?.();
  });

  it('loses nothing and duplicates nothing when the server dies mid-batch and comes back on the same data', async () => {
    const server = await startMockServerProcess();
    const browserInstance = await launchBrowser();
    close = async () => {
      await browserInstance.close();
      await server.close();
    };
    const context = await browserInstance.newContext();
    const session = await login(server.url, 'alice');
    const page = await openFixtureApp(context, server.url, { session });
    await api(page, 'GET', '/api/work-orders');
    await goOffline(context);
    const keys = await queueOffline(page, TITLES);

    await server.mock.faults({ latencyMs: 1_000 });
    await goOnline(context);
    await waitForWriteSent(page, keys);
    await server.kill();
    await server.restart();

    await waitFor(() => allArrived(server.mock, TITLES), {
      timeout: 30_000,
      message: 'all writes after restart',
    });
    await waitForQueueDrained(page, 30_000);
    await expectEachOnce(server.mock, TITLES);
  });
});
