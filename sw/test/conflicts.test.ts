import { describe, expect, it } from 'vitest';
import type { ConflictStrategy } from '../src/protocol/config.js';
import { threeWayMerge } from '../src/core/model/records.js';
import { makeRig } from './harness.js';

async function conflictWith(strategy: ConflictStrategy) {
  const rig = await makeRig({
    apiBase: '/api',
    collections: { 'work-orders': { policy: 'read-write-conflict', conflict: strategy } },
  });
  const wo = rig.server.seed('work-orders', { title: 'base', status: 'open', notes: '' });
  await rig.engine.sync();
  const w = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine' });
  rig.server.edit('work-orders', wo.id, { status: 'done' });
  const summary = await rig.engine.sync();
  return { rig, id: wo.id, writeId: w.id, summary };
}

describe('conflict strategies', () => {
  it('manual keeps base, local and server until a person chooses; nothing is written over the server', async () => {
    const { rig, id, writeId, summary } = await conflictWith('manual');
    expect(summary.conflicts).toBe(1);
    const [c] = await rig.engine.listConflicts();
    expect(c).toMatchObject({
      writeId,
      base: { title: 'base' },
      local: { title: 'mine' },
      server: { status: 'done' },
    });
    expect(c?.fields).toEqual(['status', 'title']);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'base', version: 2 });
    expect(rig.events.some((e) => e.type === 'write-conflicted')).toBe(true);
    // Choosing "local" sends the user's version on top of the server's.
    await rig.engine.resolveConflict(writeId, { choice: 'local' });
    await rig.engine.idle();
    expect(rig.server.live('work-orders').find((r) => r.id === id)).toMatchObject({
      title: 'mine',
      version: 3,
    });
  });

  it('server-wins drops the local change but keeps it in the history', async () => {
    const { rig } = await conflictWith('server-wins');
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'base', status: 'done', version: 2 });
    const local = await rig.engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ title: 'base', status: 'done' });
    const resolved = (await rig.engine.getHistory()).find(
      (e) => e.kind === 'write' && e.event === 'resolved',
    );
    expect(JSON.stringify(resolved)).toContain('mine');
  });

  it('client-wins writes the local version on top of the server version', async () => {
    const { rig } = await conflictWith('client-wins');
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'mine', status: 'open', version: 3 });
  });

  it('a merge function gets the three states and its result is written', async () => {
    const { rig } = await conflictWith(
      ({ base, local, server }) => threeWayMerge(base, local, server).merged,
    );
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'mine', status: 'done', version: 3 });
  });

  it('a merge function returning null leaves the conflict for a person', async () => {
    const { rig } = await conflictWith(() => null);
    expect(await rig.engine.listConflicts()).toHaveLength(1);
  });
});
