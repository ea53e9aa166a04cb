import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anyString, bodyOf, startClient, type Client } from './helpers.js';

// The /__mock control API of ARCHITECTURE.md: each fault, as a client sees it, and what the server then holds.
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

async function logEntries(): Promise<Record<string, unknown>[]> {
  return bodyOf(await client.control('GET', '/log')).entries as Record<string, unknown>[];
}

describe('faults', () => {
  it('failNext answers the next N matching requests with the chosen status, then recovers', async () => {
    const set = await client.control('POST', '/faults', {
      failNext: { count: 2, status: 503, pathPrefix: '/api/work-orders' },
    });
    expect(set.body).toMatchObject({ failNext: { count: 2, status: 503, pathPrefix: '/api/work-orders' } });
    expect((await client.as('alice', 'GET', '/api/parts')).status).toBe(200);
    const first = await client.write('alice', 'POST', '/api/work-orders', { title: 'Retry me' });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await client.as('alice', 'GET', '/api/work-orders')).status).toBe(503);
    expect((await client.as('alice', 'GET', '/api/work-orders')).status).toBe(200);
    expect((await client.records('work-orders')).some((r) => r.title === 'Retry me')).toBe(false);
    expect(bodyOf(await client.control('GET', '/state')).faults).toMatchObject({ failNext: null });
  });

  it('htmlNext answers the next N matching requests 200 text/html, as a captive portal, then recovers', async () => {
    await client.control('POST', '/faults', { htmlNext: { count: 1, pathPrefix: '/api/work-orders' } });
    const portal = await client.as('alice', 'GET', '/api/work-orders');
    expect(portal.status).toBe(200);
    expect(portal.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await client.as('alice', 'GET', '/api/work-orders')).headers.get('content-type')).toMatch(/json/);
    expect(bodyOf(await client.control('GET', '/state')).faults).toMatchObject({ htmlNext: null });
  });

  it('protocolVersion makes discovery announce another protocol version until the faults are cleared', async () => {
    await client.control('POST', '/faults', { protocolVersion: 2 });
    expect(bodyOf(await client.as('alice', 'GET', '/api/_sync'))).toMatchObject({ version: 2 });
    expect(bodyOf(await client.control('GET', '/faults'))).toMatchObject({ protocolVersion: 2 });
    await client.control('DELETE', '/faults');
    expect(bodyOf(await client.as('alice', 'GET', '/api/_sync'))).toMatchObject({ version: 1 });
  });

  it('dropNext before-commit: the connection dies and nothing is written', async () => {
    await client.control('POST', '/faults', { dropNext: { count: 1, when: 'before-commit' } });
    const key = randomUUID();
    await expect(
      client.write('alice', 'POST', '/api/work-orders', { title: 'Dropped' }, { 'idempotency-key': key }),
    ).rejects.toThrow();
    expect((await client.records('work-orders')).some((r) => r.title === 'Dropped')).toBe(false);
    const retry = await client.write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Dropped' },
      { 'idempotency-key': key },
    );
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replay')).toBeNull();
    expect(await logEntries()).toContainEqual(
      expect.objectContaining({ key, status: 0, fault: 'drop-before-commit' }),
    );
  });

  it('dropNext after-commit: committed but unanswered; the replay with the same key answers it without a duplicate', async () => {
    await client.control('POST', '/faults', {
      dropNext: { count: 1, when: 'after-commit', pathPrefix: '/api/work-orders' },
    });
    const key = randomUUID();
    await expect(
      client.write('alice', 'POST', '/api/work-orders', { title: 'Committed' }, { 'idempotency-key': key }),
    ).rejects.toThrow();
    const held = (await client.records('work-orders')).filter((r) => r.title === 'Committed');
    expect(held).toHaveLength(1);
    const replay = await client.write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Committed' },
      { 'idempotency-key': key },
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(bodyOf(replay).id).toBe(held[0]?.id);
    expect((await client.records('work-orders')).filter((r) => r.title === 'Committed')).toHaveLength(1);
    const log = await logEntries();
    expect(log).toContainEqual(
      expect.objectContaining({ key, status: 0, fault: 'drop-after-commit', committedStatus: 201 }),
    );
    // The log tells the replay from the first attempt, and whose write it was.
    expect(log).toContainEqual(
      expect.objectContaining({ key, status: 201, fault: null, replay: true, user: 'alice' }),
    );
  });

  it('unreachable: /api requests get no answer until it ends; /__mock still answers', async () => {
    await client.control('POST', '/faults', { unreachableForMs: 60_000 });
    await expect(client.request('GET', '/api/_sync')).rejects.toThrow();
    await expect(
      client.write('alice', 'POST', '/api/work-orders', { title: 'Unreachable' }),
    ).rejects.toThrow();
    const state = bodyOf(await client.control('GET', '/state'));
    expect((state.faults as { unreachableForMs: number }).unreachableForMs).toBeGreaterThan(0);
    expect((await client.control('DELETE', '/faults')).status).toBe(200);
    expect((await client.request('GET', '/api/_sync')).status).toBe(200);
    expect((await client.records('work-orders')).some((r) => r.title === 'Unreachable')).toBe(false);
  });

  it('latency is applied to /api requests and recorded in the log', async () => {
    await client.control('POST', '/faults', { latencyMs: 30 });
    expect((await client.request('GET', '/api/_sync')).status).toBe(200);
    expect(await logEntries()).toContainEqual(
      expect.objectContaining({ path: '/api/_sync', fault: 'latency' }),
    );
    expect(bodyOf(await client.control('DELETE', '/faults'))).toMatchObject({ latencyMs: 0 });
  });

  it('rejects a malformed fault and keeps the current ones', async () => {
    await client.control('POST', '/faults', { latencyMs: 5 });
    const bad = await client.control('POST', '/faults', {
      failNext: { count: 1, status: 200 },
      latencyMs: 9,
    });
    expect(bad.status).toBe(400);
    expect(bodyOf(await client.control('GET', '/state')).faults).toMatchObject({
      latencyMs: 5,
      failNext: null,
    });
  });
});

describe('another user, seeding, records and reset', () => {
  it('edit bumps the version so the next If-Match write conflicts', async () => {
    const edited = await client.control('POST', '/edit', {
      collection: 'work-orders',
      id: 'wo_1',
      patch: { title: 'Edited elsewhere' },
      as: 'bob',
    });
    expect(edited.body).toMatchObject({ id: 'wo_1', version: 2, title: 'Edited elsewhere' });
    const write = await client.write(
      'alice',
      'PATCH',
      '/api/work-orders/wo_1',
      { title: 'Mine' },
      { 'if-match': '"1"' },
    );
    expect(write.status).toBe(409);
    expect(write.body).toMatchObject({ current: { title: 'Edited elsewhere', version: 2 } });
    expect(
      (
        await client.control('POST', '/edit', {
          collection: 'work-orders',
          id: 'wo_1',
          patch: { status: 'nope' },
        })
      ).status,
    ).toBe(400);
  });

  it('seed sets the catalogue size, touch changes and deletes, records lists tombstones in id order', async () => {
    await client.control('POST', '/seed', { parts: 12 });
    expect(bodyOf(await client.control('GET', '/state')).counts).toMatchObject({
      parts: 12,
      'work-orders': 12,
    });
    const touched = bodyOf(
      await client.control('POST', '/touch', { collection: 'parts', count: 2, deleteCount: 1 }),
    );
    expect(touched).toEqual({ changed: ['pt_1', 'pt_2'], deleted: ['pt_3'] });
    const parts = await client.records('parts');
    expect(parts.slice(0, 12).map((p) => p.id)).toEqual(Array.from({ length: 12 }, (_, i) => `pt_${i + 1}`));
    expect(parts.find((p) => p.id === 'pt_1')).toMatchObject({ version: 2, deleted: false });
    expect(parts.find((p) => p.id === 'pt_3')).toEqual({
      id: 'pt_3',
      version: 2,
      updatedAt: anyString,
      deleted: true,
    });
  });

  it('reset restores the seed, clears faults, the log and idempotency records, and never reuses ids', async () => {
    const created = bodyOf(
      await client.write('alice', 'POST', '/api/work-orders', { title: 'Before reset' }),
    );
    await client.control('POST', '/faults', { latencyMs: 10 });
    await client.control('POST', '/reset');
    const state = bodyOf(await client.control('GET', '/state'));
    expect(state.faults).toMatchObject({ latencyMs: 0 });
    expect(state.counts).toMatchObject({ 'work-orders': 12, notes: 5, parts: 50 });
    expect(await logEntries()).toEqual([]);
    const after = bodyOf(await client.write('alice', 'POST', '/api/work-orders', { title: 'After reset' }));
    expect(after.id).not.toBe(created.id);
  });
});
