import { describe, expect, it } from 'vitest';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, readThrough as read } from './harness.js';

async function records(response: Response): Promise<Record<string, unknown>[]> {
  const body = (await response.json()) as { records: Record<string, unknown>[] };
  return body.records;
}

describe('reads', () => {
  it('shows records created offline on top of a limited offline list', async () => {
    let online = true;
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => online } });
    for (let i = 0; i < 5; i += 1) rig.server.seed('work-orders', { title: `server ${i}` });
    await rig.engine.sync();
    online = false;
    await rig.write('POST', '/api/work-orders', { title: 'made offline 1' });
    await rig.write('POST', '/api/work-orders', { title: 'made offline 2' });
    const { response } = await read(rig, '/api/work-orders?limit=5');
    expect(response.headers.get('offline-kit-source')).toBe('local');
    const titles = (await records(response)).map((r) => r.title);
    expect(titles).toHaveLength(7);
    expect(titles).toEqual(expect.arrayContaining(['made offline 1', 'made offline 2']));
  });

  it('answers a record created offline under its temporary id after the server gave it its own, online too', async () => {
    let online = false;
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => online } });
    const { recordId } = await rig.write('POST', '/api/work-orders', { title: 'made offline' });
    online = true;
    await rig.engine.sync();
    // A screen opened on the temporary id reads it again after the swap: the server never heard of that id.
    const { response } = await read(rig, `/api/work-orders/${recordId}`);
    expect(response.status).toBe(200);
    const record = (await response.json()) as Record<string, unknown>;
    expect(record.title).toBe('made offline');
    expect(record.id).not.toBe(recordId);
  });

  it('stores what a page read online without announcing data-changed, and answers it offline afterwards', async () => {
    let online = true;
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => online } });
    rig.server.seed('work-orders', { title: 'Boiler' });
    const { response, stores } = await read(rig, '/api/work-orders');
    expect(response.headers.get('offline-kit-source')).toBe('network');
    expect((await records(response)).map((r) => r.title)).toEqual(['Boiler']);
    await Promise.all(stores);
    expect(rig.events.filter((e) => e.type === 'data-changed')).toEqual([]);
    online = false;
    const local = await read(rig, '/api/work-orders');
    expect(local.response.headers.get('offline-kit-source')).toBe('local');
    expect((await records(local.response)).map((r) => r.title)).toEqual(['Boiler']);
  });

  it('never lets an older read overwrite a newer copy', async () => {
    let online = true;
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => online } });
    const wo = rig.server.seed('work-orders', { title: 'v1' });
    const old = await read(rig, `/api/work-orders/${wo.id}`);
    rig.server.edit('work-orders', wo.id, { title: 'v2' });
    await rig.engine.sync();
    // The first read's store lands after the sync stored version 2.
    await Promise.all(old.stores);
    await rig.engine.storeRead('work-orders', [{ id: wo.id, version: 1, title: 'v1' }], []);
    online = false;
    const local = await read(rig, `/api/work-orders/${wo.id}`);
    expect(((await local.response.json()) as Record<string, unknown>).title).toBe('v2');
  });

  it('counts pulled records page by page and saves a delta cursor with its page', async () => {
    const rig = await makeRig({
      ...baseConfig,
      collections: { ...baseConfig.collections, parts: { policy: 'read-only-delta', pageSize: 2 } },
    });
    for (let i = 0; i < 5; i += 1) rig.server.seed('parts', { name: `part ${i}` });
    await rig.engine.sync();
    const pulls = rig.events.flatMap((e) =>
      e.type === 'sync-progress' && e.progress.phase === 'pull' && e.progress.collection === 'parts'
        ? [e.progress]
        : [],
    );
    expect(pulls.map((p) => p.done)).toEqual([2, 4, 5]);
    expect(pulls[pulls.length - 1]?.total).toBe(pulls[pulls.length - 1]?.done);
    expect(pulls.slice(0, -1).every((p) => p.total === null)).toBe(true);
    expect(await rig.engine.ctx.records.count('parts')).toBe(5);
    expect(await rig.engine.ctx.meta.cursor('parts')).not.toBeNull();
  });

  describe("a 5xx or a 2xx that is not the API's is answered from the local copy (#13)", () => {
    const faults: [string, () => Response][] = [
      ['a 500', () => Response.json({ error: 'boom' }, { status: 500 })],
      [
        "a captive portal's HTML page",
        () => new Response('<html>Sign in</html>', { headers: { 'content-type': 'text/html' } }),
      ],
      [
        'a body that is not JSON under a JSON type',
        () => new Response('<html>Sign in</html>', { headers: { 'content-type': 'application/json' } }),
      ],
    ];
    for (const [name, fault] of faults) {
      it(`${name}: the stored list, as if offline; the answer is not stored; nothing local: passed on`, async () => {
        let answer: (() => Response) | null = null;
        const server = new FakeServer();
        const rig = await makeRig(baseConfig, {
          server,
          deps: {
            fetch: (req) => (answer && req.method === 'GET' ? Promise.resolve(answer()) : server.fetch(req)),
          },
        });
        rig.server.seed('work-orders', { title: 'Boiler' });
        await Promise.all((await read(rig, '/api/work-orders')).stores);

        answer = fault;
        const { response, stores } = await read(rig, '/api/work-orders');
        await Promise.all(stores);
        expect(response.status).toBe(200);
        expect(response.headers.get('offline-kit-source')).toBe('local');
        expect(response.headers.get('offline-kit-last-sync')).not.toBeNull();
        expect((await records(response)).map((r) => r.title)).toEqual(['Boiler']);
        expect(await rig.engine.ctx.records.count('work-orders')).toBe(1);

        // A record never read online has no local copy: the page gets the real answer, unchanged.
        const item = await read(rig, '/api/work-orders/wo_404');
        const real = fault();
        expect(item.response.status).toBe(real.status);
        expect(await item.response.text()).toBe(await real.text());
      });
    }
  });
});
