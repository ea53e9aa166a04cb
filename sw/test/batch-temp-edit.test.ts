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
      (r) => r.data.title === 'New pump',
    );
    expect(local.map((r) => ({ id: r.id, status: r.data.status }))).toEqual([
      { id: held[0]?.id, status: 'open' },
    ]);
  });
});
