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

  it('answers a read that wakes a stopped worker from the network, stores it, and honours simulated offline', async () => {
    const { context, page } = await suite.open();
    const { mock } = suite.server;
    const [existing] = recordsOf(await api(page, 'GET', '/api/work-orders'));
    if (existing === undefined) throw new Error('alice needs a work order in the seed');

    // The read is the first request of the new worker: it goes out while the partition opens (a cold start).
    await mock.edit({
      collection: 'work-orders',
      id: existing.id,
      patch: { title: 'Changed while the worker slept' },
    });
    await stopServiceWorkers(page);
    const woken = await api(page, 'GET', '/api/work-orders');
    expect(woken.status).toBe(200);
    expect(woken.headers['offline-kit-source']).toBe('network');
    expect(recordsOf(woken).find((r) => r.id === existing.id)?.title).toBe('Changed while the worker slept');
    // ...and what it answered was stored: offline, the local copy has it.
    await goOffline(context);
    const local = await api(page, 'GET', '/api/work-orders');
    expect(local.headers['offline-kit-source']).toBe('local');
    expect(recordsOf(local).find((r) => r.id === existing.id)?.title).toBe('Changed while the worker slept');
    await goOnline(context);

    // Simulated offline lives in the partition: a cold-start read is answered from the local copy, not the server's.
    await kitOf(page).setSimulatedOffline(true);
    await mock.edit({
      collection: 'work-orders',
      id: existing.id,
      patch: { title: 'Not to be seen offline' },
    });
    await stopServiceWorkers(page);
    const simulated = await api(page, 'GET', '/api/work-orders');
    expect(simulated.headers['offline-kit-source']).toBe('local');
    expect(recordsOf(simulated).find((r) => r.id === existing.id)?.title).toBe(
      'Changed while the worker slept',
    );
    await kitOf(page).setSimulatedOffline(false);
    const back = await api(page, 'GET', '/api/work-orders');
    expect(recordsOf(back).find((r) => r.id === existing.id)?.title).toBe('Not to be seen offline');
  });
});
