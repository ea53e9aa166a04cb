import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  recordOf,
  recordsOf,
  screenshot,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
  type SwVariant,
} from '../harness/index.js';

describe.each<SwVariant>(['classic', 'module'])('offline writes (%s service worker)', (variant) => {
  const suite = useSuite();

  it('queues a create, two edits and a delete offline, shows them, and applies each exactly once in order', async () => {
    const { context, page } = await suite.open({ variant });
    const { mock } = suite.server;

    // Online read first: it is what the user had on screen before losing the network.
    const list = await api(page, 'GET', '/api/work-orders');
    expect(list.status).toBe(200);
    const [edited, deleted] = recordsOf(list);
    if (edited === undefined || deleted === undefined)
      throw new Error('alice needs two work orders in the seed');
    const before = await mock.records('work-orders');
    const versionOf = (id: string): number => before.find((r) => r.id === id)?.version ?? -1;

    await goOffline(context);
    const created = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: `Offline create ${variant}` }),
    );
    const edit1 = await api(
      page,
      'PATCH',
      `/api/work-orders/${edited.id}`,
      jsonBody({ title: 'First edit' }),
    );
    const edit2 = await api(
      page,
      'PATCH',
      `/api/work-orders/${edited.id}`,
      jsonBody({ title: 'Second edit' }),
    );
    const removal = await api(page, 'DELETE', `/api/work-orders/${deleted.id}`);
    for (const answer of [created, edit1, edit2, removal]) expect(answer.status, answer.text).toBe(202);
    const tempId = recordOf(created).id;
    expect(tempId).toMatch(/^tmp_/);

    // What the app reads while offline: its own writes, answered from IndexedDB, marked pending.
    const offlineList = await api(page, 'GET', '/api/work-orders');
    expect(offlineList.status).toBe(200);
    expect(offlineList.headers['offline-kit-source']).toBe('local');
    const offlineRecords = recordsOf(offlineList);
    expect(offlineRecords.find((r) => r.id === tempId)?.title).toBe(`Offline create ${variant}`);
    expect(offlineRecords.find((r) => r.id === edited.id)?.title).toBe('Second edit');
    expect(offlineRecords.find((r) => r.id === deleted.id)).toBeUndefined();
    const local = await kitOf(page).listRecords({ collection: 'work-orders', limit: 1000 });
    expect(local.items.find((r) => r.id === tempId)).toMatchObject({ pending: true, fromServer: false });
    expect(local.items.find((r) => r.id === edited.id)).toMatchObject({ pending: true });
    const queue = await kitOf(page).listQueue();
    expect(queue.items.map((w) => w.id)).toEqual([created, edit1, edit2, removal].map(writeIdOf));
    expect((await kitOf(page).getStatus()).pending).toBe(4);
    await screenshot(page, `sw-offline-writes-${variant}-offline`);

    // Nothing reached the server while offline.
    expect(await mock.records('work-orders')).toEqual(before);

    await goOnline(context);
    await waitForQueueDrained(page);

    const after = await mock.records('work-orders');
    const createdOnServer = after.filter((r) => r.title === `Offline create ${variant}`);
    expect(createdOnServer).toHaveLength(1);
    expect(createdOnServer[0]?.version).toBe(1);
    // Both edits applied, in order, once each: the last one wins and the version moved by exactly two.
    expect(after.find((r) => r.id === edited.id)).toMatchObject({
      title: 'Second edit',
      version: versionOf(edited.id) + 2,
    });
    expect(after.find((r) => r.id === deleted.id)).toMatchObject({
      deleted: true,
      version: versionOf(deleted.id) + 1,
    });

    // Each Idempotency-Key was applied once: any later attempt with it was answered as a replay.
    const log = await mock.log();
    for (const answer of [created, edit1, edit2, removal]) {
      expect(timesApplied(log, writeIdOf(answer)), `applications of ${writeIdOf(answer)}`).toBe(1);
    }
    // In the order they were made.
    const order = [created, edit1, edit2, removal].map(writeIdOf);
    const firstSeen = order.map((key) => log.find((e) => e.key === key && !e.replay)?.seq ?? -1);
    expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));

    // The page now reads the server's truth, the temporary id replaced by the server's.
    const online = recordsOf(await api(page, 'GET', '/api/work-orders'));
    expect(online.find((r) => r.id === tempId)).toBeUndefined();
    expect(online.find((r) => r.title === `Offline create ${variant}`)?.id).toBe(createdOnServer[0]?.id);
    await waitFor(async () => (await kitOf(page).listQueue()).total === 0, { message: 'an empty queue' });
    await screenshot(page, `sw-offline-writes-${variant}-synced`);
  });
});
