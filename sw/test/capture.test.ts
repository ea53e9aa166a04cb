import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/core/config.js';
import { handleWrite } from '../src/worker/writes.js';
import { handleRead } from '../src/worker/reads.js';
import { parseApiPath } from '../src/worker/paths.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

const config = validateConfig(baseConfig);

function pathOf(rig: Rig, url: string) {
  const path = parseApiPath(config, new URL(url, rig.server.origin), rig.server.origin);
  if (!path) throw new Error(`not ours: ${url}`);
  return path;
}

const hooks = { scheduleReplay: () => undefined };

describe('write capture in the worker', () => {
  it('answers 202 offline with the optimistic record, a temporary id and the write id; never stores Authorization', async () => {
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => false } });
    const request = new Request(`${rig.server.origin}/api/work-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret', cookie: 'sid=1' },
      body: JSON.stringify({ title: 'Leak' }),
    });
    const answer = await handleWrite(rig.engine, pathOf(rig, '/api/work-orders'), request, hooks);
    expect(answer.status).toBe(202);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ title: 'Leak', _sync: { state: 'pending' } });
    expect(String(body.id)).toMatch(/^tmp_/);
    const writeId = answer.headers.get('offline-kit-write-id') ?? '';
    const stored = await rig.engine.ctx.queue.get(writeId);
    expect(JSON.stringify(stored?.headers).toLowerCase()).not.toMatch(/authorization|cookie|secret/);
  });

  it('refuses a body over maxBodyBytes with 413 and queues nothing', async () => {
    const rig = await makeRig({ ...baseConfig, maxBodyBytes: 10 }, { deps: { browserOnline: () => false } });
    const request = new Request(`${rig.server.origin}/api/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'much more than ten bytes' }),
    });
    const answer = await handleWrite(rig.engine, pathOf(rig, '/api/notes'), request, hooks);
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ error: 'body_too_large' });
    expect((await rig.engine.listQueue()).total).toBe(0);
  });

  it('refuses a write it cannot store with 507 quota_exceeded instead of accepting and dropping it', async () => {
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => false } });
    const queue = rig.engine.ctx.queue;
    // A transaction whose writes the browser refuses for lack of space, as IndexedDB reports it.
    const quota = (): Promise<never> => Promise.reject(new DOMException('full', 'QuotaExceededError'));
    queue.writeTransaction = () =>
      ({
        objectStore: () => ({ add: quota, put: quota, get: () => Promise.resolve(undefined), delete: quota }),
        done: Promise.reject(new DOMException('aborted', 'AbortError')),
        abort: () => undefined,
      }) as unknown as ReturnType<typeof queue.writeTransaction>;
    const request = new Request(`${rig.server.origin}/api/work-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'No room' }),
    });
    const answer = await handleWrite(rig.engine, pathOf(rig, '/api/work-orders'), request, hooks);
    expect(answer.status).toBe(507);
    expect(await answer.json()).toMatchObject({ error: 'quota_exceeded' });
    expect((await rig.engine.listQueue()).total).toBe(0);
    // The history entry shares the write's transaction: a refused write leaves no "queued" line behind.
    expect(await rig.engine.ctx.history.list()).toEqual([]);
  });

  it("answers 202 only with the write, its record and its history entry stored, without the page's _sync", async () => {
    const rig = await makeRig(baseConfig, { deps: { browserOnline: () => false } });
    const request = new Request(`${rig.server.origin}/api/work-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Stored', _sync: { pending: true } }),
    });
    const answer = await handleWrite(rig.engine, pathOf(rig, '/api/work-orders'), request, hooks);
    expect(answer.status).toBe(202);
    const record = (await answer.json()) as { id: string; title: string };
    expect(record.title).toBe('Stored');
    const queued = (await rig.engine.listQueue()).items;
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ recordId: record.id, method: 'POST', json: { title: 'Stored' } });
    expect(queued[0]?.json).not.toHaveProperty('_sync');
    expect((await rig.engine.ctx.records.get('work-orders', record.id))?.data).toMatchObject({
      id: record.id,
      title: 'Stored',
    });
    const history = await rig.engine.ctx.history.list();
    expect(history).toMatchObject([{ kind: 'write', event: 'queued', writeId: queued[0]?.id }]);
  });

  it('online, forwards with Idempotency-Key and If-Match and keeps the acknowledged record', async () => {
    const rig = await makeRig();
    const wo = rig.server.seed('work-orders', { title: 'A' });
    await rig.engine.sync();
    let seen: Headers | null = null;
    rig.engine.ctx.deps.fetch = (req) => {
      seen = req.headers;
      return rig.server.fetch(req);
    };
    const request = new Request(`${rig.server.origin}/api/work-orders/${wo.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'B' }),
    });
    const answer = await handleWrite(rig.engine, pathOf(rig, `/api/work-orders/${wo.id}`), request, hooks);
    expect(answer.status).toBe(200);
    const h = seen as Headers | null;
    expect(h?.get('if-match')).toBe('"1"');
    expect(h?.get('idempotency-key')).toBeTruthy();
    expect((await rig.engine.ctx.records.get('work-orders', wo.id))?.data).toMatchObject({
      title: 'B',
      version: 2,
    });
  });
});

describe('reads in the worker', () => {
  it('does not keep answers marked Cache-Control: no-store', async () => {
    const rig = await makeRig();
    rig.engine.ctx.deps.fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            records: [{ id: 'wo_1', version: 1, title: 'secret' }],
            cursor: 'c',
            hasMore: false,
          }),
          {
            status: 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          },
        ),
      );
    const url = `${rig.server.origin}/api/work-orders`;
    const answer = await handleRead(
      rig.engine,
      pathOf(rig, '/api/work-orders'),
      new Request(url),
      () => undefined,
    );
    expect(answer.status).toBe(200);
    expect(await rig.engine.ctx.records.count('work-orders')).toBe(0);
  });
});
