import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres.js';
import { seed, serve, type TestServer } from './app.js';
import { Client, bodyOf, conformanceSuite } from './conformance.js';
import { startCluster, type Cluster } from './pg-cluster.js';

// One cluster for the file, started here and stopped by its pid; each test in a fresh schema.
let cluster: Cluster;
const pools: pg.Pool[] = [];
let schemas = 0;

function newPool(): pg.Pool {
  const pool = new pg.Pool({ ...cluster.config, max: 10 });
  // An idle connection the server ends (at shutdown) reports here instead of crashing the run.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  for (const pool of pools) await pool.end();
  await cluster.stop();
});

conformanceSuite('PostgreSQL', {
  open() {
    schemas += 1;
    return PostgresStore.open({ pool: pools[0] ?? newPool(), schema: `conformance_${schemas}` });
  },
});

describe('PostgreSQL with several app servers', () => {
  /** Two app servers (each its own pool, as two processes would have) over one schema. */
  async function twoServers(): Promise<{
    a: TestServer;
    b: TestServer;
    stores: PostgresStore[];
    close: () => Promise<void>;
  }> {
    schemas += 1;
    const schema = `servers_${schemas}`;
    const stores = [
      await PostgresStore.open({ pool: newPool(), schema }),
      await PostgresStore.open({ pool: newPool(), schema }),
    ];
    const [storeA, storeB] = stores as [PostgresStore, PostgresStore];
    const a = await serve(storeA);
    const b = await serve(storeB);
    await seed(a.sync);
    return { a, b, stores, close: async () => void (await Promise.all([a.close(), b.close()])) };
  }

  it('a delta pull never skips a row that a slower transaction committed later with a lower sequence number', async () => {
    const { a, stores, close } = await twoServers();
    const store = stores[0] as PostgresStore;
    const client = new Client(a.url);
    const first = bodyOf(await client.as('carol', 'GET', '/api/parts?limit=1000'));
    const local = new Set((first.records as { id: string }[]).map((r) => r.id));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const started = new Promise<void>((resolve) => (opened = resolve));
    // The slow transaction takes its sequence number first and commits last.
    const slow = store.write(async (tx) => {
      await tx.insert('parts', 'pt_slow', { name: 'slow' }, null);
      opened();
      await gate;
    });
    await started;
    await a.sync.changes.create('parts', { name: 'fast' });
    const during = bodyOf(await client.as('carol', 'GET', `/api/parts?since=${String(first.cursor)}`));
    for (const r of during.records as { id: string }[]) local.add(r.id);
    release();
    await slow;
    const after = bodyOf(await client.as('carol', 'GET', `/api/parts?since=${String(during.cursor)}`));
    for (const r of after.records as { id: string }[]) local.add(r.id);
    const server = (await a.sync.changes.all('parts')).map((r) => String(r.id));
    expect([...local].sort()).toEqual(server.sort());
    expect(local.has('pt_slow')).toBe(true);
    await close();
  });

  it('a create on one app server does not wait for another app server whose transaction created a record of the same collection', async () => {
    // Found by `npm run loadtest`: ids came from one counter row per collection, locked until commit, so every create
    // of a collection waited for the slowest open transaction that had created one, on any app server.
    const { a, b, stores, close } = await twoServers();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const started = new Promise<void>((resolve) => (opened = resolve));
    const slow = (stores[0] as PostgresStore).write(async (tx) => {
      const id = `wo_${await tx.nextId('wo')}`;
      await tx.insert('work-orders', id, { title: 'Slow', assignees: ['alice'] }, null);
      opened();
      await gate;
      return id;
    });
    await started;
    const fast = new Client(b.url).write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Fast' },
      {
        'idempotency-key': randomUUID(),
      },
    );
    const answer = await Promise.race([
      fast,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000)),
    ]);
    release();
    const slowId = await slow;
    expect(answer?.status).toBe(201);
    // Ids stay unique per collection, whoever commits first.
    const fastId = String(bodyOf(await fast).id);
    expect(fastId).not.toBe(slowId);
    const ids = (await a.sync.changes.all('work-orders')).map((r) => String(r.id));
    expect(new Set(ids).size).toBe(ids.length);
    await close();
  });

  it('ids go on from the counter a database written before id sequences holds', async () => {
    schemas += 1;
    const pool = newPool();
    const store = await PostgresStore.open({ pool, schema: `counters_${schemas}` });
    await pool.query(`INSERT INTO counters_${schemas}.ok_counters (prefix, value) VALUES ('wo', 7)`);
    const server = await serve(store);
    const created = await new Client(server.url).write(
      'alice',
      'POST',
      '/api/work-orders',
      { title: 'Next' },
      {
        'idempotency-key': randomUUID(),
      },
    );
    expect([created.status, bodyOf(created).id]).toEqual([201, 'wo_8']);
    await server.close();
  });

  it('an Idempotency-Key replayed to another app server answers the first answer, at once or later', async () => {
    const { a, b, close } = await twoServers();
    const key = randomUUID();
    const send = (server: TestServer): ReturnType<Client['write']> =>
      new Client(server.url).write(
        'alice',
        'POST',
        '/api/work-orders',
        { title: 'Replayed' },
        { 'idempotency-key': key },
      );
    const first = await send(a);
    const replay = await send(b);
    expect([first.status, replay.status, replay.headers.get('idempotent-replay')]).toEqual([
      201,
      201,
      'true',
    ]);
    expect(replay.body).toEqual(first.body);
    // The same key to both at the same moment: one applies, the other waits on the key's row and replays it.
    const racing = randomUUID();
    const [x, y] = await Promise.all(
      [a, b].map((server) =>
        new Client(server.url).write(
          'bob',
          'POST',
          '/api/work-orders',
          { title: 'Raced' },
          { 'idempotency-key': racing },
        ),
      ),
    );
    expect([x?.status, y?.status]).toEqual([201, 201]);
    expect(x?.body).toEqual(y?.body);
    const titles = (await a.sync.changes.all('work-orders')).map((r) => r.title);
    expect(titles.filter((t) => t === 'Replayed')).toHaveLength(1);
    expect(titles.filter((t) => t === 'Raced')).toHaveLength(1);
    await close();
  });

  it('two conflicting writes to one record from two app servers at once: exactly one wins, the other gets 409 with its copy', async () => {
    const { a, b, close } = await twoServers();
    for (const id of ['wo_1', 'wo_2', 'wo_4']) {
      const [x, y] = await Promise.all(
        [a, b].map((server, i) =>
          new Client(server.url).write(
            'alice',
            'PATCH',
            `/api/work-orders/${id}`,
            { description: `from ${i}` },
            { 'if-match': '"1"' },
          ),
        ),
      );
      const answers = [x, y].filter((answer) => answer !== undefined);
      const winner = answers.find((answer) => answer.status === 200);
      const loser = answers.find((answer) => answer.status === 409);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(bodyOf(loser ?? answers[0]!).current).toEqual(winner?.body);
      const stored = (await a.sync.changes.all('work-orders')).find((r) => r.id === id);
      expect(stored).toMatchObject({ version: 2, description: bodyOf(winner ?? answers[0]!).description });
    }
    await close();
  });

  it('a conditional update that read a version another transaction has since committed over writes nothing', async () => {
    const { a, stores, close } = await twoServers();
    const [one, two] = stores as [PostgresStore, PostgresStore];
    let readDone!: () => void;
    const bothRead = new Promise<void>((resolve) => (readDone = resolve));
    let otherCommitted!: () => void;
    const committed = new Promise<void>((resolve) => (otherCommitted = resolve));
    // Transaction one reads version 1, waits until two has committed version 2, then tries to write on version 1.
    const late = one.write(async (tx) => {
      const base = await tx.get('work-orders', 'wo_1');
      readDone();
      await committed;
      return tx.update(base!, { ...base!.data, title: 'late' }, false);
    });
    await bothRead;
    await two.write(async (tx) => {
      const base = await tx.get('work-orders', 'wo_1');
      return tx.update(base!, { ...base!.data, title: 'first' }, false);
    });
    otherCommitted();
    expect(await late).toBeNull();
    expect((await a.sync.changes.all('work-orders')).find((r) => r.id === 'wo_1')).toMatchObject({
      version: 2,
      title: 'first',
    });
    await close();
  });

  it('an app server whose connections die in the middle of a batch loses nothing and doubles nothing', async () => {
    schemas += 1;
    const schema = `crash_${schemas}`;
    // The app server that dies: its own pool, named so its sessions can be found and ended.
    const dying = new pg.Pool({ ...cluster.config, max: 4, application_name: 'dying-app-server' });
    dying.on('error', () => undefined);
    pools.push(dying);
    const storeA = await PostgresStore.open({ pool: dying, schema });
    const storeB = await PostgresStore.open({ pool: newPool(), schema });
    const a = await serve(storeA);
    const b = await serve(storeB);
    await seed(b.sync);
    const writes = Array.from({ length: 100 }, (_, i) => ({
      key: randomUUID(),
      method: 'POST',
      path: '/api/work-orders',
      tempId: `tmp_crash_${i}`,
      body: { title: `crash ${i}` },
    }));
    const mine = async (): Promise<string[]> =>
      (await b.sync.changes.all('work-orders'))
        .map((r) => String(r.title))
        .filter((title) => title.startsWith('crash '));
    // The answer from the dying server never reaches the device: it is ignored, as after a SIGKILL.
    const lost = new Client(a.url).as('alice', 'POST', '/api/_batch', { json: { writes } }).catch(() => null);
    const admin = new pg.Client(cluster.config);
    await admin.connect();
    let before = 0;
    for (let i = 0; i < 500 && before < 5; i += 1) {
      before = (await mine()).length;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dying-app-server'",
    );
    await admin.end();
    await lost;
    await a.close();
    const committed = (await mine()).length;
    expect(committed).toBeGreaterThanOrEqual(5);
    expect(committed).toBeLessThan(100);
    // The device sends the same batch again, to the app server that lives.
    const again = bodyOf(await new Client(b.url).as('alice', 'POST', '/api/_batch', { json: { writes } }));
    const results = again.results as { status: number; body: { id: string } }[];
    expect(results.map((r) => r.status)).toEqual(writes.map(() => 201));
    const titles = await mine();
    expect(titles.sort()).toEqual(writes.map((w) => w.body.title).sort());
    expect(new Set(results.map((r) => r.body.id)).size).toBe(100);
    expect(Object.keys(again.idMap as object)).toHaveLength(100);
    await b.close();
  });
});
