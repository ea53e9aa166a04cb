/**
 * A 2xx is a delivery (issue #13): once the server answered a queued write 2xx it is never sent again, even when the
 * answer cannot be read as a record. Sending it again is how a plain REST API applies the same PATCH three times
 * and how a create is duplicated. The write is acknowledged, the history says the answer could not be read, and the
 * local copy keeps the user's change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../src/protocol/api.js';
import { FakeServer, type FakeRecord } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

type Answer = (req: Request, real: Response) => Promise<Response> | Response;

/**
 * A rig whose server really applies every write (so what it holds is checked) while `answer` replaces what the
 * engine reads back. `sent` counts, per Idempotency-Key, how many times a write went out (alone or in a batch).
 */
async function rewiredRig(answer: Answer, batch: boolean): Promise<Rig & { sent: Map<string, number> }> {
  const server = new FakeServer();
  server.batch = batch;
  const sent = new Map<string, number>();
  const count = (key: string): void => {
    sent.set(key, (sent.get(key) ?? 0) + 1);
  };
  const rig = await makeRig(baseConfig, {
    server,
    deps: {
      fetch: async (req) => {
        if (req.method === 'GET') return server.fetch(req);
        if (new URL(req.url).pathname === '/api/_batch') {
          const body = (await req.clone().json()) as { writes: { key: string }[] };
          for (const w of body.writes) count(w.key);
        } else {
          count(req.headers.get('idempotency-key') ?? '');
        }
        return answer(req, await server.fetch(req));
      },
    },
  });
  return Object.assign(rig, { sent });
}

/** A record with a numeric-looking id, as a json-server style API has them. */
function seedNumeric(server: FakeServer, id: string, fields: Record<string, unknown>): FakeRecord {
  const record: FakeRecord = { ...fields, id, version: 1, updatedAt: new Date(0).toISOString() };
  server.collections.get('work-orders')?.set(id, record);
  return record;
}

const plain = (status: number, body: string, headers: Record<string, string> = {}): Response =>
  new Response(status === 204 || status === 205 ? null : body, { status, headers });

function acknowledgedEntry(history: HistoryEntry[], writeId: string): HistoryEntry | undefined {
  return history.find((e) => e.kind === 'write' && e.writeId === writeId && e.event === 'acknowledged');
}

async function syncTwice(rig: Rig): Promise<void> {
  await rig.engine.sync();
  await rig.engine.sync();
}

describe('a 2xx is a delivery (#13)', () => {
  for (const batch of [false, true]) {
    const how = batch ? 'in a batch' : 'one by one';

    it(`a PATCH answered 200 {"id":1,"title":"x"} (no version) is sent exactly once (${how})`, async () => {
      const rig = await rewiredRig((req, real) => {
        if (new URL(req.url).pathname === '/api/_batch')
          return real.json().then((b: { results: { key: string; status: number }[] }) =>
            Response.json({
              results: b.results.map((r) => ({ ...r, body: { id: 1, title: 'x' } })),
              idMap: {},
            }),
          );
        return Response.json({ id: 1, title: 'x' });
      }, batch);
      seedNumeric(rig.server, '1', { title: 'old', status: 'open' });
      await rig.engine.sync();
      const first = await rig.write('PATCH', '/api/work-orders/1', { title: 'x' });
      await syncTwice(rig);
      expect(rig.sent.get(first.id)).toBe(1);
      // A later edit of the record no longer waits behind it.
      const second = await rig.write('PATCH', '/api/work-orders/1', { status: 'done' });
      await syncTwice(rig);

      expect(rig.sent.get(first.id)).toBe(1);
      expect(rig.sent.get(second.id)).toBe(1);
      expect((await rig.engine.listQueue()).total).toBe(0);
      expect(rig.server.collections.get('work-orders')?.get('1')).toMatchObject({
        title: 'x',
        status: 'done',
      });
      // The user's change is what the app still sees.
      const local = await rig.engine.ctx.records.get('work-orders', '1');
      expect(local?.data).toMatchObject({ title: 'x', status: 'done' });
      // The history (what the page client's history() and the panel list) says the answer could not be read.
      const entry = acknowledgedEntry(await rig.engine.getHistory(), first.id);
      expect(entry).toMatchObject({ event: 'acknowledged', status: 200, error: { code: 'bad_response' } });
      expect(entry?.kind === 'write' && entry.error?.message).toMatch(/could not be read/);
    });

    it(`a create answered 200 with an HTML page is acknowledged once; its record stays here (${how})`, async () => {
      const html = '<html><body>Saved!</body></html>';
      const rig = await rewiredRig((req, real) => {
        if (new URL(req.url).pathname === '/api/_batch')
          return real.json().then((b: { results: { key: string; status: number }[] }) =>
            Response.json({
              results: b.results.map((r) => ({ ...r, body: html })),
              idMap: {},
            }),
          );
        return plain(200, html, { 'content-type': 'text/html' });
      }, batch);
      const w = await rig.write('POST', '/api/work-orders', { title: 'Leak' });
      await syncTwice(rig);

      expect(rig.sent.get(w.id)).toBe(1);
      expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Leak']);
      expect((await rig.engine.listQueue()).total).toBe(0);
      // No id came back: the record kept its temporary id here, with the user's fields, until the pull replaced it.
      const local = await rig.engine.listRecords({ collection: 'work-orders' });
      expect(local.items.map((r) => r.data)).toEqual([expect.objectContaining({ title: 'Leak' })]);
      expect(acknowledgedEntry(await rig.engine.getHistory(), w.id)).toMatchObject({
        status: batch ? 201 : 200,
        error: { code: 'bad_response' },
      });
    });
  }

  it('a PATCH answered 204 is sent once and the local copy keeps the change', async () => {
    const rig = await rewiredRig(() => plain(204, ''), false);
    const wo = rig.server.seed('work-orders', { title: 'old' });
    await rig.engine.sync();
    const w = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'new' });
    await syncTwice(rig);
    expect(rig.sent.get(w.id)).toBe(1);
    expect((await rig.engine.ctx.records.get('work-orders', wo.id))?.data).toMatchObject({ title: 'new' });
  });

  it('a create answered 201 with only a Location header takes the id from it; later writes follow', async () => {
    const rig = await rewiredRig(async (req, real) => {
      if (req.method !== 'POST') return real;
      const created = (await real.json()) as { id: string };
      return plain(201, '', { location: `/api/work-orders/${created.id}` });
    }, false);
    const create = await rig.write('POST', '/api/work-orders', { title: 'Leak' });
    const edit = await rig.write('PATCH', `/api/work-orders/${create.recordId}`, { status: 'open' });
    await syncTwice(rig);

    expect(rig.sent.get(create.id)).toBe(1);
    expect(rig.sent.get(edit.id)).toBe(1);
    const [onServer] = rig.server.live('work-orders');
    expect(onServer).toMatchObject({ title: 'Leak', status: 'open' });
    expect((await rig.engine.listQueue()).total).toBe(0);
    const local = await rig.engine.ctx.records.get('work-orders', onServer?.id ?? '');
    expect(local?.data).toMatchObject({ id: onServer?.id, title: 'Leak', status: 'open' });
    expect(await rig.engine.ctx.records.get('work-orders', create.recordId)).toBeNull();
  });

  it('a 2xx to an edit that names another record (as a number) is still refused for good', async () => {
    const rig = await rewiredRig(() => Response.json({ id: 2, title: 'x' }), false);
    seedNumeric(rig.server, '1', { title: 'one' });
    seedNumeric(rig.server, '2', { title: 'two' });
    await rig.engine.sync();
    const w = await rig.write('PATCH', '/api/work-orders/1', { title: 'x' });
    await syncTwice(rig);
    expect(rig.sent.get(w.id)).toBe(1);
    expect((await rig.engine.listQueue()).items).toMatchObject([
      { id: w.id, state: 'failed', lastError: { code: 'bad_response' } },
    ]);
    expect(rig.server.collections.get('work-orders')?.get('2')).toMatchObject({ title: 'two' });
    expect(await rig.engine.ctx.records.get('work-orders', '2')).toBeNull();
  });

  it("with encryption at rest the warning is sealed like the history's other errors, and read back opened", async () => {
    const server = new FakeServer();
    server.batch = false;
    const fetch = async (req: Request): Promise<Response> => {
      const real = await server.fetch(req);
      return req.method === 'GET' ? real : plain(200, '<html>ok</html>', { 'content-type': 'text/html' });
    };
    const rig = await makeRig({ ...baseConfig, encryptAtRest: true }, { server, deps: { fetch } });
    const wo = server.seed('work-orders', { title: 'old' });
    await rig.engine.sync();
    const w = await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'new' });
    await rig.engine.sync();
    expect(acknowledgedEntry(await rig.engine.getHistory(), w.id)).toMatchObject({
      error: { code: 'bad_response', status: 200 },
    });
    expect(JSON.stringify(await rig.engine.db.getAll('history'))).not.toContain('could not be read');
  });

  it('property: a write answered 2xx, whatever the body, is sent exactly once', async () => {
    const body = fc.oneof(
      fc.jsonValue().map((v) => ({ text: JSON.stringify(v), type: 'application/json' })),
      fc.string().map((s) => ({ text: s, type: 'text/html' })),
      fc.constant({ text: '', type: 'application/json' }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 299 }),
        body,
        fc.constantFrom('POST', 'PATCH', 'DELETE'),
        fc.boolean(),
        async (status, answer, method, batch) => {
          const rig = await rewiredRig(async (req, real) => {
            if (new URL(req.url).pathname === '/api/_batch') {
              const b = (await real.json()) as { results: { key: string }[] };
              let parsed: unknown = answer.text;
              try {
                parsed = JSON.parse(answer.text);
              } catch {
                // The body as a string, as a batch result can only carry JSON.
              }
              return Response.json({
                results: b.results.map((r) => ({ key: r.key, status, body: parsed })),
                idMap: {},
              });
            }
            return plain(status, answer.text, { 'content-type': answer.type });
          }, batch);
          const wo = rig.server.seed('work-orders', { title: 'old' });
          await rig.engine.sync();
          const w =
            method === 'POST'
              ? await rig.write('POST', '/api/work-orders', { title: 'new' })
              : await rig.write(
                  method,
                  `/api/work-orders/${wo.id}`,
                  method === 'PATCH' ? { title: 'new' } : undefined,
                );
          await syncTwice(rig);
          expect(rig.sent.get(w.id)).toBe(1);
          await rig.engine.close();
        },
      ),
      { numRuns: Number(process.env.OFFLINE_KIT_PROPERTY_RUNS ?? 60) },
    );
  }, 120_000);
});
