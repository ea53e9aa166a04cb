import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  login,
  pageEvents,
  signIn,
  useSuite,
  waitFor,
  waitForQueueDrained,
  whereInIndexedDb,
} from '../harness/index.js';

describe('expired credentials', () => {
  const suite = useSuite();

  it('pauses on 401, loses nothing, asks for credentials, and replays once new ones arrive', async () => {
    const { context, page, session } = await suite.open();
    const { mock } = suite.server;
    await api(page, 'GET', '/api/work-orders');

    await goOffline(context);
    for (const title of ['Queued before expiry 1', 'Queued before expiry 2']) {
      const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title }));
      expect(answer.status, answer.text).toBe(202);
    }
    await mock.expireTokens('alice');
    await goOnline(context);

    const needed = await waitFor(
      async () => (await pageEvents(page)).find((e) => e.type === 'credentials-needed'),
      { message: 'a credentials-needed event' },
    );
    expect(needed.type).toBe('credentials-needed');
    const paused = await waitFor(
      async () => {
        const status = await kitOf(page).getStatus();
        return status.paused && status;
      },
      { message: 'the queue to be paused' },
    );
    expect(paused.pausedReason?.code).toBe('unauthorized');
    expect(paused.pending).toBe(2);
    const held = (await mock.liveRecords('work-orders')).filter((r) =>
      /Queued before expiry/.test(String(r.title)),
    );
    expect(held).toEqual([]);

    const fresh = await login(suite.server.url, 'alice');
    await signIn(page, fresh);
    await waitForQueueDrained(page);
    const delivered = (await mock.liveRecords('work-orders')).filter((r) =>
      /Queued before expiry/.test(String(r.title)),
    );
    expect(delivered.map((r) => r.title).sort()).toEqual([
      'Queued before expiry 1',
      'Queued before expiry 2',
    ]);
    expect((await kitOf(page).getStatus()).paused).toBe(false);

    // The module never writes credentials to disk: neither token appears in any database of the origin.
    const secrets = [session.token, fresh.token, 'Bearer '];
    const nowhere = Object.fromEntries(secrets.map((secret) => [secret, []]));
    expect(await whereInIndexedDb(page, secrets)).toEqual(nowhere);
  });
});
