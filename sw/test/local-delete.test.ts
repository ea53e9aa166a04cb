/**
 * Deleting a local record or clearing a collection's local copy (the devtools panel's "Delete" and "Clear"): what the
 * app reads offline afterwards, what the server still holds, and that a queued write is never lost silently.
 */
import { describe, expect, it } from 'vitest';
import { OfflineKitError } from '../src/protocol/errors.js';
import { baseConfig, makeRig, readThrough, type Rig } from './harness.js';

/** Titles (or names) of what an offline list read answers; 'not synced' when the device holds nothing of it. */
async function offlineList(rig: Rig, collection: string): Promise<unknown[] | 'not synced'> {
  const { response } = await readThrough(rig, `/api/${collection}`);
  if (response.status === 503) return 'not synced';
  const body = (await response.json()) as { records: { title?: unknown; name?: unknown }[] };
  return body.records.map((r) => r.title ?? r.name);
}

async function offlineRig(): Promise<{ rig: Rig; online: (on: boolean) => void }> {
  let isOnline = true;
  const rig = await makeRig(baseConfig, { deps: { browserOnline: () => isOnline } });
  return { rig, online: (on) => (isOnline = on) };
}

async function rejection(promise: Promise<unknown>): Promise<OfflineKitError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof OfflineKitError))
    throw new Error(`expected an OfflineKitError, got ${String(error)}`);
  return error;
}

describe('deleting local data from the panel', () => {
  it('deletes one record locally: offline reads no longer return it, the server keeps it', async () => {
    const { rig, online } = await offlineRig();
    const keep = rig.server.seed('work-orders', { title: 'Keep' });
    const gone = rig.server.seed('work-orders', { title: 'Delete me' });
    await rig.engine.sync();
    online(false);
    expect(await offlineList(rig, 'work-orders')).toEqual(['Keep', 'Delete me']);

    await rig.engine.deleteLocalRecord('work-orders', gone.id);

    expect(await offlineList(rig, 'work-orders')).toEqual(['Keep']);
    expect((await readThrough(rig, `/api/work-orders/${gone.id}`)).response.status).toBe(404);
    expect(rig.server.live('work-orders').map((r) => r.id)).toEqual([keep.id, gone.id]);
    expect(rig.events).toContainEqual({ type: 'data-changed', collection: 'work-orders', ids: [gone.id] });
    const missing = await rejection(rig.engine.deleteLocalRecord('work-orders', gone.id));
    expect(missing.code).toBe('not_found');
  });

  it('refuses while the record has queued writes, names them, and keeps them and the record', async () => {
    const { rig, online } = await offlineRig();
    const wo = rig.server.seed('work-orders', { title: 'Boiler' });
    await rig.engine.sync();
    online(false);
    const edit = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'Boiler (edited offline)' });

    const refused = await rejection(rig.engine.deleteLocalRecord('work-orders', wo.id));
    expect(refused.code).toBe('invalid_state');
    expect(refused.message).toContain('1 queued write');
    expect(refused.details).toMatchObject({
      reason: 'unsynced',
      unsynced: 1,
      writes: [{ id: edit.id, method: 'PATCH', recordId: wo.id, state: 'pending' }],
    });
    expect(await offlineList(rig, 'work-orders')).toEqual(['Boiler (edited offline)']);

    online(true);
    await rig.engine.sync();
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'Boiler (edited offline)' });
  });

  it('with discard, drops the record and its queued writes: nothing of them reaches the server', async () => {
    const { rig, online } = await offlineRig();
    online(false);
    const created = await rig.write('POST', '/api/work-orders', { title: 'Never sent' });
    await rig.write('PATCH', `/api/work-orders/${created.recordId}`, { status: 'open' });
    await rig.write('POST', '/api/work-orders', { title: 'Sent' });
    const queued = (await rig.engine.listQueue()).items.filter((w) => w.recordId === created.recordId);
    expect(queued.length).toBeGreaterThan(0);

    await rig.engine.deleteLocalRecord('work-orders', created.recordId, 'discard');

    expect(await offlineList(rig, 'work-orders')).toEqual(['Sent']);
    expect((await rig.engine.listQueue()).total).toBe(1);
    const discarded = (await rig.engine.getHistory()).filter(
      (e) => e.kind === 'write' && e.event === 'discarded',
    );
    expect(discarded.map((e) => (e.kind === 'write' ? e.writeId : ''))).toEqual(queued.map((w) => w.id));
    online(true);
    await rig.engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Sent']);
  });

  it('clears a collection locally; the next pull brings it back whole, even by delta cursor', async () => {
    const { rig, online } = await offlineRig();
    for (const name of ['bolt', 'nut', 'washer']) rig.server.seed('parts', { name });
    rig.server.seed('work-orders', { title: 'Other collection' });
    await rig.engine.sync();
    online(false);

    await rig.engine.clearLocalCollection('parts');

    // Read as a collection never synced here: an empty list would claim a sync that holds nothing.
    expect(await offlineList(rig, 'parts')).toBe('not synced');
    expect(await offlineList(rig, 'work-orders')).toEqual(['Other collection']);
    expect(rig.server.live('parts')).toHaveLength(3);
    online(true);
    await rig.engine.sync();
    online(false);
    expect(await offlineList(rig, 'parts')).toEqual(['bolt', 'nut', 'washer']);
  });

  it('clearing a collection with queued writes refuses, then discards them only when asked', async () => {
    const { rig, online } = await offlineRig();
    online(false);
    await rig.write('POST', '/api/work-orders', { title: 'A' });
    await rig.write('POST', '/api/work-orders', { title: 'B' });

    const refused = await rejection(rig.engine.clearLocalCollection('work-orders'));
    expect(refused.code).toBe('invalid_state');
    expect(refused.details).toMatchObject({ unsynced: 2 });
    expect(await offlineList(rig, 'work-orders')).toEqual(['A', 'B']);
    expect((await rig.engine.listQueue()).total).toBe(2);

    await rig.engine.clearLocalCollection('work-orders', 'discard');
    expect(await offlineList(rig, 'work-orders')).toBe('not synced');
    expect((await rig.engine.status()).pending).toBe(0);
    const unknown = await rejection(rig.engine.clearLocalCollection('nope'));
    expect(unknown.code).toBe('not_found');
  });
});
