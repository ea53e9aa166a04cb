/**
 * Answers a server (or whoever answers in its name) must not be able to turn against the engine (issue #11): no answer
 * makes push or pull spin, a 409 without the server's copy is not read as a deletion, no request leaves the origin
 * with credentials, an acknowledgement cannot rename a record into another one, and a stale pull page does not make
 * the sweep delete a record.
 */
import { describe, expect, it } from 'vitest';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import { OfflineKitError } from '../src/protocol/errors.js';
import { validateConfig } from '../src/core/config.js';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

/** Past this many requests the test's fetch fails every request, so a spinning engine ends and the test can assert. */
const SAFETY_VALVE = 60;

type Handler = (req: Request, url: URL) => Promise<Response | null> | Response | null;

/** A rig whose fetch lets `handler` answer first (null: the fake server answers), logging every request's URL. */
async function interceptedRig(
  handler: Handler,
  config: OfflineKitConfig = baseConfig,
  server = new FakeServer(),
): Promise<Rig & { seen: string[] }> {
  const seen: string[] = [];
  const rig = await makeRig(config, {
    server,
    deps: {
      credentials: () => Promise.resolve({ Authorization: 'Bearer secret' }),
      fetch: async (req) => {
        seen.push(`${req.method} ${req.url}`);
        if (seen.length > SAFETY_VALVE) throw new TypeError('safety valve: the engine is spinning');
        const url = new URL(req.url);
        return (await handler(req, url)) ?? server.fetch(req);
      },
    },
  });
  return Object.assign(rig, { seen });
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const count = (seen: string[], method: string, path: string): number =>
  seen.filter(
    (s) => s === `${method} http://app.test${path}` || s.startsWith(`${method} http://app.test${path}?`),
  ).length;

async function closesPromptly(rig: Rig): Promise<void> {
  const closed = rig.engine.close().then(() => 'closed');
  const timeout = new Promise((resolve) => setTimeout(() => resolve('hung'), 1000));
  expect(await Promise.race([closed, timeout])).toBe('closed');
}

describe('no answer can make the engine spin (#11 item 4)', () => {
  for (const [name, answer] of [
    ['200 with no results', () => ({ results: [] })],
    [
      'every write 424 (not attempted)',
      (keys: string[]) => ({
        results: keys.map((key) => ({ key, status: 424, body: { error: 'not_attempted' } })),
      }),
    ],
    ['results for other keys only', () => ({ results: [{ key: 'someone-else', status: 200, body: {} }] })],
  ] as const) {
    it(`a batch answered "${name}" ends the run, backs off and keeps every write`, async () => {
      const rig = await interceptedRig(async (req, url) => {
        if (url.pathname !== '/api/_batch') return null;
        const sent = (await req.json()) as { writes: { key: string }[] };
        return json(200, answer(sent.writes.map((w) => w.key)));
      });
      const wo = rig.server.seed('work-orders', { title: 'A' });
      await rig.write('POST', '/api/work-orders', { title: 'new' });
      await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'B' });

      const summary = await rig.engine.sync();

      expect(count(rig.seen, 'POST', '/api/_batch')).toBe(1);
      expect(summary.outcome).toBe('failed');
      expect(summary.error?.code).toBe('bad_response');
      const queue = await rig.engine.listQueue();
      expect(queue.total).toBe(2);
      expect(queue.items.every((w) => w.state === 'pending' && w.lastError?.code === 'bad_response')).toBe(
        true,
      );
      // Backed off like a 5xx: not sent again before its time.
      expect(queue.items.every((w) => w.nextAttemptAt !== null)).toBe(true);
      await closesPromptly(rig);
    });
  }

  it('a batch that settles some writes goes on with the rest: progress is not a spin', async () => {
    let first = true;
    const rig = await interceptedRig(async (req, url) => {
      if (url.pathname !== '/api/_batch' || !first) return null;
      first = false;
      // The first write is answered, the rest "not attempted" although nothing failed: sent again, once.
      const sent = (await req.clone().json()) as { writes: { key: string }[] };
      const real = (await (
        await rig.server.fetch(
          new Request(req.url, {
            method: 'POST',
            headers: req.headers,
            body: JSON.stringify({ writes: sent.writes.slice(0, 1) }),
          }),
        )
      ).json()) as { results: unknown[] };
      return json(200, {
        results: [
          ...real.results,
          ...sent.writes.slice(1).map((w) => ({ key: w.key, status: 424, body: {} })),
        ],
      });
    });
    for (let i = 0; i < 3; i += 1) await rig.write('POST', '/api/work-orders', { title: `t${i}` });
    const summary = await rig.engine.sync();
    expect(summary).toMatchObject({ outcome: 'completed', pushed: 3 });
    expect(count(rig.seen, 'POST', '/api/_batch')).toBe(2);
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['t0', 't1', 't2']);
  });

  it('a pull page that says "more" with the cursor it was asked with ends the pull as a bad answer', async () => {
    const rig = await interceptedRig((_req, url) => {
      if (url.pathname !== '/api/parts') return null;
      const since = url.searchParams.get('since');
      return json(200, {
        records: [{ id: 'pa_1', version: 1, name: 'one' }],
        deleted: [],
        cursor: since ?? 'c_1',
        hasMore: true,
      });
    });
    const summary = await rig.engine.sync();
    expect(count(rig.seen, 'GET', '/api/parts')).toBeLessThanOrEqual(3);
    expect(summary.outcome).toBe('failed');
    expect(summary.error?.code).toBe('bad_response');
    // What was stored before the bad page stays.
    expect((await rig.engine.ctx.records.get('parts', 'pa_1'))?.row.version).toBe(1);
    await closesPromptly(rig);
  });

  it('pull cursors that go round in a circle end the pull', async () => {
    const rig = await interceptedRig((_req, url) => {
      if (url.pathname !== '/api/parts') return null;
      const since = url.searchParams.get('since');
      const n = since === null ? 0 : Number(since.slice(2));
      return json(200, {
        records: [{ id: `pa_${n}`, version: 1 }],
        deleted: [],
        cursor: `c_${(n + 1) % 3}`,
        hasMore: true,
      });
    });
    const summary = await rig.engine.sync();
    expect(count(rig.seen, 'GET', '/api/parts')).toBeLessThanOrEqual(6);
    expect(summary.error?.code).toBe('bad_response');
    await closesPromptly(rig);
  });

  it('empty pull pages that keep saying "more" end the pull', async () => {
    let n = 0;
    const rig = await interceptedRig((_req, url) => {
      if (url.pathname !== '/api/parts') return null;
      n += 1;
      return json(200, { records: [], deleted: [], cursor: `c_${n}`, hasMore: true });
    });
    const summary = await rig.engine.sync();
    expect(count(rig.seen, 'GET', '/api/parts')).toBeLessThanOrEqual(3);
    expect(summary.error?.code).toBe('bad_response');
    await closesPromptly(rig);
  });
});

describe('a 409 without the server copy is not a deletion (#11 item 5)', () => {
  async function conflictWithoutCopy(
    strategy: 'server-wins' | 'client-wins' | 'manual',
    refetch: 'ok' | 'fails' = 'ok',
  ) {
    const server = new FakeServer();
    server.batch = false;
    let answered409 = false;
    const rig = await interceptedRig(
      (req, url) => {
        if (req.method === 'PATCH' && !answered409) {
          answered409 = true;
          return json(409, { error: 'conflict' });
        }
        if (req.method === 'GET' && refetch === 'fails' && /^\/api\/work-orders\/./.test(url.pathname))
          return json(503, { error: 'busy' });
        return null;
      },
      {
        apiBase: '/api',
        collections: { 'work-orders': { policy: 'read-write-conflict', conflict: strategy } },
      },
      server,
    );
    const wo = server.seed('work-orders', { title: 'base', status: 'open' });
    await rig.engine.sync();
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine' });
    server.edit('work-orders', wo.id, { status: 'done' });
    const summary = await rig.engine.sync();
    return { rig, server, id: wo.id, summary };
  }

  it('server-wins takes the server copy read again, and the record stays', async () => {
    const { rig, server, id } = await conflictWithoutCopy('server-wins');
    expect(server.live('work-orders')).toHaveLength(1);
    const local = await rig.engine.ctx.records.get('work-orders', id);
    expect(local?.data).toMatchObject({ title: 'base', status: 'done' });
    expect(await rig.engine.listConflicts()).toEqual([]);
    // What the history (and the panel) says the server held when the rule chose: its copy, not "deleted".
    const resolved = (await rig.engine.getHistory()).find(
      (e) => e.kind === 'write' && e.event === 'resolved',
    );
    expect(resolved?.kind === 'write' && resolved.error?.details).toMatchObject({
      local: { title: 'mine' },
      server: { id, status: 'done' },
    });
  });

  it('client-wins writes over the server copy read again: no duplicate record on the server', async () => {
    const { server, id } = await conflictWithoutCopy('client-wins');
    expect(server.live('work-orders')).toEqual([expect.objectContaining({ id, title: 'mine', version: 3 })]);
  });

  it('when the copy cannot be read again, the conflict waits for a person and the edit is kept', async () => {
    const { rig, server, id } = await conflictWithoutCopy('server-wins', 'fails');
    expect(server.live('work-orders')).toEqual([expect.objectContaining({ id, title: 'base', version: 2 })]);
    const [conflict] = await rig.engine.listConflicts();
    expect(conflict).toMatchObject({ recordId: id, serverDeleted: false, local: { title: 'mine' } });
    expect((await rig.engine.ctx.records.get('work-orders', id))?.data).toMatchObject({ title: 'mine' });
  });

  it('"current": null with "deleted": true still means the server deleted the record', async () => {
    const rig = await makeRig({
      apiBase: '/api',
      collections: { 'work-orders': { policy: 'read-write-conflict', conflict: 'client-wins' } },
    });
    const wo = rig.server.seed('work-orders', { title: 'base' });
    await rig.engine.sync();
    await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'mine' });
    const stored = rig.server.collections.get('work-orders')?.get(wo.id);
    if (stored) Object.assign(stored, { deleted: true, version: 2 });
    await rig.engine.sync();
    // Keeping the user's version of a record the server deleted means creating it again.
    expect(rig.server.live('work-orders')).toEqual([expect.objectContaining({ title: 'mine', version: 1 })]);
  });
});

describe('no request leaves the origin (#11 item 9)', () => {
  it('a discovery batch path on another origin is ignored: writes go one by one, to this origin only', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const rig = await interceptedRig((_req, url) =>
        url.pathname === '/api/_sync'
          ? json(200, {
              protocol: 'offline-kit-sync',
              version: 1,
              batch: { path: '//evil.test/steal', maxWrites: 100, maxBytes: 1048576 },
            })
          : null,
      );
      await rig.write('POST', '/api/work-orders', { title: 'mine' });
      const summary = await rig.engine.sync();
      expect(summary.outcome).toBe('completed');
      expect(rig.seen.filter((s) => !s.includes('//app.test/'))).toEqual([]);
      expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['mine']);
      expect(JSON.stringify(errors)).toContain('batch.path');
    } finally {
      console.error = original;
    }
  });

  for (const url of ['//evil.test/api/work-orders', 'https://evil.test/api/work-orders', '/\\evil.test/x']) {
    it(`a queued write whose stored url is "${url}" is not sent; it is kept, failed, with the reason`, async () => {
      const rig = await interceptedRig(
        () => null,
        baseConfig,
        Object.assign(new FakeServer(), { batch: false }),
      );
      const w = await rig.write('POST', '/api/work-orders', { title: 'mine' });
      const stored = await rig.engine.ctx.queue.get(w.id);
      if (!stored) throw new Error('queued write missing');
      await rig.engine.ctx.queue.put({ ...stored, url, rev: stored.rev + 1 });
      await rig.engine.sync();
      expect(rig.seen.filter((s) => !s.includes('//app.test/'))).toEqual([]);
      const [kept] = (await rig.engine.listQueue()).items;
      expect(kept).toMatchObject({ id: w.id, state: 'failed', lastError: { code: 'rejected' } });
    });
  }

  it('the same tampered write in a batch is not sent either, and the others still are', async () => {
    const batched: string[] = [];
    const rig = await interceptedRig(async (req, url) => {
      if (url.pathname === '/api/_batch') batched.push(await req.clone().text());
      return null;
    });
    const bad = await rig.write('POST', '/api/work-orders', { title: 'tampered' });
    await rig.write('POST', '/api/work-orders', { title: 'fine' });
    const stored = await rig.engine.ctx.queue.get(bad.id);
    if (!stored) throw new Error('queued write missing');
    await rig.engine.ctx.queue.put({ ...stored, url: '//evil.test/api/work-orders', rev: stored.rev + 1 });
    await rig.engine.sync();
    expect(batched.join()).not.toContain('evil.test');
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['fine']);
    expect((await rig.engine.listQueue()).items).toMatchObject([
      { id: bad.id, state: 'failed', lastError: { code: 'rejected' } },
    ]);
  });

  for (const apiBase of [
    '//evil.test',
    '//evil.test/api',
    '/\\evil.test',
    '/api\\x',
    'http://evil.test/api',
    '/\t/evil.test',
  ]) {
    it(`init refuses apiBase ${JSON.stringify(apiBase)}`, () => {
      let caught: unknown = null;
      try {
        validateConfig({ ...baseConfig, apiBase });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OfflineKitError);
      expect(caught).toMatchObject({ code: 'invalid_config', details: { key: 'apiBase' } });
    });
  }
});

describe('an acknowledgement naming another record (#11 item 11)', () => {
  for (const batch of [false, true]) {
    it(`does not rename or overwrite the other record (${batch ? 'batch' : 'one by one'})`, async () => {
      const server = new FakeServer();
      server.batch = batch;
      const rig = await interceptedRig(
        async (req, url) => {
          if (req.method === 'GET') return null;
          const answer = await server.fetch(req);
          const body = (await answer.json()) as Record<string, unknown>;
          const swap = (r: unknown): unknown =>
            r && typeof r === 'object' && (r as { id?: unknown }).id === 'wo_1'
              ? { ...r, id: 'wo_2', title: 'evil' }
              : r;
          if (url.pathname === '/api/_batch') {
            const results = (body.results as { body: unknown }[]).map((r) => ({ ...r, body: swap(r.body) }));
            return json(answer.status, { ...body, results });
          }
          return json(answer.status, swap(body));
        },
        baseConfig,
        server,
      );
      server.seed('work-orders', { title: 'one' });
      server.seed('work-orders', { title: 'two' });
      await rig.engine.sync();
      const w = await rig.write('PATCH', '/api/work-orders/wo_1', { title: 'one edited' });
      await rig.engine.sync();
      const local1 = await rig.engine.ctx.records.get('work-orders', 'wo_1');
      const local2 = await rig.engine.ctx.records.get('work-orders', 'wo_2');
      expect(local2?.data).toMatchObject({ id: 'wo_2', title: 'two', version: 1 });
      expect(local1?.data).toMatchObject({ id: 'wo_1', title: 'one edited' });
      expect((await rig.engine.listQueue()).items).toMatchObject([
        { id: w.id, state: 'failed', lastError: { code: 'bad_response' } },
      ]);
    });
  }
});

describe('a pulled record whose version goes backwards (#11 item 12)', () => {
  it('is kept by the sweep', async () => {
    let stale = false;
    const server = new FakeServer();
    const rig = await interceptedRig(
      async (req, url) => {
        if (!stale || req.method !== 'GET' || url.pathname !== '/api/work-orders') return null;
        const page = (await (await server.fetch(req)).json()) as { records: { version: number }[] };
        return json(200, { ...page, records: page.records.map((r) => ({ ...r, version: 1 })) });
      },
      baseConfig,
      server,
    );
    const wo = server.seed('work-orders', { title: 'v1' });
    server.edit('work-orders', wo.id, { title: 'v2' });
    await rig.engine.sync();
    expect((await rig.engine.ctx.records.get('work-orders', wo.id))?.row.version).toBe(2);
    // A stale replica answers the next pull with version 1.
    stale = true;
    await rig.engine.sync();
    const local = await rig.engine.ctx.records.get('work-orders', wo.id);
    expect(local?.data).toMatchObject({ title: 'v2', version: 2 });
  });
});
