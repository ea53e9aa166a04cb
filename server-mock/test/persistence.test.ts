import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, bodyOf } from './helpers.js';
import { startServer } from '../src/index.js';

// The SQLite store: a restart loses nothing (records, versions, cursors, idempotency answers, temp ids, tokens).
const dir = mkdtempSync(join(tmpdir(), 'server-mock-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<Client> {
  return new Client(
    await startServer({
      port: 0,
      storage: { kind: 'sqlite', file: join(dir, 'data.sqlite') },
      seedParts: 20,
      quiet: true,
    }),
  );
}

describe('persistence', () => {
  it('keeps everything across a restart', async () => {
    const key = randomUUID();
    const first = await start();
    const token = await first.login('alice');
    const created = await first.write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Survives' },
      { 'idempotency-key': key, 'offline-kit-temp-id': 'tmp_keep' },
    );
    const id = String(bodyOf(created).id);
    await first.write('alice', 'PATCH', `/api/work-orders/${id}`, { status: 'done' });
    await first.control('POST', '/delete', { collection: 'parts', id: 'pt_3' });
    const cursor = String(bodyOf(await first.as('alice', 'GET', '/api/parts')).cursor);
    await first.control('POST', '/edit', { collection: 'parts', id: 'pt_5', patch: { stock: 1 } });
    await first.server.close();

    const second = await start();
    try {
      // Seeding happens once: the data file is used as it is.
      expect(await second.record('work-orders', id)).toMatchObject({
        title: 'Survives',
        status: 'done',
        version: 2,
      });
      expect(bodyOf(await second.control('GET', '/state')).counts).toMatchObject({
        'work-orders': 13,
        parts: 19,
      });
      // The token still works; the key still replays; the temp id still resolves.
      const auth = { authorization: `Bearer ${token}` };
      const replay = await second.request('POST', '/api/work-orders', {
        json: { title: 'Survives' },
        headers: { ...auth, 'idempotency-key': key, 'offline-kit-temp-id': 'tmp_keep' },
      });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replay')).toBe('true');
      expect(bodyOf(replay).id).toBe(id);
      const viaTemp = await second.request('GET', `/api/work-orders/${id}`, { headers: auth });
      expect(viaTemp.status).toBe(200);
      const patched = await second.request('PATCH', '/api/work-orders/tmp_keep', {
        json: { priority: 'high' },
        headers: { ...auth, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      });
      expect(patched.body).toMatchObject({ id, version: 3, priority: 'high' });
      // A cursor from before the restart is still good and sees the change made after it.
      const delta = bodyOf(await second.request('GET', `/api/parts?since=${cursor}`, { headers: auth }));
      expect((delta.records as { id: string }[]).map((r) => r.id)).toEqual(['pt_5']);
      // New ids continue after the old ones.
      const next = bodyOf(await second.write('alice', 'POST', '/api/work-orders', { title: 'Next' }));
      expect(Number(String(next.id).slice(3))).toBeGreaterThan(Number(id.slice(3)));
    } finally {
      await second.server.close();
    }
  });
});
