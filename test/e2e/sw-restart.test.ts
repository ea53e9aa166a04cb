import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  recordOf,
  recordsOf,
  stopServiceWorkers,
  useSuite,
  wakeServiceWorker,
  waitForQueueDrained,
} from '../harness/index.js';

describe('service worker restart', () => {
  const suite = useSuite();

  it('keeps writes queued across a worker stop and replays each exactly once', async () => {
    const { context, page } = await suite.open();
    const { mock } = suite.server;
    const [existing] = recordsOf(await api(page, 'GET', '/api/work-orders'));
    if (existing === undefined) throw new Error('alice needs a work order in the seed');
    const versionBefore = (await mock.records('work-orders')).find((r) => r.id === existing.id)?.version ?? 0;

    await goOffline(context);
    const created = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'Survives a worker stop' }),
    );
    const edited = await api(
      page,
      'PATCH',
      `/api/work-orders/${existing.id}`,
      jsonBody({ title: 'Edited before stop' }),
    );
    const note = await api(
      page,
      'POST',
      '/api/notes',
      jsonBody({ workOrderId: recordOf(created).id, text: 'Note before stop' }),
    );
    for (const answer of [created, edited, note]) expect(answer.status, answer.text).toBe(202);

    // Everything the worker held in memory is gone; only what it stored survives.
    await stopServiceWorkers(page);
    await wakeServiceWorker(page);
    expect((await kitOf(page).listQueue()).total).toBe(3);
    await stopServiceWorkers(page);
    await wakeServiceWorker(page);
    await goOnline(context);
    await waitForQueueDrained(page);

    const orders = await mock.liveRecords('work-orders');
    const createdOnServer = orders.filter((r) => r.title === 'Survives a worker stop');
    expect(createdOnServer).toHaveLength(1);
    expect(orders.find((r) => r.id === existing.id)).toMatchObject({
      title: 'Edited before stop',
      version: versionBefore + 1,
    });
    const notes = (await mock.liveRecords('notes')).filter((n) => n.text === 'Note before stop');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.workOrderId).toBe(createdOnServer[0]?.id);
  });
});
