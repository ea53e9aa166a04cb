import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConflictStrategy } from '../src/protocol/config.js';
import { threeWayMerge } from '../src/core/model/records.js';
import { makeRig } from './harness.js';

/** Alice edits the title offline; meanwhile the server's copy changes `theirs` (the status, or the title too). */
async function conflictWith(
  strategy: ConflictStrategy,
  theirs: Record<string, unknown> = { status: 'done' },
) {
  const rig = await makeRig({
    apiBase: '/api',
    collections: { 'work-orders': { policy: 'read-write-conflict', conflict: strategy } },
  });
  const wo = rig.server.seed('work-orders', { title: 'base', status: 'open', notes: '' });
  await rig.engine.sync();
  const w = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine' });
  rig.server.edit('work-orders', wo.id, theirs);
  const summary = await rig.engine.sync();
  return { rig, id: wo.id, writeId: w.id, summary };
}

const both = { status: 'done', title: 'theirs' };

describe('conflict strategies', () => {
  it('manual merges changes to different fields by itself: the server holds both', async () => {
    const { rig, id } = await conflictWith('manual');
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(rig.server.live('work-orders').find((r) => r.id === id)).toMatchObject({
      title: 'mine',
      status: 'done',
      version: 3,
    });
    const resolved = (await rig.engine.getHistory()).find(
      (e) => e.kind === 'write' && e.event === 'resolved',
    );
    expect(resolved?.kind === 'write' && resolved.error?.message).toContain('itself');
  });

  it('manual keeps a field both sides changed for a person, names only that field, and shows the merge', async () => {
    const { rig, id, writeId, summary } = await conflictWith('manual', both);
    expect(summary.conflicts).toBe(1);
    const [c] = await rig.engine.listConflicts();
    expect(c).toMatchObject({
      writeId,
      base: { title: 'base' },
      local: { title: 'mine' },
      server: { status: 'done', title: 'theirs' },
      merged: { status: 'done', title: 'theirs' },
      covers: [],
    });
    expect(c?.fields).toEqual(['title']);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'theirs', version: 2 });
    expect(rig.events.some((e) => e.type === 'write-conflicted')).toBe(true);
    // "Mine" is my changes on top of theirs: my title, their status.
    await rig.engine.resolveConflict(writeId, { choice: 'local' });
    await rig.engine.idle();
    expect(rig.server.live('work-orders').find((r) => r.id === id)).toMatchObject({
      title: 'mine',
      status: 'done',
      version: 3,
    });
  });

  it('one resolution settles every queued write of the record: no second conflict with older text', async () => {
    const rig = await makeRig({
      apiBase: '/api',
      collections: { 'work-orders': { policy: 'read-write-conflict' } },
    });
    const wo = rig.server.seed('work-orders', { title: 'base', status: 'open' });
    await rig.engine.sync();
    const first = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine 1' });
    const second = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine 2' });
    rig.server.edit('work-orders', wo.id, { title: 'theirs' });
    await rig.engine.sync();
    const conflicts = await rig.engine.listConflicts();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      writeId: first.id,
      local: { title: 'mine 2' },
      covers: [second.id],
    });
    await rig.engine.resolveConflict(first.id, { choice: 'server' });
    await rig.engine.sync();
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(await rig.engine.queuedWrites()).toBe(0);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'theirs', version: 2 });
    const local = await rig.engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ title: 'theirs' });
  });

  it('a resolution never changes a field the user did not touch (property)', () => {
    const value = fc.constantFrom('a', 'b', 'c', undefined);
    const rec = fc.record({ f1: value, f2: value, f3: value }).map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
      return out;
    });
    fc.assert(
      fc.property(rec, rec, rec, (base, local, server) => {
        for (const onClash of ['server', 'local'] as const) {
          const { merged } = threeWayMerge(base, local, server, onClash);
          for (const k of ['f1', 'f2', 'f3']) {
            const touched = JSON.stringify(local[k]) !== JSON.stringify(base[k]);
            if (!touched) expect(merged[k]).toEqual(server[k]);
          }
        }
      }),
    );
  });

  it('server-wins drops the local change but keeps it in the history', async () => {
    const { rig } = await conflictWith('server-wins', both);
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'theirs', status: 'done', version: 2 });
    const local = await rig.engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ title: 'theirs', status: 'done' });
    const resolved = (await rig.engine.getHistory()).find(
      (e) => e.kind === 'write' && e.event === 'resolved',
    );
    expect(JSON.stringify(resolved)).toContain('mine');
  });

  it("client-wins writes the user's changes on top of the server version, keeping the server's other fields", async () => {
    const { rig } = await conflictWith('client-wins', both);
    expect(await rig.engine.listConflicts()).toEqual([]);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'mine', status: 'done', version: 3 });
  });

  it('a merge function gets the three states and its result is written', async () => {
    const { rig } = await conflictWith(
      ({ base, local, server }) => threeWayMerge(base, local, server).merged,
    );
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'mine', status: 'done', version: 3 });
  });

  it('a merge function returning null leaves the conflict for a person', async () => {
    const { rig } = await conflictWith(() => null, both);
    expect(await rig.engine.listConflicts()).toHaveLength(1);
  });
});
