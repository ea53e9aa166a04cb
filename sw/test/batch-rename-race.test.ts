/**
 * Found by the engine property test (seed 2118355061): two edits of a record created offline, queued while its create
 * was on the wire, replayed in batch chunks of one. The create's settle renames the temporary id; the second edit,
 * still held under the temporary id, was let into the next chunk while the first edit's settle was in flight, built on
 * the version before it, and the server answered 409 — a conflict of the user with their own earlier edit.
 */
import { describe, expect, it } from 'vitest';
import { makeRig } from './harness.js';
import { FakeServer } from './fake-server.js';

const config = {
  apiBase: '/api',
  collections: { 'work-orders': { policy: 'read-write-conflict' as const } },
};

describe('a batch chunk prepared while an earlier chunk settles', () => {
  it('waits for the settle of an edit of a record whose temporary id was renamed meanwhile', async () => {
    const server = new FakeServer();
    server.batch = true;
    server.batchMaxWrites = 1;
    const rig = await makeRig(config, { server });
    await rig.engine.sync();
    server.faults.networkDown = 1;
    const created = await rig.write('POST', '/api/work-orders', { v: 0 });
    await rig.write('POST', '/api/work-orders', { v: 1 });
    // The first replay fails on the network with the create marked `sending`: the edit made meanwhile is queued on its
    // own instead of being folded into the create.
    const run = rig.engine.sync('all', 'manual');
    await rig.write('PATCH', `/api/work-orders/${created.recordId}`, { v: 2 });
    await run;
    await rig.write('PATCH', `/api/work-orders/${created.recordId}`, { v: 3 });
    for (let i = 0; i < 3; i += 1) await rig.engine.sync();

    const queue = await rig.engine.listQueue({ limit: 100 });
    expect(queue.items.map((w) => `${w.method} ${w.url} ${w.state}`)).toEqual([]);
    const held = server.live('work-orders').find((r) => r.v === 3);
    // The create and both edits, each applied once, in order.
    expect(held?.version).toBe(3);
    const keys = server.applied.map((a) => a.key);
    expect(new Set(keys).size).toBe(keys.length);
    await rig.engine.close();
  });
});
