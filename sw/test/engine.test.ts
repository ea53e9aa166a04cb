import { describe, expect, it } from 'vitest';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

/** A server that wants the token 'good', and a worker whose credentials are what the page last handed (none yet). */
async function tokenRig(): Promise<{ rig: Rig; server: FakeServer; hand: (token: string) => void }> {
  let token: string | null = null;
  const server = new FakeServer();
  server.requireToken = 'good';
  const rig = await makeRig(baseConfig, {
    server,
    deps: { credentials: () => Promise.resolve(token ? { Authorization: `Bearer ${token}` } : null) },
  });
  return {
    rig,
    server,
    hand: (next) => {
      token = next;
    },
  };
}

describe('engine against a fake server', () => {
  it('replays offline writes in order, exactly once, with temporary ids rewritten (batch)', async () => {
    const rig = await makeRig();
    const wo = rig.server.seed('work-orders', { title: 'Boiler' });
    const create = await rig.write('POST', '/api/work-orders', { title: 'Leak' });
    expect(create.recordId).toMatch(/^tmp_/);
    await rig.write('POST', '/api/notes', { workOrderId: create.recordId, text: 'Valve' });
    await rig.write('PATCH', `/api/work-orders/${create.recordId}`, { status: 'open' });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'Boiler 2' });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'Boiler 3' });
    expect((await rig.engine.status()).pending).toBe(4);

    const summary = await rig.engine.sync('all', 'manual');
    expect(summary).toMatchObject({ outcome: 'completed', pushed: 4, conflicts: 0 });
    const created = rig.server.live('work-orders').find((r) => r.title === 'Leak');
    expect(created).toMatchObject({ status: 'open', version: 1 });
    expect(rig.server.live('notes')).toEqual([
      expect.objectContaining({ workOrderId: created?.id, text: 'Valve' }),
    ]);
    expect(rig.server.live('work-orders').find((r) => r.id === wo.id)).toMatchObject({
      title: 'Boiler 3',
      version: 3,
    });
    expect(new Set(rig.server.applied.map((a) => a.key)).size).toBe(rig.server.applied.length);
    expect((await rig.engine.listQueue()).total).toBe(0);
    // The local copy moved to the server's id, and the child points at it.
    const local = await rig.engine.listRecords({ collection: 'notes' });
    expect(local.items[0]?.data).toMatchObject({ workOrderId: created?.id });
    expect(await rig.engine.ctx.records.get('work-orders', create.recordId)).toBeNull();
  });

  it('sends one by one, in order per record, when the server has no batch endpoint', async () => {
    const server = new FakeServer();
    server.batch = false;
    const rig = await makeRig(baseConfig, { server });
    const wo = server.seed('work-orders', { title: 'A' });
    const create = await rig.write('POST', '/api/work-orders', { title: 'New' });
    await rig.write('POST', '/api/notes', { workOrderId: create.recordId, text: 'n1' });
    for (let i = 0; i < 5; i += 1) await rig.write('PATCH', `/api/work-orders/${wo.id}`, { n: i });
    const summary = await rig.engine.sync();
    expect(summary.pushed).toBe(7);
    expect(server.live('work-orders').find((r) => r.id === wo.id)).toMatchObject({ n: 4, version: 6 });
    const patches = server.applied.filter((a) => a.path.endsWith(wo.id)).map((a) => a.key);
    const order = (await Promise.resolve(rig.events))
      .filter((e) => e.type === 'write-queued')
      .map((e) => (e.type === 'write-queued' ? e.write : null))
      .filter((w) => w?.recordId === wo.id)
      .map((w) => w?.id);
    expect(patches).toEqual(order);
    const newId = server.live('work-orders').find((r) => r.title === 'New')?.id;
    expect(server.live('notes')[0]?.workOrderId).toBe(newId);
  });

  it('keeps a write whose answer was lost and replays it with the same key: applied once', async () => {
    const rig = await makeRig();
    await rig.write('POST', '/api/work-orders', { title: 'Once' });
    rig.server.faults.dropAfterCommit = 1;
    const first = await rig.engine.sync();
    expect(first.outcome).toBe('failed');
    expect((await rig.engine.listQueue()).total).toBe(1);
    const second = await rig.engine.sync();
    expect(second.outcome).toBe('completed');
    expect(rig.server.live('work-orders').filter((r) => r.title === 'Once')).toHaveLength(1);
    expect(rig.server.applied).toHaveLength(1);
  });

  it('keeps a write a captive portal answered (an HTML page after a redirect): it never reached the API', async () => {
    const server = new FakeServer();
    server.batch = false;
    const portal = (): Response => {
      const page = new Response('<html>Sign in to the Wi-Fi</html>', {
        status: 200,
        headers: { 'content-type': 'text/html' },
      });
      return Object.defineProperty(page, 'redirected', { value: true });
    };
    const rig = await makeRig(baseConfig, {
      server,
      deps: { fetch: async (req) => (req.method === 'POST' ? portal() : server.fetch(req)) },
    });
    await rig.write('POST', '/api/work-orders', { title: 'x' });
    const s = await rig.engine.sync();
    expect(s.outcome).toBe('failed');
    const q = await rig.engine.listQueue();
    expect(q.items[0]).toMatchObject({ state: 'pending', lastError: { code: 'bad_response' } });
  });

  it('retries 5xx with back-off and a write written during the outage still arrives', async () => {
    const rig = await makeRig();
    rig.server.faults.failNext = { count: 1, status: 503 };
    await rig.write('POST', '/api/work-orders', { title: 'Later' });
    expect((await rig.engine.sync()).outcome).toBe('failed');
    const q = await rig.engine.listQueue();
    expect(q.items[0]?.nextAttemptAt).not.toBeNull();
    expect((await rig.engine.sync()).outcome).toBe('completed');
    expect(rig.server.live('work-orders').map((r) => r.title)).toContain('Later');
  });

  it('pauses on 401, keeps everything, and resumes after a forced sync with credentials', async () => {
    const { rig, server, hand } = await tokenRig();
    await rig.write('POST', '/api/work-orders', { title: 'Auth' });
    const s = await rig.engine.sync('all', 'background-sync');
    expect(s.outcome).toBe('failed');
    expect((await rig.engine.status()).paused).toBe(true);
    expect(rig.events.some((e) => e.type === 'credentials-needed')).toBe(true);
    expect((await rig.engine.sync('all', 'retry')).outcome).toBe('skipped');
    hand('good');
    expect((await rig.engine.sync('all', 'login')).outcome).toBe('completed');
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['Auth']);
  });

  it('a worker with no credentials in hand sends nothing and asks for them as missing, unlike a refused token', async () => {
    const { rig, server, hand } = await tokenRig();
    await rig.write('POST', '/api/work-orders', { title: 'Kept' });
    expect((await rig.engine.sync('all', 'background-sync')).outcome).toBe('failed');
    expect(server.requests).toEqual([]);
    const asked = rig.events.filter((e) => e.type === 'credentials-needed');
    expect(asked).toEqual([
      {
        type: 'credentials-needed',
        reason: {
          code: 'unauthorized',
          message: 'the service worker has no credentials',
          details: { missing: true },
        },
      },
    ]);
    expect(await rig.engine.status()).toMatchObject({ paused: true, pending: 1 });
    hand('expired');
    expect((await rig.engine.sync('all', 'login')).outcome).toBe('failed');
    const refused = rig.events.filter((e) => e.type === 'credentials-needed').slice(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.type === 'credentials-needed' && refused[0].reason.details).toBeUndefined();
    hand('good');
    expect((await rig.engine.sync('all', 'login')).outcome).toBe('completed');
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['Kept']);
  });

  it('a worker restarted while paused for missing credentials asks the pages again (it forgot what they sent)', async () => {
    // Seen under load: the worker paused for missing credentials and was stopped before the page's answer arrived.
    // The next worker read the pause back and skipped every run without asking, so the queue waited forever.
    const { rig, server, hand } = await tokenRig();
    await rig.write('POST', '/api/work-orders', { title: 'Waiting' });
    expect((await rig.engine.sync('all', 'background-sync')).outcome).toBe('failed');
    await rig.reopen();
    const before = rig.events.filter((e) => e.type === 'credentials-needed').length;
    await rig.engine.sync('all', 'background-sync');
    const asked = rig.events.filter((e) => e.type === 'credentials-needed').slice(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.type === 'credentials-needed' && asked[0].reason.details).toEqual({ missing: true });
    // The page answers: `setCredentials` resumes the partition and syncs (worker/api-impl.ts).
    hand('good');
    await rig.engine.setPaused(null);
    expect((await rig.engine.sync('all', 'login')).outcome).toBe('completed');
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['Waiting']);
  });

  it('an anonymous partition without a credentials hook replays on cookies alone', async () => {
    const rig = await makeRig(baseConfig, { user: null, deps: { credentials: () => Promise.resolve(null) } });
    await rig.write('POST', '/api/work-orders', { title: 'Cookie' });
    expect((await rig.engine.sync()).outcome).toBe('completed');
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Cookie']);
  });

  it('marks 4xx writes failed, keeps them, lets a person edit and retry them', async () => {
    const server = new FakeServer();
    server.batch = false;
    const rig = await makeRig(baseConfig, { server });
    await rig.write('PATCH', '/api/work-orders/wo_missing', { title: 'x' });
    const s = await rig.engine.sync();
    expect(s).toMatchObject({ outcome: 'partial', failed: 1 });
    const [failed] = (await rig.engine.listQueue({ state: 'failed' })).items;
    expect(failed).toMatchObject({ lastStatus: 404 });
    const wo = server.seed('work-orders', { title: 'exists' });
    await rig.engine.discardWrite(failed?.id ?? '');
    expect((await rig.engine.listQueue()).total).toBe(0);
    await rig.write('POST', '/api/work-orders', { title: '' }, {});
    const queued = (await rig.engine.listQueue()).items[0];
    await rig.engine.editWrite(queued?.id ?? '', { title: 'edited before sending' });
    await rig.engine.sync();
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['exists', 'edited before sending']);
    expect(wo.id).toBeTruthy();
  });

  it('pulls a delta collection by cursor with tombstones, and a read-only replace sweeps', async () => {
    const rig = await makeRig({
      apiBase: '/api',
      collections: { parts: { policy: 'read-only-delta', pageSize: 2 }, notes: { policy: 'read-only' } },
    });
    const parts = [1, 2, 3, 4, 5].map((n) => rig.server.seed('parts', { name: `p${n}` }));
    const note = rig.server.seed('notes', { text: 'gone soon' });
    const first = await rig.engine.sync();
    expect(first.pulled).toBe(6);
    expect((await rig.engine.listRecords({ collection: 'parts' })).total).toBe(5);
    rig.server.edit('parts', parts[0]?.id ?? '', { name: 'p1b' });
    const p2 = rig.server.collections.get('parts')?.get(parts[1]?.id ?? '');
    if (p2) {
      p2.deleted = true;
      p2.version += 1;
    }
    rig.server.edit('parts', parts[2]?.id ?? '', {});
    if (p2) rig.server.edit('parts', p2.id, {});
    rig.server.collections.get('notes')?.delete(note.id);
    await rig.engine.sync();
    const local = await rig.engine.listRecords({ collection: 'parts' });
    expect(local.items.map((r) => r.data?.name).sort()).toEqual(['p1b', 'p3', 'p4', 'p5']);
    expect((await rig.engine.listRecords({ collection: 'notes' })).total).toBe(0);
  });

  it('a write found "sending" after a restart is sent again with the same key', async () => {
    const rig = await makeRig();
    const w = await rig.write('POST', '/api/work-orders', { title: 'Crash' });
    const stored = await rig.engine.ctx.queue.get(w.id);
    if (stored) await rig.engine.ctx.queue.put({ ...stored, state: 'sending', attempts: 1 });
    const engine = await rig.reopen();
    await engine.sync('all', 'start');
    expect(rig.server.applied.map((a) => a.key)).toEqual([w.id]);
  });

  it('keeps a bounded, exportable history of runs and write events', async () => {
    const rig = await makeRig({ ...baseConfig, historyLimit: 10 });
    for (let i = 0; i < 8; i += 1) await rig.write('POST', '/api/work-orders', { title: `h${i}` });
    await rig.engine.sync();
    const history = await rig.engine.ctx.history.list(100);
    expect(history.length).toBeLessThanOrEqual(11);
    expect(history[0]).toMatchObject({ kind: 'run', outcome: 'completed', pushed: 8 });
    const exported = await rig.engine.exportHistory();
    expect(exported).toMatchObject({ format: 'offline-kit-history', version: 1 });
    // The trim drops the oldest: exactly the limit is left, and the newest entry (the run) is among them.
    expect(exported.entries).toHaveLength(10);
    const newest = history
      .slice(0, 10)
      .map((e) => e.id)
      .sort((a, b) => a - b);
    expect(exported.entries.map((e) => e.id).sort((a, b) => a - b)).toEqual(newest);
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
  });

  it('only one sync runs at a time and duplicate requests join the waiting one', async () => {
    const rig = await makeRig();
    await rig.write('POST', '/api/work-orders', { title: 'one' });
    const runs = await Promise.all([rig.engine.sync(), rig.engine.sync(), rig.engine.sync('all', 'online')]);
    expect(runs[1]?.runId).toBe(runs[2]?.runId);
    expect(rig.server.applied).toHaveLength(1);
    expect(rig.events.filter((e) => e.type === 'sync-started')).toHaveLength(2);
  });
});

describe('large bodies', () => {
  it('a form or binary upload goes beside the batches and does not hold up the JSON writes behind it', async () => {
    const server = new FakeServer();
    let batchSeen: () => void = () => undefined;
    const batchArrived = new Promise<void>((resolve) => {
      batchSeen = resolve;
    });
    const rig = await makeRig(baseConfig, {
      server,
      deps: {
        fetch: async (req) => {
          const path = new URL(req.url).pathname;
          if (path === '/api/_batch') batchSeen();
          // The upload only finishes once a batch got through: sending them one after the other would never end.
          if (path === '/api/notes' && req.method === 'POST') await batchArrived;
          return server.fetch(req);
        },
      },
    });
    const wo = server.seed('work-orders', { title: 'A' });
    await rig.engine.sync();
    const form = new TextEncoder().encode('text=big+upload').buffer;
    const seq = await rig.engine.reserveSeq();
    await rig.engine.enqueue({
      method: 'POST',
      url: '/api/notes',
      collection: 'notes',
      recordId: null,
      headers: [],
      body: form,
      contentType: 'application/x-www-form-urlencoded',
      ifMatch: null,
      idempotencyKey: null,
      seq,
    });
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'B' });
    const summary = await rig.engine.sync();
    expect(summary).toMatchObject({ outcome: 'completed', pushed: 2 });
    expect(server.live('notes').map((n) => n.text)).toEqual(['big upload']);
    expect(server.live('work-orders')[0]?.title).toBe('B');
  }, 10_000);
});
