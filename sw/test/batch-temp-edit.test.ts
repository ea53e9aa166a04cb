import { describe, expect, it } from 'vitest';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

describe('an edit queued while its record is being created', () => {
  it('is delivered in the next batch with the create, under the server id, and nothing is left failed', async () => {
    const server = new FakeServer();
    server.batch = true;
    let rig: Rig | null = null;
    let recordId = '';
    let edited = false;
    // The create is on its way when the user edits the new record; then that send fails (the network drops).
    const fetch = async (request: Request): Promise<Response> => {
      if (!edited && new URL(request.url).pathname === '/api/_batch' && rig !== null) {
        edited = true;
        await rig.write('PATCH', `/api/work-orders/${recordId}`, { status: 'open' });
        throw new TypeError('Failed to fetch');
      }
      return server.fetch(request);
    };
    rig = await makeRig(baseConfig, { server, deps: { fetch } });
    recordId = (await rig.write('POST', '/api/work-orders', { title: 'New pump' })).recordId;
    for (let i = 0; i < 4; i += 1) await rig.engine.sync('all', 'manual');

    expect(edited).toBe(true);
    const queue = (await rig.engine.listQueue()).items;
    expect(queue.map((w) => `${w.method} ${w.state} ${w.lastError?.code ?? ''}`)).toEqual([]);
    const held = server.live('work-orders').filter((r) => r.title === 'New pump');
    expect(held).toEqual([expect.objectContaining({ status: 'open' })]);
    // The device holds it once, under the server's id, with the edit.
    const local = (await rig.engine.listRecords({ collection: 'work-orders' })).items.filter(
      (r) => r.data?.title === 'New pump',
    );
    expect(local.map((r) => ({ id: r.id, status: r.data?.status }))).toEqual([
      { id: held[0]?.id, status: 'open' },
    ]);
  });

  it('kept as a conflict when another user changed the record meanwhile, under the server id', async () => {
    // The create's answer is lost after the server committed it; another user edits the new record on the server;
    // the device edits it too, under its temporary id. The replay batch carries the create (answered again) and the
    // edit, which conflicts: it was kept under the temporary id, a record the device no longer holds by that name.
    const rig = await makeRig(baseConfig);
    rig.server.batch = true;
    rig.server.faults.dropAfterCommit = 1;
    const { recordId } = await rig.write('POST', '/api/work-orders', { title: 'Shared pump' });
    await rig.engine.sync('all', 'manual');
    const created = rig.server.live('work-orders').find((r) => r.title === 'Shared pump');
    if (created === undefined) throw new Error('the create should be on the server');
    rig.server.edit('work-orders', created.id, { title: 'Theirs' });
    await rig.write('PATCH', `/api/work-orders/${recordId}`, { title: 'Mine' });
    for (let i = 0; i < 3; i += 1) await rig.engine.sync('all', 'manual');

    const conflicts = await rig.engine.listConflicts();
    expect(conflicts.map((c) => c.recordId)).toEqual([created.id]);
    const queued = (await rig.engine.listQueue()).items;
    expect(queued.map((w) => `${w.method} ${w.url} ${w.state}`)).toEqual([
      `PATCH /api/work-orders/${created.id} conflict`,
    ]);
  });
});
