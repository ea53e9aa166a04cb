import { describe, expect, it } from 'vitest';
import { readAhead } from '../src/core/sync/pull.js';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig } from './harness.js';
import type { ListPage } from '../src/protocol/wire.js';

/** A fetch whose answers the test releases one by one; `asked` lists the cursors requested, in order. */
function manualFetch() {
  const asked: (string | null)[] = [];
  const pending: { resolve: (p: ListPage | 'expired') => void; reject: (e: Error) => void }[] = [];
  const fetch = (since: string | null): Promise<ListPage | 'expired'> => {
    asked.push(since);
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  };
  const page = (n: number, more: boolean): ListPage => ({
    records: [{ id: `p${n}`, version: 1 }],
    deleted: [],
    cursor: `c${n}`,
    hasMore: more,
  });
  return { asked, pending, fetch, page };
}

const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('readAhead', () => {
  it('fetches each page once the one before arrived, at most `ahead` unstored, in order', async () => {
    const f = manualFetch();
    const next = readAhead(f.fetch, 'c0', 2);
    expect(f.asked).toEqual(['c0']);
    const first = next();
    f.pending[0]?.resolve(f.page(1, true));
    expect(await first).toMatchObject({ cursor: 'c1' });
    await turn();
    // Page 2 is asked for while page 1 is being stored.
    expect(f.asked).toEqual(['c0', 'c1']);
    f.pending[1]?.resolve(f.page(2, true));
    await turn();
    expect(f.asked).toEqual(['c0', 'c1', 'c2']);
    f.pending[2]?.resolve(f.page(3, true));
    await turn();
    // Pages 2 and 3 wait unstored: nothing more is asked for until one is taken.
    expect(f.asked).toEqual(['c0', 'c1', 'c2']);
    expect(await next()).toMatchObject({ cursor: 'c2' });
    expect(f.asked).toEqual(['c0', 'c1', 'c2', 'c3']);
    f.pending[3]?.resolve(f.page(4, false));
    expect(await next()).toMatchObject({ cursor: 'c3' });
    expect(await next()).toMatchObject({ cursor: 'c4', hasMore: false });
    await turn();
    expect(f.asked).toHaveLength(4);
  });

  it('ends the chain at a failed fetch, which rejects only when its turn comes', async () => {
    const f = manualFetch();
    const next = readAhead(f.fetch, null, 2);
    f.pending[0]?.resolve(f.page(1, true));
    await turn();
    f.pending[1]?.reject(new TypeError('Failed to fetch'));
    await turn();
    expect(f.asked).toEqual([null, 'c1']);
    expect(await next()).toMatchObject({ cursor: 'c1' });
    await expect(next()).rejects.toThrow('Failed to fetch');
    expect(f.asked).toHaveLength(2);
  });

  it('stops at an expired cursor', async () => {
    const f = manualFetch();
    const next = readAhead(f.fetch, 'old', 2);
    f.pending[0]?.resolve('expired');
    expect(await next()).toBe('expired');
    await turn();
    expect(f.asked).toEqual(['old']);
  });
});

describe('pull with pages fetched ahead', () => {
  it('stores every page in order with its cursor, and resumes after the last stored page when a fetch fails', async () => {
    const server = new FakeServer();
    for (let i = 0; i < 9; i += 1) server.seed('parts', { name: `part ${i}` });
    let partPages = 0;
    // The third page's request fails: the two pages before it are stored, with the cursor of the second.
    const fetch = (request: Request): Promise<Response> =>
      new URL(request.url).pathname === '/api/parts' && ++partPages === 3
        ? Promise.reject(new TypeError('Failed to fetch'))
        : server.fetch(request);
    const rig = await makeRig(
      { ...baseConfig, collections: { parts: { policy: 'read-only-delta', pageSize: 2 } } },
      { server, deps: { fetch } },
    );
    const failed = await rig.engine.sync();
    expect(failed.outcome).toBe('failed');
    expect(await rig.engine.ctx.records.count('parts')).toBe(4);
    expect(server.requests.filter((r) => r.startsWith('GET /api/parts'))).toHaveLength(2);
    const done = await rig.engine.sync();
    expect(done).toMatchObject({ outcome: 'completed', pulled: 5 });
    const stored = await rig.engine.listRecords({ collection: 'parts', limit: 20 });
    expect(stored.items.map((r) => r.data?.name)).toEqual(server.live('parts').map((r) => r.name));
    expect(
      server.requests.filter((r) => r.startsWith('GET /api/parts?limit=2&since=')).length,
    ).toBeGreaterThan(0);
  });

  it('dates the sync and keeps the last cursor in the last page, or after the sweep of a full pull', async () => {
    let now = 1000;
    const rig = await makeRig(
      {
        apiBase: '/api',
        collections: {
          parts: { policy: 'read-only-delta', pageSize: 2 },
          'work-orders': { policy: 'read-write-lww', pageSize: 2 },
        },
      },
      { deps: { now: () => now } },
    );
    for (let i = 0; i < 5; i += 1) rig.server.seed('parts', { name: `part ${i}` });
    const gone = rig.server.seed('work-orders', { title: 'gone' });
    for (let i = 0; i < 3; i += 1) rig.server.seed('work-orders', { title: `wo ${i}` });
    expect(await rig.engine.sync()).toMatchObject({ outcome: 'completed', pulled: 9 });
    expect(await rig.engine.ctx.meta.collectionSyncedAt('parts')).toBe(1000);
    expect(await rig.engine.ctx.meta.collectionSyncedAt('work-orders')).toBe(1000);
    now = 2000;
    rig.server.edit('parts', rig.server.live('parts')[4]?.id ?? '', { name: 'changed' });
    rig.server.collections.get('work-orders')?.delete(gone.id);
    // The delta pull starts from the last page's cursor: only the changed part comes again.
    expect(await rig.engine.sync()).toMatchObject({ outcome: 'completed', pulled: 1 + 3 });
    expect(await rig.engine.ctx.meta.collectionSyncedAt('parts')).toBe(2000);
    expect(await rig.engine.ctx.meta.collectionSyncedAt('work-orders')).toBe(2000);
    expect(await rig.engine.ctx.records.get('work-orders', gone.id)).toBeNull();
    expect(
      (await rig.engine.ctx.records.get('parts', rig.server.live('parts')[4]?.id ?? ''))?.data,
    ).toMatchObject({
      name: 'changed',
    });
  });
});

describe('first sync into an empty collection', () => {
  it('keeps edits captured between its pages, on records already pulled and on records still to come', async () => {
    const server = new FakeServer();
    const seeded = Array.from({ length: 8 }, (_, i) => server.seed('work-orders', { title: `wo ${i}` }));
    const [early, late] = [seeded[0], seeded[7]];
    if (!early || !late) throw new Error('seeding failed');
    const edits: Promise<unknown>[] = [];
    // The third page is answered only once the user has edited a record of the first page and one of the last.
    const fetch = async (request: Request): Promise<Response> => {
      if (request.url.endsWith('since=c_4')) {
        edits.push(
          rig.write('PATCH', `/api/work-orders/${early.id}`, { title: 'early, edited' }),
          rig.write('PATCH', `/api/work-orders/${late.id}`, { title: 'late, edited' }),
        );
        await Promise.all(edits);
      }
      return server.fetch(request);
    };
    const rig = await makeRig(
      { apiBase: '/api', collections: { 'work-orders': { policy: 'read-write-lww', pageSize: 2 } } },
      { server, deps: { fetch } },
    );
    expect(await rig.engine.sync()).toMatchObject({ outcome: 'completed' });
    await Promise.all(edits);
    expect(edits).toHaveLength(2);
    const titles = async (): Promise<unknown[]> =>
      (await rig.engine.listRecords({ collection: 'work-orders', limit: 20 })).items.map(
        (r) => r.data?.title,
      );
    const expected = ['early, edited', ...seeded.slice(1, 7).map((r) => r.title), 'late, edited'];
    expect(await titles()).toEqual(expected);
    expect(await rig.engine.sync()).toMatchObject({ outcome: 'completed' });
    expect(server.live('work-orders').map((r) => r.title)).toEqual(expected);
    expect(await titles()).toEqual(expected);
  });
});
