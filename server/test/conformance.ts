import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PreparedAnswer, SyncStore } from '../src/index.js';
import { seed, serve, type TestServer } from './app.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A client the way the service-worker module talks: `Bearer <user>`, a fresh Idempotency-Key per write. */
export class Client {
  constructor(readonly url: string) {}

  async request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; json?: unknown; raw?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    const parsed: unknown =
      (response.headers.get('content-type') ?? '').includes('json') && text !== '' ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed };
  }

  as(
    user: string,
    method: string,
    path: string,
    options: { headers?: Record<string, string>; json?: unknown; raw?: string } = {},
  ): Promise<Answer> {
    return this.request(method, path, {
      ...options,
      headers: { authorization: `Bearer ${user}`, ...options.headers },
    });
  }

  write(
    user: string,
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return this.as(user, method, path, { json, headers: { 'idempotency-key': randomUUID(), ...headers } });
  }
}

export function bodyOf(answer: Answer): Record<string, unknown> {
  if (typeof answer.body !== 'object' || answer.body === null || Array.isArray(answer.body)) {
    throw new Error(`expected a JSON object, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as Record<string, unknown>;
}

const anyString: unknown = expect.any(String);

async function expectError(
  pending: Promise<Answer>,
  status: number,
  error: string,
): Promise<Record<string, unknown>> {
  const answer = await pending;
  expect([answer.status, bodyOf(answer).error]).toEqual([status, error]);
  expect(answer.headers.get('content-type')).toContain('application/json');
  expect(typeof bodyOf(answer).message).toBe('string');
  return bodyOf(answer);
}

export interface AdapterUnderTest {
  /** A fresh, empty store. */
  open(): Promise<SyncStore>;
  /** Called once after the suite. */
  finish?(): Promise<void>;
}

/**
 * PROTOCOL.md §1-§7 at the HTTP level, written once and run per storage adapter: server-mock's protocol, batch and
 * bad-input tests, on the demo's collections declared for the library (test/app.ts). Each test gets a fresh store.
 */
export function conformanceSuite(name: string, adapter: AdapterUnderTest): void {
  describe(`conformance on ${name}`, () => {
    let server: TestServer;
    let store: SyncStore;
    let client: Client;
    const record = async (collection: string, id: string): Promise<Record<string, unknown> | undefined> =>
      (await server.sync.changes.all(collection)).find((r) => r.id === id);
    const records = (collection: string): Promise<Record<string, unknown>[]> =>
      server.sync.changes.all(collection);

    beforeEach(async () => {
      store = await adapter.open();
      server = await serve(store);
      await seed(server.sync);
      client = new Client(server.url);
    });
    afterEach(async () => {
      await server.close();
      await store.close();
    });
    afterAll(async () => {
      await adapter.finish?.();
    });

    it('announces protocol 1 and its collections, answers 401 without credentials, passes other routes on', async () => {
      const answer = await client.request('GET', '/api/_sync');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('offline-kit-protocol')).toBe('1');
      expect(answer.body).toMatchObject({
        protocol: 'offline-kit-sync',
        version: 1,
        batch: { path: '/api/_batch', maxWrites: 100, maxBytes: 1048576 },
        maxBodyBytes: 10485760,
        collections: {
          'work-orders': { writable: true, conflicts: 'if-match' },
          notes: { writable: true, parent: { field: 'workOrderId', collection: 'work-orders' } },
          photos: {
            writable: true,
            binary: true,
            parent: { field: 'workOrderId', collection: 'work-orders' },
          },
          parts: { writable: false },
        },
      });
      const anonymous = await client.request('GET', '/api/work-orders');
      expect([anonymous.status, anonymous.headers.get('www-authenticate'), bodyOf(anonymous).error]).toEqual([
        401,
        'Bearer',
        'unauthorized',
      ]);
      expect((await client.request('GET', '/health')).body).toBe('app route');
    });

    it('serves a record with its ETag, 404 not_found, and 404 deleted with the tombstone', async () => {
      const one = await client.as('alice', 'GET', '/api/work-orders/wo_1');
      expect([one.status, one.headers.get('etag')]).toEqual([200, '"1"']);
      expect(one.body).toMatchObject({ id: 'wo_1', version: 1, updatedAt: anyString, title: 'Job 1' });
      const missing = await client.as('alice', 'GET', '/api/work-orders/wo_999');
      expect([missing.status, bodyOf(missing).error]).toEqual([404, 'not_found']);
      await server.sync.changes.remove('work-orders', 'wo_1');
      const gone = await client.as('alice', 'GET', '/api/work-orders/wo_1');
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({
        error: 'deleted',
        details: { id: 'wo_1', version: 2, deleted: true },
      });
    });

    it('shows each user only the records they may read, children through their parent', async () => {
      const ids = async (user: string, path: string): Promise<string[]> =>
        (bodyOf(await client.as(user, 'GET', path)).records as { id: string }[]).map((r) => r.id);
      expect(await ids('alice', '/api/work-orders')).toEqual(['wo_1', 'wo_2', 'wo_3', 'wo_4']);
      expect(await ids('bob', '/api/work-orders')).toEqual(['wo_1', 'wo_2', 'wo_4', 'wo_5']);
      expect(await ids('carol', '/api/work-orders')).toEqual([]);
      expect(await ids('bob', '/api/notes')).toEqual(['nt_1', 'nt_2']);
      expect(await ids('alice', '/api/notes?workOrderId=wo_3')).toEqual(['nt_3']);
      expect((await client.as('bob', 'GET', '/api/work-orders/wo_3')).status).toBe(403);
      expect((await ids('carol', '/api/parts')).length).toBe(50);
    });

    it('creates with 201, Location and ETag, with server defaults and server-owned fields', async () => {
      const created = await client.write('carol', 'POST', '/api/work-orders', {
        title: 'New job',
        priority: 'high',
      });
      expect(created.status).toBe(201);
      const body = bodyOf(created);
      expect(body).toMatchObject({
        version: 1,
        title: 'New job',
        priority: 'high',
        status: 'open',
        assignees: ['carol'],
      });
      expect(created.headers.get('location')).toBe(`/api/work-orders/${String(body.id)}`);
      expect(created.headers.get('etag')).toBe('"1"');
      const note = await client.write('bob', 'POST', '/api/notes', {
        workOrderId: 'wo_1',
        text: 'On my way',
        author: 'mallory',
      });
      expect(note.status).toBe(201);
      expect(note.body).toMatchObject({
        workOrderId: 'wo_1',
        text: 'On my way',
        author: 'bob',
        createdAt: anyString,
      });
      const orphan = await client.write('bob', 'POST', '/api/notes', { workOrderId: 'wo_999', text: 'x' });
      expect(orphan.status).toBe(400);
      expect(orphan.body).toMatchObject({ error: 'invalid_body', details: { field: 'workOrderId' } });
    });

    it('PUT replaces, PATCH merges (null removes), every change adds exactly 1 to the version', async () => {
      const put = await client.write(
        'alice',
        'PUT',
        '/api/work-orders/wo_3',
        { title: 'Replaced', dueDate: '2027-01-02', assignees: ['alice'] },
        { 'if-match': '"1"' },
      );
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        version: 2,
        title: 'Replaced',
        description: '',
        status: 'open',
        dueDate: '2027-01-02',
      });
      const patch = await client.write(
        'alice',
        'PATCH',
        '/api/work-orders/wo_3',
        { status: 'done', dueDate: null },
        { 'if-match': '2' },
      );
      expect(patch.status).toBe(200);
      expect(patch.body).toMatchObject({ version: 3, title: 'Replaced', status: 'done', dueDate: null });
      expect(patch.headers.get('etag')).toBe('"3"');
      expect(await record('work-orders', 'wo_3')).toMatchObject({ version: 3, status: 'done' });
      const note = await client.write('alice', 'PUT', '/api/notes/nt_3', { text: 'rewritten' });
      expect(note.body).toMatchObject({
        workOrderId: 'wo_3',
        text: 'rewritten',
        author: 'system',
        version: 2,
      });
    });

    it('409 with the server copy when If-Match is stale, and nothing is written', async () => {
      expect(
        (
          await client.write(
            'alice',
            'PATCH',
            '/api/work-orders/wo_1',
            { status: 'in-progress' },
            { 'if-match': '"1"' },
          )
        ).status,
      ).toBe(200);
      const bob = await client.write(
        'bob',
        'PATCH',
        '/api/work-orders/wo_1',
        { status: 'cancelled' },
        { 'if-match': '"1"' },
      );
      expect(bob.status).toBe(409);
      expect(bob.body).toMatchObject({
        error: 'conflict',
        current: { id: 'wo_1', version: 2, status: 'in-progress' },
      });
      expect(await record('work-orders', 'wo_1')).toMatchObject({ version: 2, status: 'in-progress' });
      const resolved = await client.write(
        'bob',
        'PATCH',
        '/api/work-orders/wo_1',
        { status: 'cancelled' },
        { 'if-match': '"2"' },
      );
      expect(resolved.status).toBe(200);
      expect(await record('work-orders', 'wo_1')).toMatchObject({ version: 3, status: 'cancelled' });
    });

    it('409 with current null and the tombstone when the record was deleted meanwhile', async () => {
      await server.sync.changes.remove('work-orders', 'wo_2');
      const late = await client.write(
        'alice',
        'PUT',
        '/api/work-orders/wo_2',
        { title: 'Too late' },
        { 'if-match': '"1"' },
      );
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({
        error: 'conflict',
        current: null,
        deleted: true,
        tombstone: { id: 'wo_2', version: 2 },
      });
    });

    it('without If-Match the last write wins; deleting twice answers the same tombstone; children go too', async () => {
      await server.sync.changes.update('work-orders', 'wo_1', { priority: 'low' });
      const lww = await client.write('bob', 'PATCH', '/api/work-orders/wo_1', { priority: 'high' });
      expect(lww.body).toMatchObject({ version: 3, priority: 'high' });
      const first = await client.write('bob', 'DELETE', '/api/work-orders/wo_1');
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ id: 'wo_1', version: 4, updatedAt: anyString, deleted: true });
      const second = await client.write('bob', 'DELETE', '/api/work-orders/wo_1');
      expect([second.status, second.body]).toEqual([200, first.body]);
      expect(await record('notes', 'nt_1')).toMatchObject({ deleted: true });
      const put = await client.write('bob', 'PUT', '/api/work-orders/wo_404', { title: 'x' });
      expect([put.status, bodyOf(put).error]).toEqual([404, 'not_found']);
    });

    it("rejects writes to another user's records with 403 and leaves them untouched", async () => {
      const patch = await client.write('bob', 'PATCH', '/api/work-orders/wo_3', { title: 'Hijacked' });
      expect([patch.status, bodyOf(patch).error]).toEqual([403, 'forbidden']);
      expect((await client.write('carol', 'DELETE', '/api/work-orders/wo_1')).status).toBe(403);
      expect(
        (await client.write('bob', 'POST', '/api/notes', { workOrderId: 'wo_3', text: 'sneaky' })).status,
      ).toBe(403);
      expect((await client.write('bob', 'PATCH', '/api/notes/nt_3', { text: 'sneaky' })).status).toBe(403);
      expect(await record('work-orders', 'wo_3')).toMatchObject({ version: 1, deleted: false });
      expect((await records('notes')).some((note) => note.text === 'sneaky')).toBe(false);
    });

    it('a repeated key creates one record and answers the first answer again; a reused key is 422; keys are per user', async () => {
      const key = randomUUID();
      const first = await client.write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Once' },
        { 'idempotency-key': key },
      );
      const again = await client.write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Once' },
        { 'idempotency-key': key },
      );
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replay')).toBe('true');
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect((await records('work-orders')).filter((r) => r.title === 'Once')).toHaveLength(1);
      const reused = await client.write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Twice' },
        { 'idempotency-key': key },
      );
      expect([reused.status, bodyOf(reused).error]).toEqual([422, 'idempotency_key_reused']);
      const bob = await client.write(
        'bob',
        'POST',
        '/api/work-orders',
        { title: 'Twice' },
        { 'idempotency-key': key },
      );
      expect([bob.status, bob.headers.get('idempotent-replay')]).toEqual([201, null]);
    });

    it('a repeated PATCH does not bump the version twice; a repeated conflict stays a conflict', async () => {
      const key = randomUUID();
      const headers = { 'idempotency-key': key, 'if-match': '"1"' };
      await client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers);
      expect(
        (await client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers)).status,
      ).toBe(200);
      expect(await record('work-orders', 'wo_1')).toMatchObject({ version: 2 });
      const stale = { 'idempotency-key': randomUUID(), 'if-match': '"1"' };
      const conflict = await client.write(
        'alice',
        'PATCH',
        '/api/work-orders/wo_1',
        { status: 'open' },
        stale,
      );
      const repeat = await client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'open' }, stale);
      expect([conflict.status, repeat.status]).toEqual([409, 409]);
      expect(await record('work-orders', 'wo_1')).toMatchObject({ version: 2, status: 'done' });
    });

    it('remembers temporary ids per user and rewrites them in later paths and fields', async () => {
      const created = await client.write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Offline job' },
        { 'offline-kit-temp-id': 'tmp_wo1' },
      );
      const id = String(bodyOf(created).id);
      const note = await client.write(
        'alice',
        'POST',
        '/api/notes',
        { workOrderId: 'tmp_wo1', text: 'made offline' },
        { 'offline-kit-temp-id': 'tmp_nt1' },
      );
      expect([note.status, bodyOf(note).workOrderId]).toEqual([201, id]);
      const patchKey = randomUUID();
      const patch = await client.write(
        'alice',
        'PATCH',
        '/api/work-orders/tmp_wo1',
        { status: 'done' },
        { 'idempotency-key': patchKey },
      );
      expect(patch.body).toMatchObject({ id, status: 'done', version: 2 });
      const rewritten = await client.write(
        'alice',
        'PATCH',
        `/api/work-orders/${id}`,
        { status: 'done' },
        { 'idempotency-key': patchKey },
      );
      expect([rewritten.status, rewritten.headers.get('idempotent-replay')]).toEqual([200, 'true']);
      expect(
        (await client.write('bob', 'PATCH', '/api/work-orders/tmp_wo1', { status: 'open' })).status,
      ).toBe(404);
      const dup = await client.write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Offline job' },
        { 'offline-kit-temp-id': 'tmp_wo1' },
      );
      expect([dup.status, bodyOf(dup).error]).toEqual([400, 'invalid_temp_id']);
      expect((await records('work-orders')).filter((r) => r.title === 'Offline job')).toHaveLength(1);
    });

    it('pages, then reports only changes and tombstones since the cursor, ending with exactly the server set', async () => {
      type Page = {
        records: { id: string; version: number }[];
        deleted: { id: string }[];
        cursor: string;
        hasMore: boolean;
      };
      const local = new Map<string, number>();
      const pull = async (since?: string): Promise<string> => {
        let cursor = since;
        for (let pages = 0; pages < 100; pages += 1) {
          const answer = await client.as(
            'carol',
            'GET',
            `/api/parts?limit=7${cursor === undefined ? '' : `&since=${cursor}`}`,
          );
          expect(answer.status).toBe(200);
          const page = answer.body as Page;
          for (const r of page.records) local.set(r.id, r.version);
          for (const d of page.deleted) local.delete(d.id);
          cursor = page.cursor;
          if (!page.hasMore) return cursor;
        }
        throw new Error('no end of pages');
      };
      const first = bodyOf(await client.as('carol', 'GET', '/api/parts?limit=10')) as unknown as Page;
      for (const r of first.records) local.set(r.id, r.version);
      // Changes on both sides of the cursor while the client pages.
      await server.sync.changes.update('parts', 'pt_1', { stock: 100 });
      await server.sync.changes.update('parts', 'pt_40', { stock: 200 });
      await server.sync.changes.remove('parts', 'pt_2');
      await server.sync.changes.remove('parts', 'pt_45');
      const cursor = await pull(first.cursor);
      const live = (await records('parts')).filter((r) => r.deleted === false);
      expect([...local.keys()].sort()).toEqual(live.map((r) => String(r.id)).sort());
      expect(local.get('pt_1')).toBe(2);
      const quiet = bodyOf(await client.as('carol', 'GET', `/api/parts?since=${cursor}`));
      expect(quiet).toMatchObject({ records: [], deleted: [], hasMore: false });
      await server.sync.changes.update('parts', 'pt_3', { stock: 1 });
      await server.sync.changes.remove('parts', 'pt_4');
      const delta = bodyOf(await client.as('carol', 'GET', `/api/parts?since=${cursor}`)) as unknown as Page;
      expect(delta.records.map((r) => r.id)).toEqual(['pt_3']);
      expect(delta.deleted.map((d) => d.id)).toEqual(['pt_4']);
    });

    it('reports a work order and its notes as deleted to a user who was unassigned, and new to one assigned', async () => {
      const notesBefore = bodyOf(await client.as('bob', 'GET', '/api/notes'));
      const woCursor = String(bodyOf(await client.as('bob', 'GET', '/api/work-orders')).cursor);
      await server.sync.changes.update('work-orders', 'wo_1', { assignees: ['alice'] });
      const wo = bodyOf(await client.as('bob', 'GET', `/api/work-orders?since=${woCursor}`));
      expect(wo.deleted).toEqual([expect.objectContaining({ id: 'wo_1' })]);
      const notes = bodyOf(await client.as('bob', 'GET', `/api/notes?since=${String(notesBefore.cursor)}`));
      expect((notes.deleted as { id: string }[]).map((n) => n.id).sort()).toEqual(['nt_1', 'nt_2']);
      const carolCursor = String(bodyOf(await client.as('carol', 'GET', '/api/notes')).cursor);
      await server.sync.changes.update('work-orders', 'wo_1', { assignees: ['alice', 'carol'] });
      const carol = bodyOf(await client.as('carol', 'GET', `/api/notes?since=${carolCursor}`));
      expect((carol.records as { id: string }[]).map((n) => n.id).sort()).toEqual(['nt_1', 'nt_2']);
    });

    it('batch: in order, temp ids rewritten, idMap; the same batch again is answered from the stored answers', async () => {
      const writes = [
        {
          key: randomUUID(),
          method: 'POST',
          path: '/api/work-orders',
          tempId: 'tmp_a1',
          body: { title: 'Leak' },
        },
        {
          key: randomUUID(),
          method: 'POST',
          path: '/api/notes',
          tempId: 'tmp_b2',
          body: { workOrderId: 'tmp_a1', text: 'Valve' },
        },
        {
          key: randomUUID(),
          method: 'PATCH',
          path: '/api/work-orders/tmp_a1',
          ifMatch: 1,
          body: { status: 'done' },
        },
      ];
      const answer = bodyOf(await client.as('alice', 'POST', '/api/_batch', { json: { writes } }));
      const results = answer.results as { key: string; status: number; body: Record<string, unknown> }[];
      expect(results.map((r) => r.status)).toEqual([201, 201, 200]);
      const woId = String(results[0]?.body.id);
      expect(answer.idMap).toEqual({ tmp_a1: woId, tmp_b2: String(results[1]?.body.id) });
      expect(results[1]?.body).toMatchObject({ workOrderId: woId });
      expect(await record('work-orders', woId)).toMatchObject({ title: 'Leak', status: 'done', version: 2 });
      const again = bodyOf(await client.as('alice', 'POST', '/api/_batch', { json: { writes } }));
      expect(again).toEqual(answer);
      expect((await records('work-orders')).filter((r) => r.title === 'Leak')).toHaveLength(1);
      expect((await records('notes')).filter((r) => r.text === 'Valve')).toHaveLength(1);
    });

    it('batch: stops at the first write that does not succeed; not attempted writes apply when sent again', async () => {
      await server.sync.changes.update('work-orders', 'wo_1', { priority: 'low' });
      const later = randomUUID();
      const answer = bodyOf(
        await client.as('alice', 'POST', '/api/_batch', {
          json: {
            writes: [
              {
                key: randomUUID(),
                method: 'PATCH',
                path: '/api/work-orders/wo_2',
                ifMatch: 1,
                body: { status: 'done' },
              },
              {
                key: randomUUID(),
                method: 'PATCH',
                path: '/api/work-orders/wo_1',
                ifMatch: 1,
                body: { status: 'done' },
              },
              {
                key: later,
                method: 'PATCH',
                path: '/api/work-orders/wo_3',
                ifMatch: 1,
                body: { status: 'done' },
              },
            ],
          },
        }),
      );
      const results = answer.results as { status: number; body: Record<string, unknown> }[];
      expect(results.map((r) => r.status)).toEqual([200, 409, 424]);
      expect(results[1]?.body).toMatchObject({
        error: 'conflict',
        current: { id: 'wo_1', version: 2, priority: 'low' },
      });
      expect(await record('work-orders', 'wo_3')).toMatchObject({ status: 'in-progress', version: 1 });
      const retry = bodyOf(
        await client.as('alice', 'POST', '/api/_batch', {
          json: {
            writes: [
              {
                key: later,
                method: 'PATCH',
                path: '/api/work-orders/wo_3',
                ifMatch: 1,
                body: { status: 'done' },
              },
            ],
          },
        }),
      );
      expect((retry.results as { status: number }[]).map((r) => r.status)).toEqual([200]);
    });

    it('batch: a malformed batch is 400 invalid_batch and applies nothing; 401 without credentials; 413 over maxBytes', async () => {
      const good = {
        key: randomUUID(),
        method: 'POST',
        path: '/api/work-orders',
        body: { title: 'Should not exist' },
      };
      for (const body of [
        { writes: [good, { method: 'POST', path: '/api/work-orders', body: {} }] },
        { writes: [good, { key: 'k', method: 'GET', path: '/api/work-orders' }] },
        { writes: [good, { key: 'k', method: 'POST' }] },
        { nope: [] },
        { writes: Array.from({ length: 101 }, () => ({ ...good, key: randomUUID() })) },
      ]) {
        const answer = await client.as('alice', 'POST', '/api/_batch', { json: body });
        expect([answer.status, bodyOf(answer).error]).toEqual([400, 'invalid_batch']);
      }
      const notJson = await client.as('alice', 'POST', '/api/_batch', {
        raw: '{"writes": [',
        headers: { 'content-type': 'application/json' },
      });
      expect([notJson.status, bodyOf(notJson).error]).toEqual([400, 'invalid_batch']);
      expect((await records('work-orders')).some((r) => r.title === 'Should not exist')).toBe(false);
      expect((await client.request('POST', '/api/_batch', { json: { writes: [] } })).status).toBe(401);
      const big = {
        key: '',
        method: 'POST',
        path: '/api/notes',
        body: { workOrderId: 'wo_1', text: 'x'.repeat(11_000) },
      };
      const tooBig = await client.as('alice', 'POST', '/api/_batch', {
        json: { writes: Array.from({ length: 100 }, () => ({ ...big, key: randomUUID() })) },
      });
      expect([tooBig.status, bodyOf(tooBig).error]).toEqual([413, 'body_too_large']);
    });

    it('bad input answers a 4xx JSON error naming the field, changes nothing, and the server keeps serving', async () => {
      const headers = {
        authorization: 'Bearer alice',
        'idempotency-key': randomUUID(),
        'content-type': 'application/json',
      };
      await expectError(
        client.request('POST', '/api/work-orders', { raw: '{"title": "x",', headers }),
        400,
        'invalid_json',
      );
      const cases: [unknown, string][] = [
        [{ title: 5 }, 'title'],
        [{}, 'title'],
        [{ title: '' }, 'title'],
        [{ title: 'x'.repeat(201) }, 'title'],
        [{ title: 'ok', status: 'finished' }, 'status'],
        [{ title: 'ok', assignees: 'alice' }, 'assignees'],
        [{ title: 'ok', assignees: ['mallory'] }, 'assignees'],
        [{ title: 'ok', dueDate: 'tomorrow' }, 'dueDate'],
        [{ title: 'ok', colour: 'red' }, 'colour'],
        [['not', 'an', 'object'], '(body)'],
      ];
      for (const [json, field] of cases) {
        const body = await expectError(
          client.write('alice', 'POST', '/api/work-orders', json),
          400,
          'invalid_body',
        );
        expect(body.details).toMatchObject({ field });
      }
      await expectError(client.as('alice', 'GET', '/api/invoices'), 404, 'unknown_collection');
      await expectError(
        client.write('alice', 'POST', '/api/invoices', { total: 1 }),
        404,
        'unknown_collection',
      );
      await expectError(client.write('alice', 'POST', '/api/parts', { name: 'x' }), 405, 'read_only');
      await expectError(client.write('alice', 'PATCH', '/api/parts/pt_1', { stock: 1 }), 405, 'read_only');
      await expectError(
        client.as('alice', 'POST', '/api/work-orders', { json: { title: 'No key' } }),
        400,
        'missing_idempotency_key',
      );
      await expectError(
        client.request('POST', '/api/work-orders', {
          raw: 'title: x',
          headers: { ...headers, 'content-type': 'text/yaml' },
        }),
        415,
        'unsupported_media_type',
      );
      await expectError(client.as('alice', 'GET', '/api/parts?since=c_x'), 400, 'invalid_cursor');
      await expectError(client.as('alice', 'GET', '/api/parts?since=yesterday'), 400, 'invalid_cursor');
      await expectError(client.as('alice', 'GET', '/api/parts?limit=-4'), 400, 'invalid_query');
      await expectError(
        client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, { 'if-match': 'banana' }),
        400,
        'invalid_body',
      );
      await expectError(
        client.request('POST', '/api/notes', {
          raw: JSON.stringify({ workOrderId: 'wo_1', text: 'x'.repeat(10 * 1024 * 1024) }),
          headers,
        }),
        413,
        'body_too_large',
      );
      expect((await records('work-orders')).filter((r) => r.deleted === false)).toHaveLength(5);
      expect((await client.request('GET', '/api/_sync')).status).toBe(200);
    });
    it('takes form-encoded and multipart creates where a collection allows them, and refuses file parts', async () => {
      const auth = { authorization: 'Bearer alice' };
      const form = await fetch(`${server.url}/api/work-orders`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': randomUUID() },
        body: new URLSearchParams([
          ['title', 'From a form'],
          ['assignees', 'alice'],
          ['assignees', 'bob'],
        ]),
      });
      expect(form.status).toBe(201);
      const created = (await form.json()) as Record<string, unknown>;
      expect(created).toMatchObject({ title: 'From a form', assignees: ['alice', 'bob'], status: 'open' });
      const multipart = new FormData();
      multipart.append('workOrderId', String(created.id));
      multipart.append('text', 'typed in a form');
      const note = await fetch(`${server.url}/api/notes`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': randomUUID() },
        body: multipart,
      });
      expect([note.status, await note.json()]).toEqual([
        201,
        expect.objectContaining({ workOrderId: created.id, text: 'typed in a form', author: 'alice' }),
      ]);
      const withFile = new FormData();
      withFile.append('workOrderId', 'wo_1');
      withFile.append('text', new Blob(['bytes']), 'a.txt');
      const refused = await fetch(`${server.url}/api/notes`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': randomUUID() },
        body: withFile,
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_body', details: { field: 'text' } });
      // photos takes no forms: the answer says what it does take.
      const parts = await fetch(`${server.url}/api/photos?workOrderId=wo_1`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': randomUUID() },
        body: new URLSearchParams({ name: 'x' }),
      });
      expect(parts.status).toBe(415);
      expect((await records('notes')).map((n) => n.text)).toEqual([
        'first',
        'second',
        'alice only',
        'typed in a form',
      ]);
    });

    it('a binary collection stores the upload beside its record, serves it back, and deletes it with the record', async () => {
      const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
      const upload = (
        user: string,
        query: string,
        type = 'image/png',
        key = randomUUID(),
      ): Promise<Response> =>
        fetch(`${server.url}/api/photos${query}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user}`, 'idempotency-key': key, 'content-type': type },
          body: bytes,
        });
      const key = randomUUID();
      const first = await upload('alice', '?workOrderId=wo_1', 'image/png', key);
      const photo = (await first.json()) as Record<string, unknown>;
      expect([first.status, photo]).toEqual([
        201,
        expect.objectContaining({
          id: 'ph_1',
          workOrderId: 'wo_1',
          contentType: 'image/png',
          size: bytes.length,
        }),
      ]);
      // The same upload again is a replay, not a second photo.
      const again = await upload('alice', '?workOrderId=wo_1', 'image/png', key);
      expect([again.status, again.headers.get('idempotent-replay')]).toEqual([201, 'true']);
      const content = await fetch(`${server.url}/api/photos/ph_1/content`, {
        headers: { authorization: 'Bearer bob' },
      });
      expect([content.status, content.headers.get('content-type')]).toEqual([200, 'image/png']);
      expect(Buffer.from(await content.arrayBuffer())).toEqual(bytes);
      const notReader = await fetch(`${server.url}/api/photos/ph_1/content`, {
        headers: { authorization: 'Bearer carol' },
      });
      expect(notReader.status).toBe(403);
      expect((await upload('carol', '?workOrderId=wo_1')).status).toBe(403);
      expect((await upload('alice', '')).status).toBe(400);
      expect((await upload('alice', '?workOrderId=wo_1', 'text/plain')).status).toBe(415);
      await expectError(
        client.write('alice', 'POST', '/api/photos', { workOrderId: 'wo_1' }),
        415,
        'unsupported_media_type',
      );
      await expectError(client.write('alice', 'PATCH', '/api/photos/ph_1', { size: 1 }), 405, 'read_only');
      expect((await client.write('alice', 'DELETE', '/api/work-orders/wo_1')).status).toBe(200);
      const gone = await fetch(`${server.url}/api/photos/ph_1/content`, {
        headers: { authorization: 'Bearer alice' },
      });
      expect(gone.status).toBe(404);
      expect(await store.read((reader) => reader.getBlob('photos', 'ph_1'))).toBeUndefined();
      expect((await records('photos')).map((p) => [p.id, p.deleted])).toEqual([['ph_1', true]]);
    });

    it('a PUT that leaves out a kept field keeps it', async () => {
      const put = await client.write('alice', 'PUT', '/api/work-orders/wo_1', { title: 'Renamed' });
      expect(put.status).toBe(200);
      expect(bodyOf(put)).toMatchObject({ title: 'Renamed', assignees: ['alice', 'bob'] });
    });

    it("the server creates records under fixed ids (a tombstone's restores it), and later ids never take their numbers", async () => {
      await server.sync.changes.create(
        'work-orders',
        { title: 'Seeded', assignees: ['bob'] },
        { id: 'wo_40' },
      );
      await server.sync.changes.create(
        'notes',
        { workOrderId: 'wo_40', text: 'by bob' },
        { id: 'nt_9', as: 'bob' },
      );
      expect(await record('notes', 'nt_9')).toMatchObject({ author: 'bob', workOrderId: 'wo_40' });
      const next = await client.write('alice', 'POST', '/api/work-orders', { title: 'Next' });
      expect(bodyOf(next).id).toBe('wo_41');
      await expect(
        server.sync.changes.create('work-orders', { title: 'Twice', assignees: ['bob'] }, { id: 'wo_40' }),
      ).rejects.toMatchObject({ status: 409 });
      expect((await client.as('bob', 'GET', '/api/work-orders/wo_40')).status).toBe(200);
      const pull = await client.as('bob', 'GET', '/api/parts');
      await server.sync.changes.remove('parts', 'pt_2');
      await server.sync.changes.create('parts', { name: 'Part 2 again', stock: 0 }, { id: 'pt_2' });
      const since = await client.as('bob', 'GET', `/api/parts?since=${String(bodyOf(pull).cursor)}`);
      expect(bodyOf(since)).toMatchObject({
        records: [{ id: 'pt_2', version: 3, name: 'Part 2 again' }],
        deleted: [],
      });
    });

    it("the server's changes in one transaction commit together or not at all", async () => {
      await expect(
        server.sync.changes.transaction(async (changes) => {
          await changes.create('parts', { name: 'Imported' });
          await changes.update('work-orders', 'wo_2', { status: 'done' });
          await changes.create('notes', { workOrderId: 'wo_404', text: 'an orphan' });
        }),
      ).rejects.toMatchObject({ status: 400 });
      expect((await records('parts')).some((p) => p.name === 'Imported')).toBe(false);
      expect(await record('work-orders', 'wo_2')).toMatchObject({ status: 'open', version: 1 });
      const made = await server.sync.changes.transaction(async (changes) => [
        await changes.create('parts', { name: 'Imported' }, { id: 'pt_500' }),
        await changes.remove('work-orders', 'wo_2'),
      ]);
      expect(made.map((r) => r.id)).toEqual(['pt_500', 'wo_2']);
      expect(await record('work-orders', 'wo_2')).toMatchObject({ deleted: true });
    });

    it('prepare() tells whose request it answered, its key and whether it was a replay', async () => {
      const seen: PreparedAnswer[] = [];
      const front = createServer((req, res) => {
        void server.sync.prepare(req, res, new URL(req.url ?? '/', 'http://front.invalid')).then((answer) => {
          if (answer === null) return void res.writeHead(404).end();
          seen.push(answer);
          server.sync.send(req, res, answer);
        });
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      try {
        const viaFront = new Client(`http://127.0.0.1:${(front.address() as AddressInfo).port}`);
        const headers = { 'idempotency-key': randomUUID() };
        await viaFront.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers);
        await viaFront.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers);
        await viaFront.as('bob', 'GET', '/api/work-orders');
        expect(seen.map((a) => [a.status, a.user, a.key, a.replay])).toEqual([
          [200, 'alice', headers['idempotency-key'], false],
          [200, 'alice', headers['idempotency-key'], true],
          [200, 'bob', null, false],
        ]);
      } finally {
        await new Promise<void>((resolve) => front.close(() => resolve()));
      }
    });

    it('tells onWrite of every decided write, its own request or in a batch, replays flagged', async () => {
      const key = randomUUID();
      const headers = { 'idempotency-key': key };
      await client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers);
      await client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, headers);
      await client.as('bob', 'POST', '/api/_batch', {
        json: {
          writes: [
            { key: 'b1', method: 'POST', path: '/api/notes?x=1', body: { workOrderId: 'wo_1', text: 'hi' } },
            { key: 'b2', method: 'PATCH', path: '/api/work-orders/wo_3', body: { status: 'done' } },
            { key: 'b3', method: 'PATCH', path: '/api/work-orders/wo_1', body: { status: 'open' } },
          ],
        },
      });
      expect(server.writes.map((w) => [w.user, w.method, w.path, w.status, w.replay, w.via])).toEqual([
        ['alice', 'PATCH', '/api/work-orders/wo_1', 200, false, 'request'],
        ['alice', 'PATCH', '/api/work-orders/wo_1', 200, true, 'request'],
        ['bob', 'POST', '/api/notes?x=1', 201, false, 'batch'],
        ['bob', 'PATCH', '/api/work-orders/wo_3', 403, false, 'batch'],
      ]);
    });

    it('after store.clear() a cursor issued before answers 410 cursor_expired, and ids keep counting', async () => {
      const pull = await client.as('alice', 'GET', '/api/work-orders');
      const cursor = String(bodyOf(pull).cursor);
      expect((await client.as('alice', 'GET', `/api/work-orders?since=${cursor}`)).status).toBe(200);
      await store.clear();
      await expectError(client.as('alice', 'GET', `/api/work-orders?since=${cursor}`), 410, 'cursor_expired');
      expect(await records('work-orders')).toEqual([]);
      const created = await client.write('alice', 'POST', '/api/work-orders', { title: 'After' });
      expect(bodyOf(created).id).toBe('wo_6');
      const fresh = await client.as('alice', 'GET', '/api/work-orders');
      expect(bodyOf(fresh).records).toEqual([expect.objectContaining({ id: 'wo_6' })]);
      const since = String(bodyOf(fresh).cursor);
      expect(bodyOf(await client.as('alice', 'GET', `/api/work-orders?since=${since}`))).toMatchObject({
        records: [],
        deleted: [],
      });
    });
  });
}
