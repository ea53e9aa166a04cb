/**
 * The module against a REST API that knows nothing of us (issue 13): json-server's shapes — bare arrays, numeric
 * ids, no versions, no Idempotency-Key, no `/_sync` — and an API of ETags and 412. What is asserted is what the app
 * gets from its own requests and what the API finally holds.
 */
import { describe, expect, it } from 'vitest';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import { handleRead } from '../src/worker/reads.js';
import { parseApiPath } from '../src/worker/paths.js';
import { changeStamp } from '../src/core/storage/changes.js';
import { makeRig, type Rig } from './harness.js';
import { RestFake } from './rest-fake.js';

const restConfig: OfflineKitConfig = {
  apiBase: '/api',
  wire: { kind: 'rest' },
  collections: {
    'work-orders': { policy: 'read-write-lww' },
    notes: { policy: 'read-write-lww', parents: [{ field: 'workOrderId', collection: 'work-orders' }] },
  },
};

const seed = () => ({
  'work-orders': [
    { id: 2, title: 'Pump', status: 'open' },
    { id: 10, title: 'Valve', status: 'done' },
    { id: 1, title: 'Boiler', status: 'open' },
  ],
  notes: [],
});

async function rig(api: RestFake, config: OfflineKitConfig = restConfig): Promise<Rig> {
  return makeRig(config, { deps: { fetch: api.fetch, origin: api.origin } });
}

/** A GET as the page makes it, through the worker's read path; background stores awaited. */
async function get(
  r: Rig,
  api: RestFake,
  path: string,
): Promise<{ status: number; source: string | null; body: unknown }> {
  const url = new URL(path, api.origin);
  const apiPath = parseApiPath(r.engine.config, url, api.origin);
  if (!apiPath) throw new Error(`not an API path: ${path}`);
  const stores: Promise<unknown>[] = [];
  const response = await handleRead(r.engine, apiPath, new Request(url), (p) => stores.push(p));
  await Promise.all(stores);
  const text = await response.text();
  return {
    status: response.status,
    source: response.headers.get('offline-kit-source'),
    body: text ? (JSON.parse(text) as unknown) : null,
  };
}

describe('a json-server-like REST API', () => {
  it('stores an identical list answer once: a record without versions is known by its copy', async () => {
    // Found by the bench's plain-REST rows (online GET 3.5x Workbox's extra latency): with no version to compare,
    // every read of an unchanged list rewrote each record it listed, one write transaction per poll.
    const api = new RestFake(seed());
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    const before = changeStamp(r.engine.db, ['records', 'queue']);
    await get(r, api, '/api/work-orders');
    await get(r, api, '/api/work-orders');
    expect(changeStamp(r.engine.db, ['records', 'queue'])).toBe(before);
    // A changed record is stored, of course.
    api.edit('work-orders', 2, { title: 'Pump, new seal' });
    await get(r, api, '/api/work-orders');
    const offline = (await r.engine.listRecords({ collection: 'work-orders' })).items.map(
      (i) => i.data?.title,
    );
    expect(offline).toContain('Pump, new seal');
  });

  it('answers an offline list in the array shape of the last online answer: numeric ids, same order', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    const online = await get(r, api, '/api/work-orders');
    expect(online.source).toBe('network');
    api.down = true;
    const offline = await get(r, api, '/api/work-orders');
    expect(offline.status).toBe(200);
    expect(offline.source).toBe('local');
    const withoutMeta = (offline.body as Record<string, unknown>[]).map(({ _sync, ...rest }) => rest);
    expect(withoutMeta).toEqual(online.body);
  });

  it('keeps an envelope: the offline list is { data: [...], total } like the online one', async () => {
    const api = new RestFake(seed());
    api.envelope = 'data';
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    api.down = true;
    const offline = await get(r, api, '/api/work-orders');
    expect(offline.body).toMatchObject({ total: 3, data: [{ id: 2 }, { id: 10 }, { id: 1 }] });
  });

  it('answers filters (?status=open) from the local copy', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    api.down = true;
    const offline = await get(r, api, '/api/work-orders?status=open');
    expect((offline.body as { id: number }[]).map((x) => x.id).sort()).toEqual([1, 2]);
  });

  it('delivers offline edits of a numeric-id record once each, in order, and the 200 without a version is a delivery', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    api.down = true;
    await r.write('PATCH', '/api/work-orders/1', { title: 'Boiler A' });
    await r.write('PATCH', '/api/work-orders/1', { status: 'done' });
    const offline = await get(r, api, '/api/work-orders/1');
    expect(offline.body).toMatchObject({ id: 1, title: 'Boiler A', status: 'done' });
    api.down = false;
    await r.engine.sync('all', 'manual');
    await r.engine.sync('all', 'manual');
    expect(api.applied('PATCH', '/api/work-orders/1')).toBe(2);
    expect(api.log.filter((e) => e.method === 'PATCH').map((e) => e.body)).toEqual([
      { title: 'Boiler A' },
      { status: 'done' },
    ]);
    expect(api.data.get('work-orders')?.find((x) => x.id === 1)).toEqual({
      id: 1,
      title: 'Boiler A',
      status: 'done',
    });
    expect(await r.engine.queuedWrites()).toBe(0);
  });

  it('creates offline, shows the create in the offline list, then rewrites its temporary id into a child', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    api.down = true;
    const created = await r.write('POST', '/api/work-orders', { title: 'New', status: 'open' });
    await r.write('POST', '/api/notes', { workOrderId: created.recordId, text: 'bring a ladder' });
    await r.write('PATCH', `/api/work-orders/${created.recordId}`, { title: 'New pump' });
    const list = await get(r, api, '/api/work-orders');
    expect((list.body as { title: string }[]).map((x) => x.title)).toContain('New pump');
    api.down = false;
    await r.engine.sync('all', 'manual');
    await r.engine.sync('all', 'manual');
    const orders = api.data.get('work-orders') ?? [];
    const made = orders.filter((x) => x.title === 'New pump');
    expect(made).toHaveLength(1);
    const notes = api.data.get('notes') ?? [];
    expect(notes).toHaveLength(1);
    // The child's reference is the parent's real id, a number like every id of this API.
    expect(notes[0]?.workOrderId).toBe(made[0]?.id);
    expect(typeof notes[0]?.workOrderId).toBe('number');
    expect(api.applied('POST', '/api/work-orders')).toBe(1);
  });

  it('answers a read from the local copy when the network answers 500 or a captive portal page, and stores neither', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    await get(r, api, '/api/work-orders');
    api.failNext = { count: 1, status: 500 };
    const five = await get(r, api, '/api/work-orders');
    expect(five).toMatchObject({ status: 200, source: 'local' });
    api.failNext = { count: 1, status: 200, html: true };
    const portal = await get(r, api, '/api/work-orders');
    expect(portal).toMatchObject({ status: 200, source: 'local' });
    expect((portal.body as unknown[]).length).toBe(3);
  });

  it('says so when a list answer is not what the adapter expects, and still delivers the queued writes', async () => {
    const api = new RestFake(seed());
    api.envelope = 'rows';
    const r = await rig(api, { ...restConfig, wire: { kind: 'rest', list: 'array' } });
    api.down = true;
    await r.write('PATCH', '/api/work-orders/1', { title: 'Boiler A' });
    api.down = false;
    const summary = await r.engine.sync('all', 'manual');
    expect(api.applied('PATCH', '/api/work-orders/1')).toBe(1);
    expect(await r.engine.queuedWrites()).toBe(0);
    expect(summary.error).toMatchObject({ code: 'bad_response' });
    expect(summary.error?.message).toContain('work-orders');
    const run = (await r.engine.getHistory()).find((e) => e.kind === 'run');
    expect(run?.kind === 'run' && run.error?.code).toBe('bad_response');
  });

  it('does not ask the API for /_sync', async () => {
    const api = new RestFake(seed());
    const r = await rig(api);
    await r.engine.sync('all', 'manual');
    expect(api.log.some((e) => e.path.includes('_sync'))).toBe(false);
    const [orders] = await r.engine.listCollections();
    expect(orders?.wire).toEqual({
      api: 'rest',
      conflicts: false,
      exactlyOnce: false,
      delta: false,
      batch: false,
    });
  });
});

describe('a REST API of ETags and 412', () => {
  const etagConfig: OfflineKitConfig = {
    apiBase: '/api',
    wire: { kind: 'rest', version: 'etag' },
    collections: { 'work-orders': { policy: 'read-write-conflict' } },
  };

  /** Work order 1 read with its ETag, then its title edited to 'Mine' while the API was down. */
  async function editedOfflineAsMine(): Promise<{ api: RestFake; r: Awaited<ReturnType<typeof rig>> }> {
    const api = new RestFake(seed());
    api.etags = true;
    const r = await rig(api, etagConfig);
    await get(r, api, '/api/work-orders/1');
    api.down = true;
    await r.write('PATCH', '/api/work-orders/1', { title: 'Mine' });
    api.down = false;
    return { api, r };
  }

  it('sends the ETag as If-Match, and keeps a stale write as a conflict with the server copy read again', async () => {
    const { api, r } = await editedOfflineAsMine();
    api.edit('work-orders', 1, { status: 'done', title: 'Theirs' });
    await r.engine.sync('all', 'manual');
    const patch = api.log.find((e) => e.method === 'PATCH');
    expect(api.log.filter((e) => e.method === 'PATCH' || e.method === 'PUT').length).toBeGreaterThan(0);
    expect(patch?.ifMatch).toBe('"work-orders-1-r0"');
    expect(patch?.status).toBe(412);
    expect(
      (await r.engine.getHistory()).some(
        (e) => e.kind === 'write' && e.event === 'conflict' && e.status === 412,
      ),
    ).toBe(true);
    const conflicts = await r.engine.listConflicts();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.server).toMatchObject({ id: 1, status: 'done', title: 'Theirs' });
    expect(conflicts[0]?.local).toMatchObject({ title: 'Mine' });
    expect(conflicts[0]?.fields).toEqual(['title']);
    // "Mine": my title on top of their copy, whose status stays.
    await r.engine.resolveConflict(conflicts[0]?.writeId ?? '', { choice: 'local' });
    await r.engine.sync('all', 'manual');
    expect(api.data.get('work-orders')?.find((x) => x.id === 1)).toMatchObject({
      title: 'Mine',
      status: 'done',
    });
    expect(api.log.filter((e) => e.method === 'PUT').map((e) => e.ifMatch)).toEqual(['"work-orders-1-r1"']);
  });

  it('merges edits of different fields by itself, sent with the fresh ETag', async () => {
    const { api, r } = await editedOfflineAsMine();
    api.edit('work-orders', 1, { status: 'done' });
    await r.engine.sync('all', 'manual');
    await r.engine.sync('all', 'manual');
    expect(await r.engine.listConflicts()).toEqual([]);
    expect(api.data.get('work-orders')?.find((x) => x.id === 1)).toEqual({
      id: 1,
      title: 'Mine',
      status: 'done',
    });
  });
});
