import { describe, expect, it } from 'vitest';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

/**
 * Batch push sends the next chunk while the previous answer is being settled. These tests pin what the overlap must
 * never change: each write applied once, in queue order, later writes of a record on the version the earlier ones
 * produced, and a chunk prepared in vain put back without counting an attempt.
 */
async function rigWithBatches(maxWrites: number, onBatch?: (n: number) => Promise<void>): Promise<Rig> {
  const server = new FakeServer();
  server.batchMaxWrites = maxWrites;
  let batches = 0;
  const fetch = async (request: Request): Promise<Response> => {
    if (new URL(request.url).pathname.endsWith('/_batch')) await onBatch?.((batches += 1));
    return server.fetch(request);
  };
  return makeRig(baseConfig, { server, deps: { fetch } });
}

function appliedTitles(rig: Rig): string[] {
  return rig.server.applied.map((a) => a.key);
}

describe('pipelined batch push', () => {
  it('sends the next chunk while the previous one is still settling', async () => {
    let releaseSettle: () => void = () => undefined;
    const settleHeld = new Promise<void>((resolve) => (releaseSettle = resolve));
    let secondSentWhileHeld = false;
    let held = true;
    const rig = await rigWithBatches(5, (n) => {
      if (n === 2) secondSentWhileHeld = held;
      return Promise.resolve();
    });
    const first = await rig.write('POST', '/api/work-orders', { title: 'w0' });
    for (let i = 1; i < 12; i += 1) await rig.write('POST', '/api/work-orders', { title: `w${i}` });
    // The first chunk's settle needs the lock of its first record: held until the second chunk went out (or, if the
    // push waited for the settle, a while, so the test fails instead of hanging).
    const lock = rig.engine.ctx.locks.run([first.recordId], async () => {
      await Promise.race([settleHeld, new Promise((resolve) => setTimeout(resolve, 1000))]);
      held = false;
    });
    const sync = rig.engine.sync('all', 'manual');
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (secondSentWhileHeld || !held) resolve();
        else setTimeout(poll, 5);
      };
      poll();
    });
    releaseSettle();
    await lock;
    await sync;
    expect(secondSentWhileHeld).toBe(true);
    const titles = rig.server.live('work-orders').map((r) => r.title);
    expect(titles.filter((t) => typeof t === 'string' && t.startsWith('w'))).toEqual(
      Array.from({ length: 12 }, (_, i) => `w${i}`),
    );
    expect(await rig.engine.ctx.queue.count()).toBe(0);
    await rig.engine.close();
  });

  it('a record edited in consecutive chunks gets each edit on the version the previous one produced', async () => {
    const rig = await rigWithBatches(2);
    const wo = rig.server.seed('work-orders', { title: 'start' });
    await rig.engine.sync('all', 'manual');
    const keys: string[] = [];
    const parent = await rig.write('POST', '/api/work-orders', { title: 'parent' });
    keys.push(parent.id);
    for (let i = 1; i <= 6; i += 1) {
      keys.push((await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: `edit-${i}` })).id);
      // A child naming the parent's temporary id, in a later chunk than the parent's create.
      keys.push((await rig.write('POST', '/api/notes', { workOrderId: parent.recordId, text: `n${i}` })).id);
    }
    await rig.engine.sync('all', 'manual');
    const status = await rig.engine.status();
    expect({ conflicts: status.conflicts, failed: status.failed, pending: status.pending }).toEqual({
      conflicts: 0,
      failed: 0,
      pending: 0,
    });
    expect(rig.server.live('work-orders').find((r) => r.id === wo.id)).toMatchObject({
      title: 'edit-6',
      version: 7,
    });
    const parentId = rig.server.live('work-orders').find((r) => r.title === 'parent')?.id;
    const notes = rig.server.live('notes');
    expect(notes.map((n) => [n.text, n.workOrderId])).toEqual(
      Array.from({ length: 6 }, (_, i) => [`n${i + 1}`, parentId]),
    );
    // Applied once each, in the order they were queued.
    expect(appliedTitles(rig)).toEqual(keys);
    await rig.engine.close();
  });

  it('a chunk answered with a failure puts the chunk prepared meanwhile back, its attempt uncounted', async () => {
    const rig = await rigWithBatches(3);
    const keys: string[] = [];
    for (let i = 0; i < 9; i += 1)
      keys.push((await rig.write('POST', '/api/work-orders', { title: `w${i}` })).id);
    rig.server.faults.failNext = { count: 1, status: 503 };
    await rig.engine.sync('all', 'manual');
    const queue = await rig.engine.ctx.queue.page(0, 100);
    // The first write got the 503 (one attempt); the rest of its chunk was not attempted, the next chunk not sent.
    expect(queue.map((w) => [w.id, w.state, w.attempts])).toEqual(
      keys.map((id, i) => [id, 'pending', i === 0 ? 1 : 0]),
    );
    expect(rig.server.applied).toEqual([]);
    await rig.engine.sync('all', 'manual');
    expect(appliedTitles(rig)).toEqual(keys);
    expect(await rig.engine.ctx.queue.count()).toBe(0);
    await rig.engine.close();
  });
});

describe('one by one (batch push off)', () => {
  it('acknowledgements that arrive while one commits share the next commit', async () => {
    const server = new FakeServer();
    server.batch = false;
    const rig = await makeRig(baseConfig, { server });
    let commits = 0;
    const queue = rig.engine.ctx.queue;
    const open = queue.settleTransaction.bind(queue);
    queue.settleTransaction = () => {
      commits += 1;
      return open();
    };
    const keys: string[] = [];
    for (let i = 0; i < 12; i += 1)
      keys.push((await rig.write('POST', '/api/work-orders', { title: `w${i}` })).id);
    const first = (await rig.engine.ctx.queue.get(keys[0] ?? ''))?.recordId ?? '';
    // The first acknowledgement waits for its record's lock until the other five in flight are answered.
    const lock = rig.engine.ctx.locks.run([first], async () => {
      for (let i = 0; i < 200 && server.applied.length < 6; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await rig.engine.sync('all', 'manual');
    await lock;
    expect(server.applied.map((a) => a.key).sort()).toEqual([...keys].sort());
    expect(await rig.engine.ctx.queue.count()).toBe(0);
    expect(commits).toBeLessThan(keys.length);
    await rig.engine.close();
  });
});
