import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../sw/src/protocol/api.js';
import {
  api,
  jsonBody,
  kitOf,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';

/** The app's update: the page registers the next version of its worker, which takes over at once. */
async function deploy(page: Page, version: number): Promise<void> {
  await page.evaluate(async (v) => {
    const before = navigator.serviceWorker.controller?.scriptURL;
    const changed = new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
    );
    await navigator.serviceWorker.register(`./sw-schema.js?v=${v}`);
    if (navigator.serviceWorker.controller?.scriptURL === before) await changed;
  }, version);
}

const writesTo = (path: string) => (e: { method: string; path: string }) =>
  e.method !== 'GET' && e.path.startsWith(path);

describe('app updates never strand the queue (issue #17)', () => {
  const suite = useSuite();

  it('queued under v1, sent in v2’s shape exactly once; a dropped write is recorded, a throwing one failed, others proceed', async () => {
    const { page } = await suite.open({ variant: 'schema' });
    const kit = kitOf(page);
    const { mock } = suite.server;
    await kit.setSimulatedOffline(true);
    // Version 1 of the app writes `name`; the API now only knows `title`.
    const queued = {
      renamed: await api(
        page,
        'POST',
        '/api/work-orders',
        jsonBody({ name: 'Boiler check', status: 'open' }),
      ),
      dropped: await api(page, 'POST', '/api/work-orders', jsonBody({ name: 'Old draft', legacy: true })),
      throws: await api(page, 'POST', '/api/work-orders', jsonBody({ name: 'Flood', priority: 'urgent!!' })),
      other: await api(page, 'POST', '/api/work-orders', jsonBody({ name: 'Valve', priority: 'low' })),
    };
    for (const answer of Object.values(queued)) expect(answer.status, answer.text).toBe(202);
    const id = Object.fromEntries(Object.entries(queued).map(([k, a]) => [k, writeIdOf(a)]));

    await deploy(page, 2);
    // Before anything is sent: the queue is already in version 2's shape, the failure and the drop are visible.
    const queue = await kit.listQueue();
    expect(queue.items.map((w) => [w.id, w.state, w.schemaVersion])).toEqual([
      [id.renamed, 'pending', 2],
      [id.throws, 'failed', 1],
      [id.other, 'pending', 2],
    ]);
    expect(queue.items[0]?.json).toEqual({ title: 'Boiler check', status: 'open' });
    const failed = queue.items.find((w) => w.id === id.throws);
    expect(failed?.lastError).toMatchObject({ code: 'migration_failed', details: { from: 1, to: 2 } });
    expect(failed?.lastError?.message).toContain('urgent!!');
    const history: HistoryEntry[] = await kit.getHistory();
    const events = history.flatMap((e) => (e.kind === 'write' ? [[e.writeId, e.event]] : []));
    expect(events).toEqual(
      expect.arrayContaining([
        [id.renamed, 'migrated'],
        [id.other, 'migrated'],
        [id.dropped, 'dropped'],
        [id.throws, 'failed'],
      ]),
    );
    const collections = await kit.listCollections();
    expect(collections.find((c) => c.name === 'work-orders')).toMatchObject({ schemaVersion: 2 });

    await kit.setSimulatedOffline(false);
    await kit.syncNow();
    await waitForQueueDrained(page);

    const log = await mock.log();
    expect(timesApplied(log, id.renamed ?? '')).toBe(1);
    expect(timesApplied(log, id.other ?? '')).toBe(1);
    // Never on the wire: the dropped write, the failed one, and any write in the old shape (the API would answer 400).
    for (const key of [id.dropped, id.throws]) expect(log.filter((e) => e.key === key)).toEqual([]);
    expect(log.filter(writesTo('/api/work-orders')).map((e) => e.status)).toEqual([201, 201]);
    const titles = (await mock.liveRecords('work-orders')).map((r) => r.title);
    expect(titles.filter((t) => t === 'Boiler check' || t === 'Valve')).toHaveLength(2);
    expect(titles).not.toContain('Old draft');
    expect(titles).not.toContain('Flood');
    const left = await kit.listQueue();
    expect(left.items.map((w) => [w.id, w.state])).toEqual([[id.throws, 'failed']]);
  });

  it('a server announcing another protocol pauses the queue: nothing sent, nothing lost, resumes after the app updates', async () => {
    const { mock } = suite.server;
    // The server moved to a newer protocol before this device's app was updated.
    await mock.faults({ protocolVersion: 2 });
    const { page } = await suite.open({ variant: 'schema' });
    const kit = kitOf(page);
    const run = await kit.syncNow();
    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'server_incompatible' } });
    // The page's write is kept in the queue, not sent.
    const queued = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Waits for the update' }));
    expect(queued.status, queued.text).toBe(202);
    await kit.syncNow();
    const status = await kit.getStatus();
    expect(status).toMatchObject({
      paused: true,
      pending: 1,
      pausedReason: { code: 'server_incompatible', details: { server: 2, client: 1 } },
    });
    // What a person sees on the page: the fixture shows the status it was sent.
    await waitFor(async () => (await page.textContent('#paused')) === 'yes (server_incompatible)', {
      message: 'the page to show the pause',
    });
    expect((await mock.log()).filter(writesTo('/api/work-orders'))).toEqual([]);

    // The server and the app's next version agree again: the new worker asks afresh and sends the write once.
    await mock.clearFaults();
    await deploy(page, 2);
    await kit.syncNow();
    await waitForQueueDrained(page);
    const log = await mock.log();
    expect(timesApplied(log, writeIdOf(queued))).toBe(1);
    expect((await mock.liveRecords('work-orders')).map((r) => r.title)).toContain('Waits for the update');
    expect((await kit.getStatus()).paused).toBe(false);
  });
});
