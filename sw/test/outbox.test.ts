import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../src/core/storage/db.js';
import { validateConfig } from '../src/core/config.js';
import { handleRead } from '../src/worker/reads.js';
import { parseApiPath } from '../src/worker/paths.js';
import { baseConfig, makeRig } from './harness.js';

describe('queue ordering and coalescing', () => {
  it('keeps issue order even when bodies finish reading out of order', async () => {
    const rig = await makeRig();
    const seqs = [rig.engine.reserveSeq(), rig.engine.reserveSeq(), rig.engine.reserveSeq()];
    const [a, b, c] = await Promise.all(seqs);
    // The third request's body is ready first.
    for (const [seq, title] of [
      [c, 'third'],
      [a, 'first'],
      [b, 'second'],
    ] as const) {
      await rig.write('POST', '/api/work-orders', { title }, { seq });
    }
    const q = await rig.engine.listQueue();
    expect(q.items.map((w) => w.json)).toEqual([{ title: 'first' }, { title: 'second' }, { title: 'third' }]);
  });

  it('folds edits of a record created offline into its create, and keeps edits of server records apart', async () => {
    const rig = await makeRig();
    const wo = rig.server.seed('work-orders', { title: 'server' });
    await rig.engine.sync();
    const create = await rig.write('POST', '/api/work-orders', { title: 'draft' });
    const edit = await rig.write('PATCH', `/api/work-orders/${create.recordId}`, {
      title: 'final',
      status: 'open',
    });
    expect(edit.id).toBe(create.id);
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'one' });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'two' });
    const q = await rig.engine.listQueue();
    expect(q.items.map((w) => [w.method, w.json])).toEqual([
      ['POST', { title: 'final', status: 'open' }],
      ['PATCH', { title: 'one' }],
      ['PATCH', { title: 'two' }],
    ]);
  });

  it('coalesces edits of server records when the collection opts in', async () => {
    const rig = await makeRig({
      ...baseConfig,
      collections: { 'work-orders': { policy: 'read-write-conflict', coalesceEdits: true } },
    });
    const wo = rig.server.seed('work-orders', { title: 'server', status: 'open' });
    await rig.engine.sync();
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'one' });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { status: 'done' });
    expect((await rig.engine.listQueue()).items.map((w) => w.json)).toEqual([
      { title: 'one', status: 'done' },
    ]);
    await rig.engine.sync();
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'one', status: 'done', version: 2 });
  });
});

describe('reads', () => {
  it('answers offline from the local records, with queued writes overlaid and the last sync time', async () => {
    let online = true;
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => online } });
    const wo = rig.server.seed('work-orders', { title: 'Boiler' });
    rig.server.seed('work-orders', { title: 'Gone' });
    await rig.engine.sync();
    const gone = rig.server.live('work-orders').find((r) => r.title === 'Gone');
    online = false;
    const created = await rig.write('POST', '/api/work-orders', { title: 'Leak' });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'Boiler (edited)' });
    await rig.write('DELETE', `/api/work-orders/${gone?.id ?? ''}`);
    const config = validateConfig(baseConfig);
    const url = new URL('/api/work-orders', rig.server.origin);
    const path = parseApiPath(config, url, rig.server.origin);
    if (!path) throw new Error('path not recognised');
    const answer = await handleRead(rig.engine, path, new Request(url), () => undefined);
    expect(answer.headers.get('offline-kit-source')).toBe('local');
    expect(Date.parse(answer.headers.get('offline-kit-last-sync') ?? '')).not.toBeNaN();
    const body = (await answer.json()) as { records: Record<string, unknown>[] };
    expect(body.records.map((r) => r.title).sort()).toEqual(['Boiler (edited)', 'Leak']);
    expect(body.records.find((r) => r.id === created.recordId)?._sync).toMatchObject({
      state: 'pending',
      pending: true,
    });
    expect(body.records.find((r) => r.id === wo.id)?._sync).toMatchObject({ state: 'pending', version: 1 });
  });

  it('does not treat a config outside apiBase or another origin as ours', () => {
    const config = validateConfig(baseConfig);
    expect(parseApiPath(config, new URL('http://app.test/api/notes/n1'), 'http://app.test')).not.toBeNull();
    expect(parseApiPath(config, new URL('http://evil.test/api/notes'), 'http://app.test')).toBeNull();
    expect(parseApiPath(config, new URL('http://app.test/api/unknown'), 'http://app.test')).toBeNull();
    expect(parseApiPath(config, new URL('http://app.test/api/notes/n1/extra'), 'http://app.test')).toBeNull();
    expect(parseApiPath(config, new URL('http://app.test/apinotes'), 'http://app.test')).toBeNull();
  });
});

describe('stored rows are narrowed before use', () => {
  it('skips a malformed queue row instead of sending it or crashing', async () => {
    const rig = await makeRig();
    await rig.write('POST', '/api/work-orders', { title: 'good' });
    // A row from elsewhere on the origin (or a broken older version): it must not be sent, and must not stop the rest.
    await rig.engine.db.put('queue', { id: 'junk', seq: 0.5, state: 'pending' } as never);
    const q = await rig.engine.listQueue();
    expect(q.items.map((w) => w.json)).toEqual([{ title: 'good' }]);
    await rig.engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['good']);
  });
});

describe('schema upgrade', () => {
  it('opens a version 1 database with its queue and adds the index of version 2', async () => {
    const { openDB } = await import('idb');
    const name = `upgrade-${Math.random()}`;
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        const queue = db.createObjectStore('queue', { keyPath: 'id' });
        queue.createIndex('by-seq', 'seq', { unique: true });
        queue.createIndex('by-record', ['collection', 'recordId']);
        queue.createIndex('by-collection', 'collection');
        queue.createIndex('by-state', 'state');
        db.createObjectStore('records', { keyPath: ['collection', 'id'] });
        db.createObjectStore('meta');
        db.createObjectStore('history', { keyPath: 'id', autoIncrement: true });
        db.createObjectStore('keys');
      },
    });
    v1.close();
    const rig = await makeRig(baseConfig, { dbName: name });
    const tmp = await rig.write('POST', '/api/work-orders', { title: 'parent' });
    await rig.write('POST', '/api/notes', { workOrderId: tmp.recordId, text: 'child' });
    expect(rig.engine.db.version).toBe(SCHEMA_VERSION);
    expect(await rig.engine.ctx.queue.referring(tmp.recordId)).toHaveLength(1);
    await rig.engine.sync();
    const parent = rig.server.live('work-orders').find((r) => r.title === 'parent');
    expect(rig.server.live('notes')[0]?.workOrderId).toBe(parent?.id);
  });
});
