import type { Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  whereInIndexedDb,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  useSuite,
  waitFor,
  waitForQueueDrained,
} from '../harness/index.js';

/** What `whereInIndexedDb` answers when none of `secrets` is stored anywhere. */
const nowhere = (secrets: readonly string[]): Record<string, string[]> =>
  Object.fromEntries(secrets.map((secret) => [secret, []]));

/**
 * The `encrypted` fixture worker: `encryptAtRest: { key: 'app' }` (the page derives the key at sign-in and hands it
 * over with its credentials) and `replayHeaders: ['x-tenant']`.
 */
describe('sensitive headers and encryption at rest, in Chromium', () => {
  const suite = useSuite();

  it('neither stores nor replays an X-Api-Key the page sent, and a raw dump of the databases holds no user data', async () => {
    const { context, page, session } = await suite.open({ variant: 'encrypted' });
    const { mock } = suite.server;
    // What the service worker itself sends (the replay), as Chromium reports it.
    const replayed: Record<string, string>[] = [];
    const seen: string[] = [];
    context.on('request', (request: Request) => {
      seen.push(`${request.serviceWorker() !== null ? 'sw' : 'page'} ${request.method()} ${request.url()}`);
      if (
        request.serviceWorker() !== null &&
        request.method() === 'POST' &&
        /\/api\/work-orders(\?|$)/.test(request.url())
      )
        replayed.push(request.headers());
    });
    await api(page, 'GET', '/api/work-orders');

    await goOffline(context);
    const answer = await api(
      page,
      'POST',
      '/api/work-orders?source=SECRET-QUERY-E2E',
      jsonBody({ title: 'SECRET-TITLE-E2E' }),
      { 'X-Api-Key': 'SECRET-API-KEY-E2E', 'X-Tenant': 'SECRET-TENANT-E2E' },
    );
    expect(answer.status, answer.text).toBe(202);
    const [queued] = (await kitOf(page).listQueue()).items;
    expect(queued?.url).toContain('SECRET-QUERY-E2E');

    // The queued write on disk: body, URL, the listed header and the page's token all sealed or absent.
    const queuedSecrets = [
      'SECRET-TITLE-E2E',
      'SECRET-QUERY-E2E',
      'SECRET-API-KEY-E2E',
      'SECRET-TENANT-E2E',
      session.token,
    ];
    expect(await whereInIndexedDb(page, queuedSecrets)).toEqual(nowhere(queuedSecrets));

    await goOnline(context);
    await waitForQueueDrained(page);
    const created = (await mock.liveRecords('work-orders')).find((r) => r.title === 'SECRET-TITLE-E2E');
    expect(created).toBeDefined();

    // The replay carried the listed header, not the key the app never listed.
    const sent = await waitFor(() => replayed[0], {
      message: `the worker's replay of the create: ${seen.join(', ')}`,
    });
    expect(sent['x-tenant']).toBe('SECRET-TENANT-E2E');
    expect(sent['x-api-key']).toBeUndefined();

    // After the sync the local copy holds the created record: still nothing readable on disk.
    const local = await kitOf(page).listRecords({ collection: 'work-orders', search: 'SECRET-TITLE-E2E' });
    expect(local.total).toBe(1);
    const storedSecrets = ['SECRET-TITLE-E2E', 'SECRET-QUERY-E2E', 'SECRET-TENANT-E2E'];
    expect(await whereInIndexedDb(page, storedSecrets)).toEqual(nowhere(storedSecrets));
  });

  it('does not store an X-Api-Key or CSRF token with a queued write, even without encryption', async () => {
    const { context, page } = await suite.open();
    await api(page, 'GET', '/api/work-orders');
    await goOffline(context);
    const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Plain partition' }), {
      'X-Api-Key': 'SECRET-API-KEY-PLAIN',
      'X-CSRF-Token': 'SECRET-CSRF-PLAIN',
      'Accept-Language': 'fr-CH',
    });
    expect(answer.status, answer.text).toBe(202);
    // The partition is plain, so what was kept is readable: the allow-listed header is there, the secrets are not.
    expect(await whereInIndexedDb(page, ['fr-CH', 'SECRET-API-KEY-PLAIN', 'SECRET-CSRF-PLAIN'])).toEqual({
      'fr-CH': ['offline-kit-alice/queue'],
      'SECRET-API-KEY-PLAIN': [],
      'SECRET-CSRF-PLAIN': [],
    });
    await goOnline(context);
    await waitForQueueDrained(page);
  });
});
