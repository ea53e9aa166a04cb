/**
 * App updates that change a collection's shape (`schemaVersion`, `migrateWrite`, `migrateRecord`) and a server that
 * speaks another protocol version: what the server finally holds, what the queue, the records and the history show.
 */
import { describe, expect, it } from 'vitest';
import type { CollectionConfig, OfflineKitConfig } from '../src/protocol/config.js';
import { OfflineKitError } from '../src/protocol/errors.js';
import { validateConfig } from '../src/core/config.js';
import { baseConfig, makeRig } from './harness.js';

const v1: OfflineKitConfig = baseConfig;

/** The app's update: `work-orders.title` is now `summary`. */
function v2(workOrders: Partial<CollectionConfig> = {}): OfflineKitConfig {
  return {
    ...baseConfig,
    collections: {
      ...baseConfig.collections,
      'work-orders': {
        policy: 'read-write-conflict',
        schemaVersion: 2,
        migrateWrite: (write) => {
          if (!write.body) return write;
          const { title, ...rest } = write.body;
          return { ...write, body: title === undefined ? rest : { ...rest, summary: title } };
        },
        migrateRecord: ({ title, ...rest }) => (title === undefined ? rest : { ...rest, summary: title }),
        ...workOrders,
      },
    },
  };
}

async function offlineRig() {
  let online = false;
  const rig = await makeRig(v1, { deps: { browserOnline: () => online } });
  return { rig, goOnline: () => (online = true) };
}

describe('schema migrations of queued writes', () => {
  it('a write queued under version 1 reaches the server in the new shape, exactly once', async () => {
    const { rig, goOnline } = await offlineRig();
    const created = await rig.write('POST', '/api/work-orders', { title: 'Boiler', status: 'open' });
    const engine = await rig.reopen(v2());
    goOnline();
    const summary = await engine.sync();
    expect(summary).toMatchObject({ outcome: 'completed', pushed: 1 });
    const held = rig.server.live('work-orders');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ summary: 'Boiler', status: 'open' });
    expect(held[0]).not.toHaveProperty('title');
    expect(rig.server.applied.map((a) => a.key)).toEqual([created.id]);
    const history = await engine.getHistory();
    expect(history).toContainEqual(
      expect.objectContaining({
        kind: 'write',
        event: 'migrated',
        writeId: created.id,
        schema: { from: 1, to: 2 },
      }),
    );
  });

  it('shows the migrated write at its new version and the app its new shape before anything is sent', async () => {
    const { rig } = await offlineRig();
    const created = await rig.write('POST', '/api/work-orders', { title: 'Leak' });
    const engine = await rig.reopen(v2());
    const queue = await engine.listQueue();
    expect(queue.items[0]).toMatchObject({ id: created.id, schemaVersion: 2, json: { summary: 'Leak' } });
    const local = await engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ summary: 'Leak' });
    expect(local.items[0]?.data).not.toHaveProperty('title');
    expect(rig.server.requests).toEqual([]);
  });

  it('a migration that returns null drops the write unsent, recorded in the history with the reason', async () => {
    const { rig, goOnline } = await offlineRig();
    const dropped = await rig.write('POST', '/api/work-orders', { title: 'obsolete', kind: 'legacy' });
    const kept = await rig.write('POST', '/api/work-orders', { title: 'Keep me' });
    const engine = await rig.reopen(
      v2({
        migrateWrite: (write) =>
          write.body?.kind === 'legacy' ? null : { ...write, body: { summary: write.body?.title } },
      }),
    );
    goOnline();
    await engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.summary)).toEqual(['Keep me']);
    expect(rig.server.applied.map((a) => a.key)).toEqual([kept.id]);
    const entry = (await engine.getHistory()).find((e) => e.kind === 'write' && e.event === 'dropped');
    expect(entry).toMatchObject({ writeId: dropped.id, schema: { from: 1, to: 2 } });
    expect(entry?.kind === 'write' ? entry.error?.message : '').toMatch(/dropped by migrateWrite/);
    // Its optimistic record went with it.
    const local = await engine.listRecords({ collection: 'work-orders' });
    expect(local.items.map((r) => r.data?.summary)).toEqual(['Keep me']);
  });

  it('a migration that throws leaves that write failed with a typed reason; the others are sent', async () => {
    const { rig, goOnline } = await offlineRig();
    const bad = await rig.write('POST', '/api/work-orders', { title: 'broken', priority: 'urgent!!' });
    const good = await rig.write('POST', '/api/work-orders', { title: 'fine' });
    const migrateWrite: NonNullable<CollectionConfig['migrateWrite']> = (write) => {
      if (write.body?.priority === 'urgent!!') throw new Error('cannot map priority "urgent!!"');
      return { ...write, body: { summary: write.body?.title } };
    };
    const engine = await rig.reopen(v2({ migrateWrite }));
    goOnline();
    const summary = await engine.sync();
    expect(summary.pushed).toBe(1);
    expect(rig.server.applied.map((a) => a.key)).toEqual([good.id]);
    const failed = await engine.listQueue({ state: 'failed' });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({
      id: bad.id,
      schemaVersion: 1,
      lastError: { code: 'migration_failed', details: { from: 1, to: 2 } },
    });
    expect(failed.items[0]?.lastError?.message).toMatch(/urgent/);
    // A retry tries the migration again (it still throws: still failed, never sent in the old shape)…
    await engine.retryWrite(bad.id);
    await engine.sync();
    expect(rig.server.applied).toHaveLength(1);
    expect((await engine.listQueue({ state: 'failed' })).total).toBe(1);
    // …and a person's edit is in the new shape: sent.
    await engine.editWrite(bad.id, { summary: 'broken', priority: 'high' });
    await engine.sync();
    expect(
      rig.server
        .live('work-orders')
        .map((r) => r.summary)
        .sort(),
    ).toEqual(['broken', 'fine']);
    expect(await engine.queuedWrites()).toBe(0);
  });

  it('rows written before versions were recorded count as version 1; a write left sending is migrated too', async () => {
    const { rig, goOnline } = await offlineRig();
    const w = await rig.write('POST', '/api/work-orders', { title: 'old row' });
    const stored = await rig.engine.ctx.queue.get(w.id);
    if (!stored) throw new Error('not queued');
    const { schemaVersion: _dropped, ...legacy } = stored;
    await rig.engine.ctx.queue.put({ ...legacy, state: 'sending', attempts: 1 });
    const engine = await rig.reopen(v2());
    goOnline();
    await engine.sync();
    expect(rig.server.live('work-orders')[0]).toMatchObject({ summary: 'old row' });
    expect(rig.server.applied).toHaveLength(1);
  });

  it('a second start at the same version migrates nothing again', async () => {
    const { rig, goOnline } = await offlineRig();
    await rig.write('POST', '/api/work-orders', { title: 'once' });
    let calls = 0;
    const config = v2({
      migrateWrite: (write) => {
        calls += 1;
        return { ...write, body: { summary: write.body?.title } };
      },
    });
    await rig.reopen(config);
    const engine = await rig.reopen(config);
    goOnline();
    await engine.sync();
    expect(calls).toBe(1);
    expect(rig.server.live('work-orders')[0]).toMatchObject({ summary: 'once' });
  });
});

describe('schema migrations of local records', () => {
  it('migrateRecord rewrites the stored records in place: offline reads show the new shape at once', async () => {
    const rig = await makeRig(v1);
    rig.server.seed('work-orders', { title: 'Pump' });
    await rig.engine.sync();
    const engine = await rig.reopen(v2());
    const local = await engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ summary: 'Pump' });
    expect(local.items[0]?.data).not.toHaveProperty('title');
    const info = (await engine.listCollections()).find((c) => c.name === 'work-orders');
    expect(info).toMatchObject({ schemaVersion: 2, resyncing: false });
  });

  it("'repull' drops the local records and says the collection is re-syncing until a pull brought them back", async () => {
    const rig = await makeRig(v1);
    rig.server.seed('work-orders', { title: 'Valve' });
    await rig.engine.sync();
    // The server moved to the new shape along with the app.
    const [stored] = rig.server.live('work-orders');
    if (stored) {
      delete stored.title;
      rig.server.edit('work-orders', stored.id, { summary: 'Valve' });
    }
    const engine = await rig.reopen(v2({ migrateRecord: 'repull' }));
    let info = (await engine.listCollections()).find((c) => c.name === 'work-orders');
    expect(info).toMatchObject({ schemaVersion: 2, resyncing: true, count: 0 });
    await engine.sync();
    info = (await engine.listCollections()).find((c) => c.name === 'work-orders');
    expect(info).toMatchObject({ resyncing: false, count: 1 });
    const local = await engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ summary: 'Valve' });
  });

  it('a wipe records the current versions: records stored after it are not migrated again', async () => {
    let calls = 0;
    const config = v2({
      migrateRecord: (r) => {
        calls += 1;
        return r;
      },
    });
    const rig = await makeRig(config);
    await rig.engine.clearLocalData();
    rig.server.seed('work-orders', { summary: 'new' });
    await rig.engine.sync();
    await rig.reopen(config);
    expect(calls).toBe(0);
  });
});

describe('a server that speaks another protocol version', () => {
  it('pauses the queue with server_incompatible: nothing sent, nothing lost; resumes once versions agree', async () => {
    const rig = await makeRig(v1);
    rig.server.protocolVersion = 2;
    await rig.write('POST', '/api/work-orders', { title: 'waits' });
    const run = await rig.engine.sync();
    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'server_incompatible' } });
    expect(rig.server.applied).toEqual([]);
    expect(rig.server.requests.filter((r) => !r.startsWith('GET'))).toEqual([]);
    const status = await rig.engine.status();
    expect(status).toMatchObject({
      paused: true,
      pending: 1,
      pausedReason: { code: 'server_incompatible', details: { server: 2, client: 1 } },
    });
    expect(rig.events).toContainEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'server_incompatible' }) as unknown,
    });
    // The app's update (a new worker) meets a server that speaks its version.
    rig.server.protocolVersion = 1;
    const engine = await rig.reopen();
    await engine.sync();
    expect(rig.server.live('work-orders')[0]).toMatchObject({ title: 'waits' });
    expect((await engine.status()).paused).toBe(false);
  });
});

describe('schema configuration', () => {
  const bad = (collection: CollectionConfig): unknown => {
    try {
      validateConfig({ ...baseConfig, collections: { 'work-orders': collection } });
      return null;
    } catch (error) {
      return error instanceof OfflineKitError ? [error.code, (error.details as { key: string }).key] : error;
    }
  };

  it('refuses wrong schema keys as invalid_config naming the key', () => {
    expect(bad({ policy: 'read-write-lww', schemaVersion: 0 })).toEqual([
      'invalid_config',
      'collections.work-orders.schemaVersion',
    ]);
    expect(bad({ policy: 'read-write-lww', schemaVersion: 1.5 })).toEqual([
      'invalid_config',
      'collections.work-orders.schemaVersion',
    ]);
    expect(bad({ policy: 'read-write-lww', schemaVersion: 2 })).toEqual([
      'invalid_config',
      'collections.work-orders.migrateWrite',
    ]);
    expect(
      bad({
        policy: 'read-write-lww',
        migrateRecord: 'drop' as unknown as CollectionConfig['migrateRecord'],
      }),
    ).toEqual(['invalid_config', 'collections.work-orders.migrateRecord']);
    expect(bad({ policy: 'read-only', schemaVersion: 3 })).toBeNull();
  });
});

describe('a server updated after discovery was cached', () => {
  it('its Offline-Kit-Protocol header makes the next run ask discovery again and pause', async () => {
    const rig = await makeRig(v1);
    await rig.engine.sync();
    rig.server.protocolVersion = 2;
    rig.server.protocolHeader = '2';
    // A read answered by the updated server: its header tells the worker before any write is sent.
    rig.server.seed('work-orders', { title: 'x' });
    await rig.engine.sync();
    await rig.write('POST', '/api/work-orders', { title: 'must wait' });
    const run = await rig.engine.sync();
    expect(run.error?.code).toBe('server_incompatible');
    expect(rig.server.applied).toEqual([]);
  });
});

describe('an app rolled back to a lower schemaVersion', () => {
  it('keeps writes made under the higher version failed, unsent, and pulls the records again', async () => {
    let online = false;
    const rig = await makeRig(v2(), { deps: { browserOnline: () => online } });
    const w = await rig.write('POST', '/api/work-orders', { summary: 'made by v2' });
    const engine = await rig.reopen(v1);
    online = true;
    await engine.sync();
    expect(rig.server.applied).toEqual([]);
    const [failed] = (await engine.listQueue({ state: 'failed' })).items;
    expect(failed).toMatchObject({ id: w.id, schemaVersion: 2, lastError: { code: 'migration_failed' } });
    await engine.retryWrite(w.id);
    await engine.sync();
    expect(rig.server.applied).toEqual([]);
  });
});
