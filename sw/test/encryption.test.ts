import { describe, expect, it, vi } from 'vitest';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import { validateConfig } from '../src/core/config.js';
import { lockedAnswer } from '../src/worker/keys.js';
import { parseApiPath } from '../src/worker/paths.js';
import type { Engine } from '../src/core/engine.js';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig } from './harness.js';

/** Every row of every store of the partition, as text: ciphertext and byte arrays as latin1, so plaintext shows. */
async function rawDump(engine: Engine): Promise<string> {
  const stores = ['queue', 'records', 'meta', 'history', 'keys'] as const;
  const rows: unknown[] = [];
  for (const store of stores)
    rows.push(store, await engine.db.getAll(store), await engine.db.getAllKeys(store));
  return JSON.stringify(rows, (_k, v: unknown) => {
    if (v instanceof ArrayBuffer) return Buffer.from(v).toString('latin1');
    if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
    return v;
  });
}

/** What an app does at sign-in: a non-extractable AES-GCM key derived from a secret (PBKDF2; salt = user id). */
async function deriveKey(secret: string, user: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    {
      name: 'PBKDF2',
      salt: new TextEncoder().encode(`offline-kit:${user}`),
      iterations: 1000,
      hash: 'SHA-256',
    },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

describe('encryption at rest', () => {
  it('stores queued bodies and records as AES-GCM ciphertext, and still replays the exact body', async () => {
    const rig = await makeRig({ ...baseConfig, encryptAtRest: true });
    const w = await rig.write('POST', '/api/work-orders', { title: 'Secret boiler' });
    const raw = await rig.engine.db.get('queue', w.id);
    const rawRecord = await rig.engine.db.get('records', ['work-orders', w.recordId]);
    const dump = JSON.stringify([raw, rawRecord], (_k, v: unknown) =>
      v instanceof ArrayBuffer ? Buffer.from(v).toString('latin1') : v,
    );
    expect(dump).not.toContain('Secret boiler');
    const key = await rig.engine.db.get('keys', 'aes-gcm');
    expect(key instanceof CryptoKey && key.extractable).toBe(false);
    // Pages still see the plain record, and the server gets the plain body.
    const local = await rig.engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ title: 'Secret boiler' });
    await rig.engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Secret boiler']);
  });

  it('leaves no user data in the clear anywhere in the partition: headers, URLs, errors, conflict copies in the history', async () => {
    const server = new FakeServer();
    server.batch = false;
    const seeded = server.seed('work-orders', { title: 'Boiler' });
    // The server refuses creates with an error that quotes what the user typed (as validation errors do).
    const fetch = async (request: Request): Promise<Response> => {
      if (request.method === 'POST' && new URL(request.url).pathname === '/api/work-orders') {
        return new Response(
          JSON.stringify({
            error: 'invalid',
            message: 'title "SECRET-ERROR" is not allowed',
            details: { field: 'SECRET-DETAIL' },
          }),
          { status: 422, headers: { 'content-type': 'application/json' } },
        );
      }
      return server.fetch(request);
    };
    const rig = await makeRig({ ...baseConfig, encryptAtRest: true }, { server, deps: { fetch } });
    await rig.engine.sync();
    const headers: [string, string][] = [
      ['content-type', 'application/json'],
      ['content-language', 'SECRET-HEADER'],
    ];
    // A create the server refuses (failed, with its error) and an edit that conflicts, resolved for the server.
    await rig.write('POST', '/api/work-orders?ref=SECRET-URL', { title: 'SECRET-BODY-1' }, { headers });
    await rig.write('PATCH', `/api/work-orders/${seeded.id}`, { title: 'SECRET-BODY-2' }, { headers });
    server.edit('work-orders', seeded.id, { title: 'SECRET-SERVER' });
    await rig.engine.sync();
    const [conflict] = await rig.engine.listConflicts();
    expect(conflict?.local).toMatchObject({ title: 'SECRET-BODY-2' });
    await rig.engine.resolveConflict(conflict?.writeId ?? '', { choice: 'server' });
    await rig.engine.idle();

    const dump = await rawDump(rig.engine);
    for (const secret of [
      'SECRET-HEADER',
      'SECRET-URL',
      'SECRET-BODY-1',
      'SECRET-BODY-2',
      'SECRET-SERVER',
      'SECRET-ERROR',
      'SECRET-DETAIL',
    ])
      expect(dump, secret).not.toContain(secret);

    // The API (the page, the devtools panel) still gets everything opened.
    const queue = await rig.engine.listQueue();
    const failed = queue.items.find((w) => w.state === 'failed');
    expect(failed?.url).toContain('SECRET-URL');
    expect(failed?.lastError?.message).toContain('SECRET-ERROR');
    const exported = JSON.stringify(await rig.engine.exportHistory());
    expect(exported).toContain('SECRET-BODY-2');
    expect(exported).toContain('SECRET-ERROR');
    expect(JSON.stringify(await rig.engine.getHistory())).toContain('SECRET-DETAIL');
  });

  it("with the app's key: locked until the key is handed over, replay waits, a wrong key is refused and nothing is lost", async () => {
    const config: OfflineKitConfig = { ...baseConfig, encryptAtRest: { key: 'app' } };
    const key = await deriveKey('secret from sign-in', 'alice');
    const rig = await makeRig(config);
    expect(rig.engine.locked).toBe(true);
    // Locked: a write that would be queued is refused with a typed 503, never accepted and dropped.
    await expect(rig.write('POST', '/api/work-orders', { title: 'too early' })).rejects.toMatchObject({
      code: 'locked',
      status: 503,
    });
    await rig.engine.unlock(key);
    await rig.write('POST', '/api/work-orders', { title: 'SECRET-APP-KEY' });

    // The worker restarts: the key was in memory only.
    const engine = await rig.reopen();
    expect(engine.locked).toBe(true);
    const dump = await rawDump(engine);
    expect(dump).not.toContain('SECRET-APP-KEY');
    expect(dump).not.toContain('too early');
    // Nothing beside the data can open it: the partition holds no CryptoKey.
    for (const value of await engine.db.getAll('keys')) expect(value instanceof CryptoKey).toBe(false);

    const skipped = await engine.sync();
    expect(skipped.outcome).toBe('skipped');
    expect(skipped.error?.code).toBe('locked');
    expect(rig.server.live('work-orders')).toEqual([]);
    expect(rig.events.some((e) => e.type === 'credentials-needed' && e.reason.code === 'locked')).toBe(true);
    await expect(engine.listQueue()).rejects.toMatchObject({ code: 'locked' });

    // Another key (another user's, a changed secret) does not open it: typed error, still locked, data kept.
    await expect(engine.unlock(await deriveKey('another secret', 'alice'))).rejects.toMatchObject({
      code: 'locked',
      details: { wrongKey: true },
    });
    expect(engine.locked).toBe(true);
    expect(await engine.ctx.queue.count()).toBe(1);

    await engine.unlock(key);
    await engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['SECRET-APP-KEY']);
    expect(await engine.ctx.queue.count()).toBe(0);

    // The secret was lost and the app gives up the local data: once wiped, a new key becomes the partition's.
    engine.lock();
    await engine.clearLocalData('discard');
    const next = await deriveKey('a new secret', 'alice');
    await engine.unlock(next);
    await rig.write('POST', '/api/work-orders', { title: 'after the new key' });
    engine.lock();
    await expect(engine.unlock(key)).rejects.toMatchObject({ details: { wrongKey: true } });
    await engine.unlock(next);
    expect((await engine.listQueue()).items.map((w) => w.json)).toEqual([{ title: 'after the new key' }]);
  });
});

describe('replayed headers', () => {
  async function sentHeaders(
    config: OfflineKitConfig,
    tamper?: (engine: Engine, id: string) => Promise<void>,
  ) {
    const server = new FakeServer();
    server.batch = false;
    const sent: Headers[] = [];
    const fetch = (request: Request): Promise<Response> => {
      if (request.method !== 'GET') sent.push(request.headers);
      return server.fetch(request);
    };
    const rig = await makeRig(config, { server, deps: { fetch } });
    const w = await rig.write(
      'POST',
      '/api/work-orders',
      { title: 'Leak' },
      {
        headers: [
          ['content-type', 'application/json'],
          ['accept-language', 'fr'],
          ['X-Api-Key', 'SECRET-API-KEY'],
          ['x-csrf-token', 'SECRET-CSRF'],
          ['x-auth-token', 'SECRET-AUTH'],
          ['authorization', 'Bearer SECRET-BEARER'],
        ],
      },
    );
    const stored = JSON.stringify(await rig.engine.db.get('queue', w.id));
    await tamper?.(rig.engine, w.id);
    await rig.engine.sync();
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['Leak']);
    return { stored, sent: sent[0] };
  }

  it('keeps and replays only allow-listed headers, never an X-Api-Key or a CSRF token the page sent', async () => {
    const { stored, sent } = await sentHeaders(baseConfig);
    for (const secret of ['SECRET-API-KEY', 'SECRET-CSRF', 'SECRET-AUTH', 'SECRET-BEARER'])
      expect(stored).not.toContain(secret);
    expect(sent?.get('x-api-key')).toBeNull();
    expect(sent?.get('x-csrf-token')).toBeNull();
    expect(sent?.get('accept-language')).toBe('fr');
  });

  it('replays a header the app lists in replayHeaders', async () => {
    const { sent } = await sentHeaders({ ...baseConfig, replayHeaders: ['x-api-key'] });
    expect(sent?.get('x-api-key')).toBe('SECRET-API-KEY');
    expect(sent?.get('x-csrf-token')).toBeNull();
  });

  it('does not replay headers an older version stored before the allow-list', async () => {
    const { sent } = await sentHeaders(baseConfig, async (engine, id) => {
      const row = await engine.db.get('queue', id);
      if (!row || !('headers' in row)) throw new Error('expected a plain row');
      await engine.db.put('queue', {
        ...row,
        headers: [...row.headers, ['x-amz-security-token', 'SECRET-AMZ'], ['x-api-key', 'SECRET-OLD']],
      });
    });
    expect(sent?.get('x-amz-security-token')).toBeNull();
    expect(sent?.get('x-api-key')).toBeNull();
    expect(sent?.get('accept-language')).toBe('fr');
  });
});

describe('requests while the partition is locked', () => {
  async function lockedRig(online: boolean) {
    const config: OfflineKitConfig = { ...baseConfig, encryptAtRest: { key: 'app' } };
    const rig = await makeRig(config, { deps: { browserOnline: () => online } });
    const resolved = validateConfig(config);
    const call = (method: string, path: string): Promise<Response> => {
      const url = new URL(path, rig.server.origin);
      const apiPath = parseApiPath(resolved, url, rig.server.origin);
      if (!apiPath) throw new Error('path not recognised');
      const init: RequestInit = { method };
      if (method !== 'GET') {
        init.body = JSON.stringify({ title: 'while locked' });
        init.headers = { 'content-type': 'application/json' };
      }
      return lockedAnswer(rig.engine, apiPath, new Request(url, init));
    };
    return { rig, call };
  }

  it('refuses an offline write with a typed 503 locked and stores nothing', async () => {
    const { rig, call } = await lockedRig(false);
    const answer = await call('POST', '/api/work-orders');
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'locked' });
    expect(await rig.engine.db.count('queue')).toBe(0);
    expect(await rig.engine.db.count('records')).toBe(0);
  });

  it('passes reads and online writes through to the network without storing them', async () => {
    const { rig, call } = await lockedRig(true);
    const seen: string[] = [];
    vi.stubGlobal('fetch', (request: Request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return rig.server.fetch(request);
    });
    try {
      expect((await call('POST', '/api/work-orders')).status).toBe(201);
      const list = await call('GET', '/api/work-orders');
      expect(list.status).toBe(200);
      expect(seen).toEqual(['POST /api/work-orders', 'GET /api/work-orders']);
      expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['while locked']);
      expect(await rig.engine.db.count('records')).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('rows stored in the clear before', () => {
  it('seals queue rows, records and history entries stored in the clear at start, and still replays them', async () => {
    const server = new FakeServer();
    server.batch = false;
    const config: OfflineKitConfig = { ...baseConfig, replayHeaders: ['x-tenant'] };
    // Written while the partition was plain (a version before schema 3 also left URL, headers and errors in the clear).
    const rig = await makeRig(config, { server });
    await rig.write(
      'POST',
      '/api/work-orders?ref=OLD-SECRET-URL',
      { title: 'OLD-SECRET-BODY' },
      {
        headers: [
          ['content-type', 'application/json'],
          ['x-tenant', 'OLD-SECRET-HEADER'],
        ],
      },
    );
    await rig.engine.ctx.history.add({
      kind: 'write',
      at: 1,
      event: 'failed',
      writeId: 'w',
      collection: 'work-orders',
      recordId: 'wo_9',
      method: 'PUT',
      status: 422,
      error: { code: 'rejected', message: 'OLD-SECRET-ERROR', details: { field: 'OLD-SECRET-DETAIL' } },
    });
    await rig.engine.close();

    const encrypted = await makeRig({ ...config, encryptAtRest: true }, { server, dbName: rig.dbName });
    const dump = await rawDump(encrypted.engine);
    for (const secret of [
      'OLD-SECRET-URL',
      'OLD-SECRET-BODY',
      'OLD-SECRET-HEADER',
      'OLD-SECRET-ERROR',
      'OLD-SECRET-DETAIL',
    ])
      expect(dump, secret).not.toContain(secret);
    expect(JSON.stringify(await encrypted.engine.getHistory())).toContain('OLD-SECRET-DETAIL');
    await encrypted.engine.sync();
    expect(server.live('work-orders').map((r) => r.title)).toEqual(['OLD-SECRET-BODY']);
  });
});
