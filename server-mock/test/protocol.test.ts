import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anyString, bodyOf, startClient, type Client } from './helpers.js';

// PROTOCOL.md §1-§5 at the HTTP level, against a fresh in-memory server (reset before each test).
let client: Client;
beforeAll(async () => {
  client = await startClient();
});
afterAll(async () => {
  await client.server.close();
});
beforeEach(async () => {
  expect((await client.control('POST', '/reset')).status).toBe(200);
});

describe('discovery and authentication', () => {
  it('announces protocol 1, the batch endpoint and the collections', async () => {
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
        parts: { writable: false },
      },
    });
  });

  it('answers 401 with WWW-Authenticate without a valid token, and signs in with the demo password', async () => {
    const anonymous = await client.request('GET', '/api/work-orders');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(bodyOf(anonymous).error).toBe('unauthorized');
    expect(
      (await client.request('GET', '/api/work-orders', { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    const wrong = await client.request('POST', '/api/auth/login', {
      json: { username: 'alice', password: 'x' },
    });
    expect(wrong.status).toBe(401);
    const login = await client.request('POST', '/api/auth/login', {
      json: { username: 'bob', password: 'demo' },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({
      user: { id: 'bob' },
      token: anyString,
      expiresAt: anyString,
    });
  });

  it('expire-tokens makes current tokens answer 401 until the user signs in again', async () => {
    expect((await client.as('alice', 'GET', '/api/work-orders')).status).toBe(200);
    expect((await client.as('bob', 'GET', '/api/work-orders')).status).toBe(200);
    await client.control('POST', '/expire-tokens', { user: 'alice' });
    expect((await client.as('alice', 'GET', '/api/work-orders')).status).toBe(401);
    expect((await client.as('bob', 'GET', '/api/work-orders')).status).toBe(200);
    await client.login('alice');
    expect((await client.as('alice', 'GET', '/api/work-orders')).status).toBe(200);
  });
});

describe('reading', () => {
  it('serves a record with its ETag, 404 not_found for a missing one and 404 deleted with the tombstone', async () => {
    const one = await client.as('alice', 'GET', '/api/work-orders/wo_1');
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toBe('"1"');
    expect(one.body).toMatchObject({
      id: 'wo_1',
      version: 1,
      updatedAt: anyString,
      title: anyString,
    });
    const missing = await client.as('alice', 'GET', '/api/work-orders/wo_999');
    expect([missing.status, bodyOf(missing).error]).toEqual([404, 'not_found']);
    await client.control('POST', '/delete', { collection: 'work-orders', id: 'wo_1' });
    const gone = await client.as('alice', 'GET', '/api/work-orders/wo_1');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: 'deleted', details: { id: 'wo_1', version: 2, deleted: true } });
  });

  it('shows each user only the work orders assigned to them, and their notes', async () => {
    const ids = async (user: string, path: string): Promise<string[]> =>
      (bodyOf(await client.as(user, 'GET', path)).records as { id: string }[]).map((r) => r.id);
    const alice = await ids('alice', '/api/work-orders');
    const bob = await ids('bob', '/api/work-orders');
    expect(alice).toContain('wo_3');
    expect(bob).not.toContain('wo_3');
    expect(alice.filter((id) => bob.includes(id)).length).toBeGreaterThanOrEqual(3);
    expect(await ids('carol', '/api/work-orders')).toEqual([]);
    expect(await ids('carol', '/api/notes')).toEqual([]);
    expect(await ids('bob', '/api/notes')).not.toContain('nt_3');
    expect((await client.as('bob', 'GET', '/api/work-orders/wo_3')).status).toBe(403);
  });

  it('filters on a top-level field', async () => {
    const answer = bodyOf(await client.as('alice', 'GET', '/api/notes?workOrderId=wo_1'));
    const records = answer.records as { workOrderId: string }[];
    expect(records.length).toBe(2);
    expect(records.every((r) => r.workOrderId === 'wo_1')).toBe(true);
  });
});

describe('writing', () => {
  it('creates with 201, Location and ETag; assigns the creator when assignees is omitted', async () => {
    const created = await client.write('carol', 'POST', '/api/work-orders', {
      title: 'New job',
      priority: 'high',
    });
    expect(created.status).toBe(201);
    const record = bodyOf(created);
    expect(record).toMatchObject({
      version: 1,
      title: 'New job',
      priority: 'high',
      status: 'open',
      assignees: ['carol'],
    });
    expect(record.id).toMatch(/^wo_\d+$/);
    expect(created.headers.get('location')).toBe(`/api/work-orders/${String(record.id)}`);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(await client.record('work-orders', String(record.id))).toMatchObject({
      title: 'New job',
      deleted: false,
    });
  });

  it('PUT replaces, PATCH merges (null removes), every change adds exactly 1 to the version', async () => {
    const put = await client.write(
      'alice',
      'PUT',
      '/api/work-orders/wo_3',
      { title: 'Replaced', dueDate: '2027-01-02' },
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
    expect(await client.record('work-orders', 'wo_3')).toMatchObject({ version: 3, status: 'done' });
  });

  it('409 with the server copy when If-Match is stale, and nothing is written', async () => {
    const alice = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'in-progress' },
      { 'if-match': '"1"' },
    );
    expect(alice.status).toBe(200);
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
    expect(await client.record('work-orders', 'wo_1')).toMatchObject({ version: 2, status: 'in-progress' });
    // The resolution is a new write based on the server's version.
    const resolved = await client.write(
      'bob',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'cancelled' },
      { 'if-match': '"2"' },
    );
    expect(resolved.status).toBe(200);
    expect(await client.record('work-orders', 'wo_1')).toMatchObject({ version: 3, status: 'cancelled' });
  });

  it('409 with current null and the tombstone when the record was deleted meanwhile', async () => {
    await client.control('POST', '/delete', { collection: 'work-orders', id: 'wo_2' });
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

  it('without If-Match the last write wins; deleting twice answers the same tombstone', async () => {
    await client.control('POST', '/edit', {
      collection: 'work-orders',
      id: 'wo_5',
      patch: { priority: 'low' },
    });
    const lww = await client.write('bob', 'PATCH', '/api/work-orders/wo_5', { priority: 'high' });
    expect(lww.body).toMatchObject({ version: 3, priority: 'high' });
    const first = await client.write('bob', 'DELETE', '/api/work-orders/wo_5');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: 'wo_5', version: 4, updatedAt: anyString, deleted: true });
    const second = await client.write('bob', 'DELETE', '/api/work-orders/wo_5');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    // A work order takes its notes with it.
    expect(await client.record('notes', 'nt_4')).toMatchObject({ deleted: true });
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
    expect(await client.record('work-orders', 'wo_3')).toMatchObject({ version: 1, deleted: false });
    expect((await client.records('notes')).some((note) => note.text === 'sneaky')).toBe(false);
  });

  it('notes: the server sets author and createdAt; the parent must exist', async () => {
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

  it('accepts form-encoded and multipart creates on work orders and notes', async () => {
    const form = await client.as('alice', 'POST', '/api/work-orders', {
      raw: 'title=From+a+form&priority=low&assignees=alice&assignees=bob',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': randomUUID() },
    });
    expect(form.status).toBe(201);
    expect(form.body).toMatchObject({ title: 'From a form', priority: 'low', assignees: ['alice', 'bob'] });
    const data = new FormData();
    data.append('workOrderId', 'wo_1');
    data.append('text', 'From multipart');
    const token = await client.login('alice');
    const response = await fetch(`${client.url}/api/notes`, {
      method: 'POST',
      body: data,
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      workOrderId: 'wo_1',
      text: 'From multipart',
      author: 'alice',
    });
  });

  it('photos: an image body becomes a record, and its bytes come back', async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const created = await client.as('alice', 'POST', '/api/photos?workOrderId=wo_1', {
      raw: bytes,
      headers: { 'content-type': 'image/png', 'idempotency-key': randomUUID() },
    });
    expect(created.status).toBe(201);
    const photo = bodyOf(created);
    expect(photo).toMatchObject({ workOrderId: 'wo_1', contentType: 'image/png', size: 8, version: 1 });
    const token = await client.login('alice');
    const content = await fetch(`${client.url}/api/photos/${String(photo.id)}/content`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(bytes);
    const text = await client.as('alice', 'POST', '/api/photos?workOrderId=wo_1', {
      raw: 'hello',
      headers: { 'content-type': 'text/plain', 'idempotency-key': randomUUID() },
    });
    expect(text.status).toBe(415);
    expect((await client.as('carol', 'GET', `/api/photos/${String(photo.id)}/content`)).status).toBe(403);
  });
});

describe('exactly once: Idempotency-Key', () => {
  it('a repeated key creates one record and answers the first answer again', async () => {
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
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect((await client.records('work-orders')).filter((r) => r.title === 'Once')).toHaveLength(1);
  });

  it('a repeated PATCH does not bump the version twice; a repeated conflict stays a conflict', async () => {
    const key = randomUUID();
    await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'done' },
      { 'idempotency-key': key, 'if-match': '"1"' },
    );
    const again = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'done' },
      { 'idempotency-key': key, 'if-match': '"1"' },
    );
    expect(again.status).toBe(200);
    expect(await client.record('work-orders', 'wo_1')).toMatchObject({ version: 2 });
    const stale = randomUUID();
    const conflict = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'open' },
      { 'idempotency-key': stale, 'if-match': '"1"' },
    );
    const repeat = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { status: 'open' },
      { 'idempotency-key': stale, 'if-match': '"1"' },
    );
    expect([conflict.status, repeat.status]).toEqual([409, 409]);
    expect(await client.record('work-orders', 'wo_1')).toMatchObject({ version: 2, status: 'done' });
  });

  it('a key reused for a different request is 422; keys are per user', async () => {
    const key = randomUUID();
    await client.write(
      'alice',
      'POST',
      '/api/notes',
      { workOrderId: 'wo_1', text: 'a' },
      { 'idempotency-key': key },
    );
    const reused = await client.write(
      'alice',
      'POST',
      '/api/notes',
      { workOrderId: 'wo_1', text: 'b' },
      { 'idempotency-key': key },
    );
    expect([reused.status, bodyOf(reused).error]).toEqual([422, 'idempotency_key_reused']);
    const bob = await client.write(
      'bob',
      'POST',
      '/api/notes',
      { workOrderId: 'wo_1', text: 'b' },
      { 'idempotency-key': key },
    );
    expect(bob.status).toBe(201);
    expect(bob.headers.get('idempotent-replay')).toBeNull();
    const texts = (await client.records('notes')).map((note) => note.text);
    expect(texts.filter((t) => t === 'a' || t === 'b').sort()).toEqual(['a', 'b']);
  });
});

describe('temporary ids', () => {
  it('remembers tmp ids per user and rewrites them in later paths and fields', async () => {
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
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ workOrderId: id });
    const patchKey = randomUUID();
    const patch = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/tmp_wo1',
      { status: 'done' },
      { 'idempotency-key': patchKey },
    );
    expect(patch.body).toMatchObject({ id, status: 'done', version: 2 });
    // The client rewrote its queued write after learning the id: same key, same write, not a reuse.
    const rewritten = await client.write(
      'alice',
      'PATCH',
      `/api/work-orders/${id}`,
      { status: 'done' },
      { 'idempotency-key': patchKey },
    );
    expect(rewritten.status).toBe(200);
    expect(rewritten.headers.get('idempotent-replay')).toBe('true');
    // Another user's tmp ids are not theirs.
    expect((await client.write('bob', 'PATCH', '/api/work-orders/tmp_wo1', { status: 'open' })).status).toBe(
      404,
    );
    const dup = await client.write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Offline job' },
      { 'offline-kit-temp-id': 'tmp_wo1' },
    );
    expect([dup.status, bodyOf(dup).error]).toEqual([400, 'invalid_temp_id']);
    expect((await client.records('work-orders')).filter((r) => r.title === 'Offline job')).toHaveLength(1);
  });
});

describe('delta pulls', () => {
  type Page = {
    records: { id: string; version: number }[];
    deleted: { id: string }[];
    cursor: string;
    hasMore: boolean;
  };

  async function pullAll(
    user: string,
    path: string,
    limit: number,
    since?: string,
  ): Promise<{ pages: Page[]; cursor: string }> {
    const pages: Page[] = [];
    let cursor = since;
    for (;;) {
      const query = `limit=${limit}${cursor === undefined ? '' : `&since=${cursor}`}`;
      const answer = await client.as(user, 'GET', `${path}?${query}`);
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      pages.push(page);
      cursor = page.cursor;
      if (!page.hasMore) return { pages, cursor };
    }
  }

  function apply(local: Map<string, number>, pages: Page[]): void {
    for (const page of pages) {
      for (const record of page.records) local.set(record.id, record.version);
      for (const gone of page.deleted) local.delete(gone.id);
    }
  }

  it('pages 10,000 parts, then reports only changes and tombstones since the cursor', async () => {
    await client.control('POST', '/seed', { parts: 10_000 });
    const local = new Map<string, number>();
    const full = await pullAll('alice', '/api/parts', 1000);
    expect(full.pages).toHaveLength(10);
    apply(local, full.pages);
    expect(local.size).toBe(10_000);

    const touched = await client.control('POST', '/touch', {
      collection: 'parts',
      count: 30,
      deleteCount: 5,
    });
    const { changed, deleted } = touched.body as { changed: string[]; deleted: string[] };
    const delta = await pullAll('alice', '/api/parts', 20, full.cursor);
    expect(delta.pages).toHaveLength(2);
    const seen = delta.pages.flatMap((page) => page.records.map((r) => r.id));
    expect(seen.sort()).toEqual([...changed].sort());
    expect(delta.pages.flatMap((page) => page.deleted.map((d) => d.id)).sort()).toEqual([...deleted].sort());
    apply(local, delta.pages);

    const server = (await client.records('parts')).filter((r) => r.deleted === false);
    expect(local.size).toBe(server.length);
    for (const record of server) expect(local.get(String(record.id))).toBe(record.version);

    const quiet = await client.as('alice', 'GET', `/api/parts?since=${delta.cursor}`);
    expect(quiet.body).toMatchObject({ records: [], deleted: [], cursor: delta.cursor, hasMore: false });
  });

  it('ends with exactly the server set when records change while the client pages', async () => {
    const local = new Map<string, number>();
    const first = bodyOf(await client.as('alice', 'GET', '/api/parts?limit=10')) as unknown as Page;
    apply(local, [first]);
    // Change records on both sides of the cursor, then keep paging.
    await client.control('POST', '/edit', { collection: 'parts', id: 'pt_1', patch: { stock: 1 } });
    await client.control('POST', '/edit', { collection: 'parts', id: 'pt_40', patch: { stock: 2 } });
    await client.control('POST', '/delete', { collection: 'parts', id: 'pt_2' });
    await client.control('POST', '/delete', { collection: 'parts', id: 'pt_45' });
    const rest = await pullAll('alice', '/api/parts', 10, first.cursor);
    apply(local, rest.pages);
    const server = (await client.records('parts')).filter((r) => r.deleted === false);
    expect([...local.keys()].sort()).toEqual(server.map((r) => String(r.id)).sort());
    expect(local.get('pt_1')).toBe(2);
  });

  it('reports a work order (and its notes) as deleted to a user who was unassigned', async () => {
    const before = bodyOf(await client.as('bob', 'GET', '/api/notes'));
    expect((before.records as { id: string }[]).map((n) => n.id)).toContain('nt_1');
    const woCursor = String(bodyOf(await client.as('bob', 'GET', '/api/work-orders')).cursor);
    await client.control('POST', '/edit', {
      collection: 'work-orders',
      id: 'wo_1',
      patch: { assignees: ['alice'] },
    });
    const wo = bodyOf(await client.as('bob', 'GET', `/api/work-orders?since=${woCursor}`));
    expect(wo.deleted).toEqual([expect.objectContaining({ id: 'wo_1' })]);
    const notes = bodyOf(await client.as('bob', 'GET', `/api/notes?since=${String(before.cursor)}`));
    expect((notes.deleted as { id: string }[]).map((n) => n.id).sort()).toEqual(['nt_1', 'nt_2']);
    // And carol, newly assigned, receives the notes in her next delta pull.
    const carolCursor = String(bodyOf(await client.as('carol', 'GET', '/api/notes')).cursor);
    await client.control('POST', '/edit', {
      collection: 'work-orders',
      id: 'wo_1',
      patch: { assignees: ['alice', 'carol'] },
    });
    const carol = bodyOf(await client.as('carol', 'GET', `/api/notes?since=${carolCursor}`));
    expect((carol.records as { id: string }[]).map((n) => n.id).sort()).toEqual(['nt_1', 'nt_2']);
  });

  it('400 invalid_cursor for a cursor it never issued, 410 cursor_expired after a reset', async () => {
    const bad = await client.as('alice', 'GET', '/api/parts?since=yesterday');
    expect([bad.status, bodyOf(bad).error]).toEqual([400, 'invalid_cursor']);
    const future = await client.as('alice', 'GET', '/api/parts?since=c_99999999');
    expect(future.status).toBe(400);
    const cursor = String(bodyOf(await client.as('alice', 'GET', '/api/parts')).cursor);
    await client.control('POST', '/reset');
    const expired = await client.as('alice', 'GET', `/api/parts?since=${cursor}`);
    expect([expired.status, bodyOf(expired).error]).toEqual([410, 'cursor_expired']);
    const fresh = bodyOf(await client.as('alice', 'GET', '/api/parts'));
    expect((await client.as('alice', 'GET', `/api/parts?since=${String(fresh.cursor)}`)).status).toBe(200);
  });
});
