/**
 * Issue #13: Offline Kit in front of json-server, a plain REST API no one here wrote (bare arrays, numeric ids, no
 * version, no Idempotency-Key, no `/_sync`), configured as the README says: `wire: { kind: 'rest' }`,
 * `read-write-lww`. Each test checks what the app's own fetches get and what json-server finally holds.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, goOffline, goOnline, jsonBody, kitOf, waitFor, waitForQueueDrained } from '../harness/index.js';
import type { FixtureAnswer } from '../harness/index.js';
import { describe as show, isNumber, isObject, isString } from '../harness/guards.js';
import { startJsonServer, type JsonServerBackend } from '../harness/json-server.js';
import { appliedWrites } from '../harness/rest-origin.js';
import { useRestSuite } from '../harness/rest-suite.js';

type Row = Record<string, unknown>;

/** The answer as the app's code reads a json-server list: the body itself is the array. */
function arrayOf(answer: FixtureAnswer): Row[] {
  expect(answer.status, answer.text).toBe(200);
  expect(Array.isArray(answer.json), `a bare array, got ${answer.text.slice(0, 300)}`).toBe(true);
  const rows = answer.json as unknown[];
  return rows.map((row) => {
    if (!isObject(row)) throw new Error(`a list item that is not an object: ${show(row)}`);
    return row;
  });
}

/** What the app sees of a record, without the module's optional `_sync` field (the app may switch it off). */
function appView(rows: readonly Row[]): Row[] {
  return rows.map(({ _sync: _meta, ...fields }) => fields);
}

function idsOf(rows: readonly Row[]): unknown[] {
  return rows.map((r) => r.id);
}

async function loadOnline(page: Page, path = '/api/work-orders'): Promise<Row[]> {
  const answer = await api(page, 'GET', path);
  expect(answer.headers['offline-kit-source'] ?? 'network').not.toBe('local');
  return arrayOf(answer);
}

/** Drains the queue, then runs one more sync: a write that is sent again would show in the log after it. */
async function drainAndSyncAgain(page: Page): Promise<void> {
  await waitForQueueDrained(page);
  await kitOf(page).syncNow();
  await waitForQueueDrained(page);
}

function patchesOf(backend: JsonServerBackend, path: string): unknown[] {
  return backend.origin
    .log()
    .filter((e) => e.method === 'PATCH' && e.path === path && e.fault === null)
    .map((e) => e.body);
}

describe('a json-server backend (plain REST, read-write-lww)', () => {
  const suite = useRestSuite(startJsonServer, 'rest');

  it('answers an offline list as the same bare array, numeric ids, in the order json-server gave', async () => {
    const { context, page } = await suite.open();
    const online = await loadOnline(page);
    expect(idsOf(online)).toEqual([2, 10, 1]);

    await goOffline(context);
    const answer = await api(page, 'GET', '/api/work-orders');
    expect(answer.headers['offline-kit-source']).toBe('local');
    const offline = arrayOf(answer);
    expect(appView(offline)).toEqual(appView(online));
    // Numbers, not "2": the app compares ids with ===.
    for (const row of offline) expect(isNumber(row.id), show(row)).toBe(true);
    // An item likewise, in json-server's record shape.
    const item = await api(page, 'GET', '/api/work-orders/10');
    expect(item.status, item.text).toBe(200);
    expect(isObject(item.json) ? appView([item.json]) : item.json).toEqual(appView(online.slice(1, 2)));
  });

  it('shows an offline create in the offline list, then delivers it once when the API is back', async () => {
    const { context, page } = await suite.open();
    const online = await loadOnline(page);
    await goOffline(context);

    const created = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'Offline create', status: 'open' }),
    );
    expect(created.status, created.text).toBe(202);
    const list = arrayOf(await api(page, 'GET', '/api/work-orders'));
    expect(list.map((r) => r.title)).toEqual([...online.map((r) => r.title), 'Offline create']);
    // The ones json-server sent keep their numeric ids beside the pending one.
    expect(idsOf(list).slice(0, 3)).toEqual([2, 10, 1]);
    expect((await suite.backend.db())['work-orders']).toHaveLength(3);

    await goOnline(context);
    await waitFor(
      async () => (await suite.backend.db())['work-orders'].some((r) => r.title === 'Offline create'),
      { message: 'json-server to hold the offline create' },
    );
    await drainAndSyncAgain(page);
    const held = (await suite.backend.db())['work-orders'].filter((r) => r.title === 'Offline create');
    expect(held).toEqual([{ id: 11, title: 'Offline create', status: 'open' }]);
    expect(appliedWrites(suite.backend.origin.log(), 'POST', '/api/work-orders')).toHaveLength(1);
    // The app now reads json-server's id for it.
    const after = await loadOnline(page);
    expect(after.find((r) => r.title === 'Offline create')?.id).toBe(11);
  });

  it('keeps working while the API cannot be reached (the device online), and delivers once it is back', async () => {
    const { page } = await suite.open();
    const online = await loadOnline(page);
    const { faults } = suite.backend.origin;
    faults.unreachable();

    const list = await api(page, 'GET', '/api/work-orders');
    expect(list.headers['offline-kit-source']).toBe('local');
    expect(appView(arrayOf(list))).toEqual(appView(online));
    const created = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'While cut off' }));
    expect(created.status, created.text).toBe(202);
    expect(arrayOf(await api(page, 'GET', '/api/work-orders')).map((r) => r.title)).toContain(
      'While cut off',
    );

    // No `online` event comes (the browser never went offline): the module's own retry has to find the API again.
    faults.reachable();
    await waitFor(
      async () => (await suite.backend.db())['work-orders'].some((r) => r.title === 'While cut off'),
      { timeout: 15_000, message: 'json-server to hold the create made while it was unreachable' },
    );
    await drainAndSyncAgain(page);
    expect((await suite.backend.db())['work-orders'].filter((r) => r.title === 'While cut off')).toEqual([
      { id: 11, title: 'While cut off' },
    ]);
    expect(appliedWrites(suite.backend.origin.log(), 'POST', '/api/work-orders')).toHaveLength(1);
  });

  it('delivers offline edits of a numeric-id record in order, each applied once (no repeated PATCH)', async () => {
    const { context, page } = await suite.open();
    await loadOnline(page);
    await goOffline(context);

    const first = await api(page, 'PATCH', '/api/work-orders/2', jsonBody({ title: 'First edit' }));
    expect(first.status, first.text).toBe(202);
    // The optimistic record in json-server's shape: the last known copy with the change, the id still a number.
    expect(first.json).toMatchObject({
      id: 2,
      title: 'First edit',
      status: 'open',
      site: 'North yard',
    });
    const second = await api(page, 'PATCH', '/api/work-orders/2', jsonBody({ status: 'done' }));
    const third = await api(page, 'PATCH', '/api/work-orders/2', jsonBody({ title: 'Second edit' }));
    for (const answer of [second, third]) expect(answer.status, answer.text).toBe(202);

    await goOnline(context);
    await drainAndSyncAgain(page);
    expect(patchesOf(suite.backend, '/api/work-orders/2')).toEqual([
      { title: 'First edit' },
      { status: 'done' },
      { title: 'Second edit' },
    ]);
    expect((await suite.backend.db())['work-orders'].find((r) => r.id === 2)).toEqual({
      id: 2,
      title: 'Second edit',
      status: 'done',
      site: 'North yard',
    });
  });

  it('sends an edit made by temporary id to the record json-server created, and rewrites the note’s workOrderId', async () => {
    const { context, page } = await suite.open();
    await loadOnline(page);
    await goOffline(context);

    const created = await api(
      page,
      'POST',
      '/api/work-orders',
      jsonBody({ title: 'New job', status: 'open' }),
    );
    expect(created.status, created.text).toBe(202);
    const tempId = isObject(created.json) ? created.json.id : undefined;
    if (!isString(tempId)) throw new Error(`no temporary id in ${created.text}`);
    const note = await api(
      page,
      'POST',
      '/api/notes',
      jsonBody({ workOrderId: tempId, text: 'Gate code 4711' }),
    );
    expect(note.status, note.text).toBe(202);

    await goOnline(context);
    await drainAndSyncAgain(page);
    const db = await suite.backend.db();
    expect(db['work-orders'].filter((r) => r.title === 'New job')).toEqual([
      { id: 11, title: 'New job', status: 'open' },
    ]);
    // The number json-server gave, not the temporary id and not "11".
    expect(db.notes.filter((n) => n.text === 'Gate code 4711')).toEqual([
      { id: 2, workOrderId: 11, text: 'Gate code 4711' },
    ]);

    // The app still holds the temporary id from the 202 answer: an edit made with it reaches record 11.
    await goOffline(context);
    const edit = await api(page, 'PATCH', `/api/work-orders/${tempId}`, jsonBody({ status: 'done' }));
    expect(edit.status, edit.text).toBe(202);
    await goOnline(context);
    await drainAndSyncAgain(page);
    expect((await suite.backend.db())['work-orders'].find((r) => r.id === 11)).toEqual({
      id: 11,
      title: 'New job',
      status: 'done',
    });
    expect(patchesOf(suite.backend, '/api/work-orders/11')).toEqual([{ status: 'done' }]);
    expect(suite.backend.origin.log().filter((e) => e.path.includes('tmp_'))).toEqual([]);
  });

  it('answers ?status=open offline from the local copy in the order of its last online answer, pending edits included', async () => {
    const { context, page } = await suite.open();
    await loadOnline(page);
    const openOnline = await loadOnline(page, '/api/work-orders?status=open');
    expect(idsOf(openOnline)).toEqual([2, 1]);
    await goOffline(context);

    const cached = await api(page, 'GET', '/api/work-orders?status=open');
    expect(cached.headers['offline-kit-source']).toBe('local');
    expect(appView(arrayOf(cached))).toEqual(appView(openOnline));

    // Reopened offline: the filter sees the pending change.
    const reopen = await api(page, 'PATCH', '/api/work-orders/10', jsonBody({ status: 'open' }));
    expect(reopen.status, reopen.text).toBe(202);
    const filtered = arrayOf(await api(page, 'GET', '/api/work-orders?status=open'));
    expect(filtered.every((r) => r.status === 'open')).toBe(true);
    expect(new Set(idsOf(filtered))).toEqual(new Set([2, 10, 1]));
    // The records of the last online answer keep its order; where a record that matches only now goes is not promised.
    expect(idsOf(filtered).filter((id) => id !== 10)).toEqual([2, 1]);
    const done = arrayOf(await api(page, 'GET', '/api/work-orders?status=done'));
    expect(done).toEqual([]);
  });

  it('a list answer it cannot read (an object, not the array) is a typed error in the history; the worker, the local copy and the queued write are kept', async () => {
    const { context, page } = await suite.open();
    await loadOnline(page);
    await goOffline(context);
    const edit = await api(page, 'PATCH', '/api/work-orders/2', jsonBody({ title: 'Kept' }));
    expect(edit.status, edit.text).toBe(202);

    // A JSON answer, 200, that is not a list of records: what an API in maintenance mode or a wrong route gives.
    suite.backend.origin.faults.answerNext(5, { message: 'Service in maintenance' }, { methods: ['GET'] });
    await goOnline(context);
    const failedRun = await waitFor(
      async () =>
        (await kitOf(page).getHistory({ limit: 50 })).find(
          (e) => e.kind === 'run' && e.error?.code === 'bad_response',
        ),
      { timeout: 15_000, message: 'a sync run that failed with bad_response' },
    );
    expect(failedRun.kind).toBe('run');
    await waitForQueueDrained(page);
    suite.backend.origin.faults.clear();

    // The write went through once; the worker still answers; the bad answer replaced nothing.
    expect(patchesOf(suite.backend, '/api/work-orders/2')).toEqual([{ title: 'Kept' }]);
    expect((await suite.backend.db())['work-orders'].find((r) => r.id === 2)?.title).toBe('Kept');
    expect((await kitOf(page).getStatus()).pending).toBe(0);
    await goOffline(context);
    const offline = await api(page, 'GET', '/api/work-orders');
    expect(offline.headers['offline-kit-source'], `${offline.status} ${offline.text.slice(0, 200)}`).toBe(
      'local',
    );
    const rows = arrayOf(offline);
    expect(idsOf(rows)).toEqual([2, 10, 1]);
    expect(rows[0]?.title).toBe('Kept');
  });

  /** The list as the app reads it from the local copy: source header `local`, json-server's array. */
  async function expectLocalList(
    page: Page,
    online: readonly Row[],
    headers?: Record<string, string>,
  ): Promise<void> {
    const answer = await api(page, 'GET', '/api/work-orders', undefined, headers);
    expect(answer.headers['offline-kit-source'], `${answer.status} ${answer.text.slice(0, 200)}`).toBe(
      'local',
    );
    expect(appView(arrayOf(answer))).toEqual(appView(online));
  }

  it.each([
    ['a 500', 'fail'],
    ['a captive portal’s HTML login page (200 text/html)', 'portal'],
  ] as const)(
    'answers a read that got %s from the local copy, and does not store it',
    async (_what, fault) => {
      const { context, page } = await suite.open();
      const online = await loadOnline(page);
      const { faults } = suite.backend.origin;

      // Only the app's read gets the bad answer (marked with a header), not a pull the module may make meanwhile.
      const match = { methods: ['GET'], header: 'x-app-read' };
      if (fault === 'fail') faults.failNext(1, match);
      else faults.portalNext(1, match);
      await expectLocalList(page, online, { 'x-app-read': 'list' });
      // The bad answer did reach the worker: it asked the network and did not skip it.
      const faulted = suite.backend.origin.log().filter((e) => e.fault !== null);
      expect(faulted.map((e) => `${e.fault} ${e.method} ${e.path}`)).toEqual([
        `${fault} GET /api/work-orders`,
      ]);

      // It did not replace the local copy: offline, the list is still json-server's.
      await goOffline(context);
      await expectLocalList(page, online);
    },
  );
});
