import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineKitExpress } from '../src/adapters/express.js';
import { offlineKitFastify } from '../src/adapters/fastify.js';
import { createSyncHandler, type SyncHandler } from '../src/index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { COLLECTIONS } from './app.js';

function handler(): SyncHandler {
  return createSyncHandler({
    collections: COLLECTIONS,
    store: new SqliteStore(),
    auth: (req) => (req.headers.authorization === 'Bearer alice' ? { id: 'alice' } : null),
  });
}

/** What a client sees through a framework: a create, a replay, a read, and the app's own route beside them. */
async function exercise(url: string, badJson = true): Promise<void> {
  const key = randomUUID();
  const headers = {
    authorization: 'Bearer alice',
    'content-type': 'application/json',
    'idempotency-key': key,
  };
  const body = JSON.stringify({ title: 'Through a framework' });
  const created = await fetch(`${url}/api/work-orders`, { method: 'POST', headers, body });
  expect(created.status).toBe(201);
  const record = (await created.json()) as { id: string };
  const again = await fetch(`${url}/api/work-orders`, { method: 'POST', headers, body });
  expect([again.status, again.headers.get('idempotent-replay')]).toEqual([201, 'true']);
  expect(await again.json()).toEqual(record);
  const list = await fetch(`${url}/api/work-orders`, { headers: { authorization: 'Bearer alice' } });
  expect(list.headers.get('offline-kit-protocol')).toBe('1');
  expect(((await list.json()) as { records: { id: string }[] }).records.map((r) => r.id)).toEqual([
    record.id,
  ]);
  // Behind express.json(), malformed JSON is that parser's to answer (its own 400 page), not the library's.
  if (!badJson) return;
  const bad = await fetch(`${url}/api/work-orders`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': randomUUID() },
    body: '{',
  });
  expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'invalid_json']);
  expect((await fetch(`${url}/api/work-orders`)).status).toBe(401);
  expect(await (await fetch(`${url}/hello`)).text()).toBe('own route');
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('framework adapters', () => {
  for (const jsonFirst of [false, true]) {
    it(`Express 5: the middleware answers the sync API and passes on the app's own routes${jsonFirst ? ', behind express.json()' : ''}`, async () => {
      const app = express();
      if (jsonFirst) app.use(express.json());
      app.use(offlineKitExpress(handler()));
      app.use(express.json());
      app.get('/hello', (_req, res) => {
        res.send('own route');
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
      await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, !jsonFirst);
    });
  }

  it('Fastify 5: the plugin answers the sync API beside the app own routes', async () => {
    const app = Fastify();
    await app.register(offlineKitFastify(handler()));
    app.get('/hello', () => 'own route');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    stop = () => app.close();
    await exercise(url);
  });

  it('the README snippet is the file test/readme/express-app.ts, which the type-check compiles', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const file = readFileSync(new URL('./readme/express-app.ts', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${file}\`\`\``);
    expect(file.trim().split('\n').length).toBeLessThan(20);
  });
});
