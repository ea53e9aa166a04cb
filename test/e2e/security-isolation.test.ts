/**
 * The worker as a hostile same-origin script and a shared device see it (issue: security and isolation). Each test
 * attacks through what a page can really do: raw messages to the worker, a second user signing in mid-replay, a
 * request carrying another user's token.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  login,
  openFixtureApp,
  readIndexedDb,
  signIn,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';

const SCOPE = '/__fixtures/app/dist/';

/**
 * What any script on the origin can post: a comlink message of its own making on a port handed to the worker with
 * the connect message the page client uses. Returns the worker's raw answer.
 */
async function rawCall(page: Page, message: Record<string, unknown>): Promise<unknown> {
  return page.evaluate(
    async ([scope, msg]) => {
      const registration = await navigator.serviceWorker.getRegistration(scope);
      const worker = registration?.active;
      if (!worker) return 'no worker';
      const channel = new MessageChannel();
      worker.postMessage({ type: 'offline-kit-connect' }, [channel.port2]);
      return new Promise<unknown>((resolve) => {
        const timer = setTimeout(() => resolve('no answer'), 3000);
        channel.port1.onmessage = (event: MessageEvent<unknown>) => {
          clearTimeout(timer);
          resolve(event.data);
        };
        channel.port1.postMessage({ id: 'attack-1', ...msg });
      });
    },
    [SCOPE, message] as const,
  );
}

function isRefusal(answer: unknown): boolean {
  return (
    typeof answer === 'object' &&
    answer !== null &&
    (answer as { type?: unknown }).type === 'HANDLER' &&
    (answer as { name?: unknown }).name === 'throw'
  );
}

describe('a same-origin script against the page API', () => {
  const suite = useSuite();

  it('gets no internals: reads, writes and calls beside the API methods are refused', async () => {
    const { page, session } = await suite.open();
    const attacks: Record<string, unknown>[] = [
      { type: 'GET', path: ['runtime', 'credentials'] },
      { type: 'GET', path: ['runtime', 'secrets'] },
      { type: 'GET', path: ['runtime'] },
      { type: 'APPLY', path: ['runtime', 'replayCredentials'], argumentList: [] },
      { type: 'SET', path: ['runtime', 'devtools'], value: { type: 'RAW', value: false } },
      { type: 'GET', path: ['getStatus', 'constructor'] },
      { type: 'APPLY', path: ['constructor'], argumentList: [] },
      { type: 'ENDPOINT', path: [] },
    ];
    for (const attack of attacks) {
      const answer = await rawCall(page, attack);
      expect(isRefusal(answer), `${JSON.stringify(attack)} answered ${JSON.stringify(answer)}`).toBe(true);
      expect(JSON.stringify(answer)).not.toContain(session.token);
    }
    // The SET above changed nothing: the devtools bridge is still on, as configured.
    expect((await kitOf(page).getStatus()).devtools).toBe(true);
    // A real call with plain arguments is still served.
    const status = await rawCall(page, { type: 'APPLY', path: ['getStatus'], argumentList: [] });
    expect(status).toMatchObject({ type: 'RAW', value: { devtools: true } });
    expect(JSON.stringify(status)).not.toContain(session.token);
  });

  it('refuses a same-origin page outside the worker scope', async () => {
    const { context } = await suite.open();
    const outside = await context.newPage();
    await outside.goto(`${suite.server.url}/__fixtures/outside-scope.html`);
    const answer = await rawCall(outside, { type: 'APPLY', path: ['getStatus'], argumentList: [] });
    expect(isRefusal(answer), JSON.stringify(answer)).toBe(true);
  });
});

describe('two users on one device', () => {
  const suite = useSuite();

  it("never sends alice's queued writes with bob's token when bob signs in mid-replay", async () => {
    const { mock } = suite.server;
    // Without a batch endpoint (refused before the worker first asks), and all on one record, the writes go one at a
    // time: a replay that takes seconds.
    const context = await suite.browser.newContext();
    onTestFinished(() => context.close());
    await context.route('**/api/_sync', (route) => route.fulfill({ status: 404, body: '' }));
    const session = await login(suite.server.url, 'alice');
    const page = await openFixtureApp(context, suite.server.url, { session });
    const created = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Shared pump' }));
    expect(created.status, created.text).toBe(201);
    const id = String((created.json as { id: string }).id);

    await goOffline(context);
    const keys: string[] = [];
    for (let i = 1; i <= 8; i += 1) {
      const queued = await api(
        page,
        'PATCH',
        `/api/work-orders/${id}`,
        jsonBody({ description: `alice ${i}` }),
      );
      expect(queued.status, queued.text).toBe(202);
      keys.push(writeIdOf(queued));
    }
    await mock.faults({ latencyMs: 400 });
    await goOnline(context);
    await waitFor(async () => (await mock.log()).some((e) => e.key !== null && keys.includes(e.key)), {
      message: 'the replay to start',
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const bob = await login(suite.server.url, 'bob');
    await signIn(page, bob);
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const sentAs = (await mock.log()).filter((e) => e.key !== null && keys.includes(e.key));
    expect(sentAs.filter((e) => e.user !== 'alice')).toEqual([]);

    // Alice's writes waited in her partition; she signs in again and they arrive, each once, as hers.
    await mock.clearFaults();
    const alice = await login(suite.server.url, 'alice');
    await signIn(page, alice);
    await waitForQueueDrained(page);
    const log = await mock.log();
    for (const key of keys) expect(timesApplied(log, key), key).toBe(1);
    expect(log.filter((e) => e.key !== null && keys.includes(e.key) && e.user !== 'alice')).toEqual([]);
    const held = (await mock.records('work-orders')).find((r) => r.id === id);
    expect(held?.description).toBe('alice 8');
  });

  it("keeps a list fetched with bob's token out of every partition but bob's", async () => {
    const { context, page } = await suite.open();
    await api(page, 'GET', '/api/work-orders');
    // The documented sign-out.
    await kitOf(page).clearLocalData({ unsynced: 'discard' });
    await kitOf(page).setCredentials(null);

    // Bob's app renders its list before it has handed his credentials to the worker.
    const bob = await login(suite.server.url, 'bob');
    const bobsList = await page.evaluate(async (token) => {
      const response = await fetch('/api/work-orders', { headers: { Authorization: `Bearer ${token}` } });
      return { status: response.status, text: await response.text() };
    }, bob.token);
    expect(bobsList.status).toBe(200);
    expect(bobsList.text).toContain('"wo_4"');

    // Alice signs in again on the same device and goes offline: bob-only wo_4 is nowhere in what she can read.
    const alice = await login(suite.server.url, 'alice');
    await signIn(page, alice);
    await goOffline(context);
    const list = await api(page, 'GET', '/api/work-orders');
    expect(list.text).not.toContain('"wo_4"');
    const one = await api(page, 'GET', '/api/work-orders/wo_4');
    expect(one.status).not.toBe(200);
    for (const name of ['offline-kit-alice', 'offline-kit-anonymous']) {
      const records = await readIndexedDb(page, name, 'records');
      expect(JSON.stringify(records), name).not.toContain('wo_4');
    }
  });
});
