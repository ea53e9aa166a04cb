/**
 * The in-memory answers of `worker/reads.ts`: an offline list kept while nothing it was read from changed, and a
 * network answer not stored again while it and the local copy are unchanged. Each test changes the database through
 * one path and asserts on what the next read answers or what IndexedDB holds.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import { changeStamp, rawWriteTx, writeOne, writeTx } from '../src/core/storage/changes.js';
import { closePartition, openPartition } from '../src/core/storage/db.js';
import { baseConfig, makeRig, readThrough as read, type Rig } from './harness.js';

interface Switch {
  online: boolean;
}

async function rigWith(config: OfflineKitConfig = baseConfig): Promise<{ rig: Rig; net: Switch }> {
  const net: Switch = { online: true };
  const rig = await makeRig(config, { deps: { browserOnline: () => net.online } });
  return { rig, net };
}

type Rec = Record<string, unknown> & { _sync?: { state: string; pending: boolean; version: number | null } };

async function list(rig: Rig, path = '/api/work-orders'): Promise<{ records: Rec[]; response: Response }> {
  const { response } = await read(rig, path);
  expect(response.headers.get('offline-kit-source')).toBe('local');
  const body = (await response.json()) as { records: Rec[] };
  return { records: body.records, response };
}

/** Reads the list twice (the second from memory) and returns the titles with their `_sync` states. */
async function kept(rig: Rig, path = '/api/work-orders'): Promise<string[]> {
  const first = await list(rig, path);
  const spy = vi.spyOn(rig.engine.ctx.records, 'readListStart');
  const second = await list(rig, path);
  expect(spy).not.toHaveBeenCalled();
  spy.mockRestore();
  expect(second.records).toEqual(first.records);
  return second.records.map((r) => `${String(r.title)}:${r._sync?.state ?? '?'}`).sort();
}

/** How many Blobs `fn` made. */
async function blobsMade(fn: () => Promise<void>): Promise<number> {
  const Real = globalThis.Blob;
  let made = 0;
  class Counting extends Real {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      made += 1;
    }
  }
  globalThis.Blob = Counting;
  try {
    await fn();
  } finally {
    globalThis.Blob = Real;
  }
  return made;
}

describe('offline list answers kept in memory', () => {
  it('answers the same list again without reading the rows, and sees a create queued since', async () => {
    const { rig, net } = await rigWith();
    rig.server.seed('work-orders', { title: 'a' });
    await rig.engine.sync();
    net.online = false;
    // A plain partition keeps its list as a Blob, handed to the page as a cached answer is.
    expect(await blobsMade(async () => expect(await kept(rig)).toEqual(['a:synced']))).toBe(1);
    await rig.write('POST', '/api/work-orders', { title: 'b' });
    expect(await kept(rig)).toEqual(['a:synced', 'b:pending']);
    // Another URL is another answer.
    expect(await kept(rig, '/api/work-orders?title=b')).toEqual(['b:pending']);
  });

  it('sees an edit overlaid, then its acknowledgement, then a pulled change', async () => {
    const { rig, net } = await rigWith();
    const wo = rig.server.seed('work-orders', { title: 'a' });
    await rig.engine.sync();
    net.online = false;
    expect(await kept(rig)).toEqual(['a:synced']);
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'a2' });
    expect(await kept(rig)).toEqual(['a2:pending']);
    net.online = true;
    await rig.engine.sync();
    net.online = false;
    const acked = await list(rig);
    expect(acked.records[0]?._sync).toMatchObject({ state: 'synced', pending: false, version: 2 });
    net.online = true;
    rig.server.edit('work-orders', wo.id, { title: 'a3' });
    await rig.engine.sync();
    net.online = false;
    expect(await kept(rig)).toEqual(['a3:synced']);
  });

  it("shows a write's move to conflict and to failed, and a resolution", async () => {
    const { rig, net } = await rigWith();
    const a = rig.server.seed('work-orders', { title: 'a' });
    const b = rig.server.seed('work-orders', { title: 'b' });
    await rig.engine.sync();
    const w = await rig.write('PATCH', `/api/work-orders/${a.id}`, { title: 'mine' });
    // The same field changed on the server: a conflict for a person (different fields would merge by themselves).
    rig.server.edit('work-orders', a.id, { title: 'theirs' });
    net.online = false;
    expect(await kept(rig)).toEqual(['b:synced', 'mine:pending']);
    net.online = true;
    await rig.engine.sync();
    net.online = false;
    expect(await kept(rig)).toEqual(['b:synced', 'mine:conflict']);
    net.online = true;
    await rig.write('PATCH', `/api/work-orders/${b.id}`, { title: 'b2' });
    rig.server.faults.failNext = { count: 1, status: 422 };
    await rig.engine.sync();
    net.online = false;
    expect(await kept(rig)).toEqual(['b2:failed', 'mine:conflict']);
    await rig.engine.resolveConflict(w.id, { choice: 'server' });
    await rig.engine.idle();
    expect(await kept(rig)).toEqual(['b2:failed', 'theirs:synced']);
  });

  it('sees edits and discards of queued writes, and records written by any other path', async () => {
    const { rig, net } = await rigWith();
    const a = rig.server.seed('work-orders', { title: 'a' });
    await rig.engine.sync();
    net.online = false;
    const w = await rig.write('POST', '/api/work-orders', { title: 'new' });
    expect(await kept(rig)).toEqual(['a:synced', 'new:pending']);
    await rig.engine.editWrite(w.id, { title: 'renamed' });
    expect(await kept(rig)).toEqual(['a:synced', 'renamed:pending']);
    await rig.engine.discardWrite(w.id);
    expect(await kept(rig)).toEqual(['a:synced']);
    const row = await rig.engine.ctx.records.get('work-orders', a.id);
    if (!row) throw new Error('no row');
    await rig.engine.ctx.records.putMany([{ ...row, data: { ...row.data, title: 'direct' } }]);
    expect(await kept(rig)).toEqual(['direct:synced']);
    await rig.engine.ctx.records.delete('work-orders', a.id);
    expect((await list(rig)).records).toEqual([]);
  });

  it('carries the last-sync time it was read with, and a newer one once it changes', async () => {
    const { rig, net } = await rigWith();
    rig.server.seed('work-orders', { title: 'a' });
    await rig.engine.sync();
    net.online = false;
    await kept(rig);
    await rig.engine.ctx.meta.setCollectionSyncedAt('work-orders', Date.UTC(2030, 0, 1));
    const { response } = await list(rig);
    expect(response.headers.get('offline-kit-last-sync')).toBe('2030-01-01T00:00:00.000Z');
  });

  it('forgets everything with clearLocalData, a restarted worker and a closed partition', async () => {
    const { rig, net } = await rigWith();
    rig.server.seed('work-orders', { title: 'a' });
    await rig.engine.sync();
    net.online = false;
    expect(await kept(rig)).toEqual(['a:synced']);
    await rig.reopen();
    const spy = vi.spyOn(rig.engine.ctx.records, 'readListStart');
    expect((await list(rig)).records.map((r) => r.title)).toEqual(['a']);
    expect(spy).toHaveBeenCalledTimes(1);
    await rig.engine.clearLocalData();
    const { response } = await read(rig, '/api/work-orders');
    expect(response.status).toBe(503);
    // A closed connection is not tracked: nothing may be trusted from memory. (The core closes partitions only through
    // closePartition: an ESLint rule refuses a bare `.db.close()` in sw/src.)
    closePartition(rig.engine.db);
    expect(changeStamp(rig.engine.db, ['records'])).toBeNull();
  });

  it('with encryption at rest, answers the plain records and keeps the disk encrypted', async () => {
    const { rig, net } = await rigWith({ ...baseConfig, encryptAtRest: true });
    rig.server.seed('work-orders', { title: 'Secret boiler' });
    await rig.engine.sync();
    net.online = false;
    // Not even a Blob: the browser may page those out to disk.
    expect(await blobsMade(async () => expect(await kept(rig)).toEqual(['Secret boiler:synced']))).toBe(0);
    await rig.write('POST', '/api/work-orders', { title: 'Secret leak' });
    expect(await kept(rig)).toEqual(['Secret boiler:synced', 'Secret leak:pending']);
    const dump = JSON.stringify(
      [await rig.engine.db.getAll('records'), await rig.engine.db.getAll('meta')],
      (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('latin1') : v),
    );
    expect(dump).not.toContain('Secret');
  });
});

describe('network answers not stored twice', () => {
  async function online(rig: Rig, path: string): Promise<void> {
    const { response, stores } = await read(rig, path);
    expect(response.headers.get('offline-kit-source')).toBe('network');
    await response.text();
    await Promise.all(stores);
  }

  it('skips storing an answer identical to the last one while the local copy is unchanged', async () => {
    const { rig } = await rigWith();
    for (let i = 0; i < 3; i += 1) rig.server.seed('parts', { name: `p${i}` });
    const store = vi.spyOn(rig.engine.ctx.records, 'storeServerPage');
    await online(rig, '/api/parts?limit=2');
    await online(rig, '/api/parts?limit=2');
    expect(store).toHaveBeenCalledTimes(2);
    await online(rig, '/api/parts?limit=2');
    await online(rig, '/api/parts?limit=2');
    expect(store).toHaveBeenCalledTimes(2);
    expect(await rig.engine.ctx.records.count('parts')).toBe(2);
  });

  it('stores a changed record, and an identical answer again once the local copy changed', async () => {
    const { rig } = await rigWith();
    const p = rig.server.seed('parts', { name: 'p' });
    for (let i = 0; i < 3; i += 1) await online(rig, '/api/parts');
    rig.server.edit('parts', p.id, { name: 'p2' });
    await online(rig, '/api/parts');
    expect((await rig.engine.ctx.records.get('parts', p.id))?.data).toMatchObject({ name: 'p2' });
    await online(rig, '/api/parts');
    await rig.engine.ctx.records.delete('parts', p.id);
    await online(rig, '/api/parts');
    expect((await rig.engine.ctx.records.get('parts', p.id))?.data).toMatchObject({ name: 'p2' });
    for (let i = 0; i < 2; i += 1) await online(rig, '/api/parts');
    await rig.engine.clearLocalData();
    await online(rig, '/api/parts');
    expect((await rig.engine.ctx.records.get('parts', p.id))?.data).toMatchObject({ name: 'p2' });
  });

  it('keeps the overlay of a record written locally after its answer was remembered', async () => {
    const { rig } = await rigWith();
    const wo = rig.server.seed('work-orders', { title: 'server' });
    for (let i = 0; i < 3; i += 1) await online(rig, `/api/work-orders/${wo.id}`);
    rig.server.faults.unreachable = true;
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine' });
    rig.server.faults.unreachable = false;
    const { response, stores } = await read(rig, `/api/work-orders/${wo.id}`);
    await Promise.all(stores);
    expect(await response.json()).toMatchObject({ title: 'mine', _sync: { pending: true } });
    expect((await rig.engine.ctx.records.get('work-orders', wo.id))?.data).toMatchObject({ title: 'mine' });
  });

  it('still dates a complete list read again as the last sync', async () => {
    let now = 1000;
    const rig = await makeRig(baseConfig, { deps: { now: () => now } });
    rig.server.seed('work-orders', { title: 'a' });
    for (let i = 0; i < 3; i += 1) await online(rig, '/api/work-orders');
    now = 5000;
    await online(rig, '/api/work-orders');
    expect(await rig.engine.ctx.meta.collectionSyncedAt('work-orders')).toBe(5000);
  });
});

describe('changeStamp', () => {
  // Every read-write transaction of the core goes through these three (an ESLint rule refuses any other in sw/src),
  // so the stamp moves with every write the core makes, and not with reads.
  it('moves with each announced read-write transaction on the stores named, and not with reads', async () => {
    const db = await openPartition(`stamp-${Math.random()}`);
    const s0 = changeStamp(db, ['records', 'queue']);
    expect(s0).not.toBeNull();
    await db.getAll('records');
    await writeOne(db, 'history', (store) => store.put({ id: 1 } as never));
    expect(changeStamp(db, ['records', 'queue'])).toBe(s0);
    await writeOne(db, 'meta', (store) => store.put(1, 'k'));
    expect(changeStamp(db, ['records', 'queue'])).toBe(s0);
    expect(changeStamp(db, ['meta'])).toBe(1);
    rawWriteTx(db, ['queue']);
    expect(changeStamp(db, ['records', 'queue'])).toBe((s0 ?? 0) + 1);
    const tx = writeTx(db, 'records');
    await tx.done;
    expect(changeStamp(db, ['records', 'queue'])).toBe((s0 ?? 0) + 2);
    closePartition(db);
    expect(changeStamp(db, ['records', 'queue'])).toBeNull();
  });
});
