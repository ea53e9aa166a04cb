import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, startClient, type Client } from './helpers.js';

// PROTOCOL.md §7: batch push.
let client: Client;
beforeAll(async () => {
  client = await startClient();
});
afterAll(async () => {
  await client.server.close();
});
beforeEach(async () => {
  await client.control('POST', '/reset');
});

interface BatchAnswer {
  results: { key: string; status: number; body: Record<string, unknown> }[];
  idMap: Record<string, string>;
}

async function batch(user: string, writes: unknown[]): Promise<BatchAnswer> {
  const answer = await client.as(user, 'POST', '/api/_batch', { json: { writes } });
  expect(answer.status).toBe(200);
  return answer.body as BatchAnswer;
}

describe('batch push', () => {
  it('applies writes in order, rewrites temp ids created earlier in the batch, and returns the id map', async () => {
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
    const answer = await batch('alice', writes);
    expect(answer.results.map((r) => r.status)).toEqual([201, 201, 200]);
    expect(answer.results.map((r) => r.key)).toEqual(writes.map((w) => w.key));
    const woId = String(answer.results[0]?.body.id);
    const noteId = String(answer.results[1]?.body.id);
    expect(answer.idMap).toEqual({ tmp_a1: woId, tmp_b2: noteId });
    expect(answer.results[1]?.body).toMatchObject({ workOrderId: woId });
    expect(await client.record('work-orders', woId)).toMatchObject({
      title: 'Leak',
      status: 'done',
      version: 2,
    });
    expect(await client.record('notes', noteId)).toMatchObject({ workOrderId: woId, text: 'Valve' });

    // The same batch again (its answer was lost): answered from the stored answers, nothing applied twice.
    const again = await batch('alice', writes);
    expect(again.results).toEqual(answer.results);
    expect(again.idMap).toEqual(answer.idMap);
    expect((await client.records('work-orders')).filter((r) => r.title === 'Leak')).toHaveLength(1);
    expect((await client.records('notes')).filter((r) => r.text === 'Valve')).toHaveLength(1);
  });

  it('stops at the first write that does not succeed: 409 for it, 424 not_attempted after it', async () => {
    await client.control('POST', '/edit', {
      collection: 'work-orders',
      id: 'wo_1',
      patch: { priority: 'low' },
      as: 'bob',
    });
    const answer = await batch('alice', [
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
        key: randomUUID(),
        method: 'PATCH',
        path: '/api/work-orders/wo_3',
        ifMatch: 1,
        body: { status: 'done' },
      },
      { key: randomUUID(), method: 'POST', path: '/api/notes', body: { workOrderId: 'wo_3', text: 'after' } },
    ]);
    expect(answer.results.map((r) => r.status)).toEqual([200, 409, 424, 424]);
    expect(answer.results[1]?.body).toMatchObject({
      error: 'conflict',
      current: { id: 'wo_1', version: 2, priority: 'low' },
    });
    expect(answer.results[2]?.body).toMatchObject({ error: 'not_attempted' });
    expect(await client.record('work-orders', 'wo_2')).toMatchObject({ status: 'done', version: 2 });
    expect(await client.record('work-orders', 'wo_1')).toMatchObject({ status: 'open', version: 2 });
    expect(await client.record('work-orders', 'wo_3')).toMatchObject({ status: 'in-progress', version: 1 });
    expect((await client.records('notes')).some((n) => n.text === 'after')).toBe(false);
  });

  it('not attempted writes can be sent again later and apply then', async () => {
    const key = randomUUID();
    const first = await batch('bob', [
      { key: randomUUID(), method: 'PATCH', path: '/api/work-orders/wo_3', body: { status: 'done' } },
      { key, method: 'PATCH', path: '/api/work-orders/wo_4', body: { status: 'done' } },
    ]);
    expect(first.results.map((r) => r.status)).toEqual([403, 424]);
    const later = await batch('bob', [
      { key, method: 'PATCH', path: '/api/work-orders/wo_4', body: { status: 'done' } },
    ]);
    expect(later.results.map((r) => r.status)).toEqual([200]);
    expect(await client.record('work-orders', 'wo_4')).toMatchObject({ status: 'done' });
  });

  it('a malformed batch is 400 invalid_batch and applies nothing', async () => {
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
    expect((await client.records('work-orders')).some((r) => r.title === 'Should not exist')).toBe(false);
  });

  it('401 for the whole batch without credentials, 413 over maxBytes', async () => {
    const anonymous = await client.request('POST', '/api/_batch', { json: { writes: [] } });
    expect(anonymous.status).toBe(401);
    const big = {
      key: randomUUID(),
      method: 'POST',
      path: '/api/notes',
      body: { workOrderId: 'wo_1', text: 'x'.repeat(11_000) },
    };
    const answer = await client.as('alice', 'POST', '/api/_batch', {
      json: { writes: Array.from({ length: 100 }, () => ({ ...big, key: randomUUID() })) },
    });
    expect([answer.status, bodyOf(answer).error]).toEqual([413, 'body_too_large']);
  });

  it('logs each write of a batch with its key', async () => {
    const key = randomUUID();
    await batch('alice', [{ key, method: 'PATCH', path: '/api/work-orders/wo_1', body: { status: 'done' } }]);
    const log = bodyOf(await client.control('GET', '/log')).entries as Record<string, unknown>[];
    expect(log).toContainEqual(
      expect.objectContaining({
        method: 'PATCH',
        path: '/api/work-orders/wo_1',
        key,
        status: 200,
        via: 'batch',
      }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/api/_batch', status: 200, user: 'alice' }),
    );
  });
});
