/**
 * Issue #13: a REST API with standard HTTP conditional requests (opaque ETags, `If-Match`, 412), configured
 * `wire: { kind: 'rest', version: 'etag' }`, `read-write-conflict`. What the user sees: a stale offline edit is kept as
 * a conflict with both versions, never written over the other one; resolving it keeps both changes; a fresh edit is
 * applied once.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';
import { startEtagApi } from '../harness/etag-api.js';
import { appliedWrites } from '../harness/rest-origin.js';
import { useRestSuite } from '../harness/rest-suite.js';

/** The app's list and detail views, loaded online: the detail answer carries the record's ETag. */
async function loadOnline(page: Page, id: number): Promise<void> {
  const list = await api(page, 'GET', '/api/work-orders');
  expect(list.status, list.text).toBe(200);
  const item = await api(page, 'GET', `/api/work-orders/${id}`);
  expect(item.status, item.text).toBe(200);
  expect(item.headers.etag).toMatch(/^"[^"]+"$/);
}

/** The application's fields of a record the module shows (without its optional `_sync` field). */
function appFields(record: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const { _sync: _meta, ...fields } = record ?? {};
  return fields;
}

describe('a REST API with ETags and 412 (read-write-conflict)', () => {
  const suite = useRestSuite(startEtagApi, 'etag');

  it('keeps a stale offline edit as a conflict with both versions, and resolving it keeps both changes', async () => {
    const { context, page } = await suite.open();
    const api412 = suite.backend;
    await loadOnline(page, 1);
    const etagAliceRead = api412.etagOf('work-orders', 1);

    await goOffline(context);
    const write = await api(page, 'PATCH', '/api/work-orders/1', jsonBody({ title: 'Alice title' }));
    expect(write.status, write.text).toBe(202);
    // Bob, on another device, changes another field meanwhile.
    api412.edit('work-orders', 1, { priority: 'urgent' });
    const etagAfterBob = api412.etagOf('work-orders', 1);
    await goOnline(context);

    const writeId = writeIdOf(write);
    const conflict = await waitFor(
      async () => (await kitOf(page).listConflicts()).find((c) => c.writeId === writeId),
      { message: 'the conflict to be listed' },
    );
    expect(String(conflict.recordId)).toBe('1');
    expect(conflict.local).toMatchObject({ title: 'Alice title', priority: 'normal' });
    // The 412 carried no copy: the server's version was read with a GET.
    expect(conflict.server).toMatchObject({ title: 'Replace the pump seal', priority: 'urgent' });
    expect(conflict.fields).toEqual(expect.arrayContaining(['title', 'priority']));
    const log = api412.origin.log();
    const refused = log.findIndex((e) => e.method === 'PATCH' && e.status === 412);
    expect(refused, JSON.stringify(log)).toBeGreaterThanOrEqual(0);
    expect(log[refused]?.ifMatch).toBe(etagAliceRead);
    expect(
      log
        .slice(refused + 1)
        .some((e) => e.method === 'GET' && e.path === '/api/work-orders/1' && e.status === 200),
    ).toBe(true);
    // Nothing was written over Bob's version.
    expect(api412.records('work-orders')[0]).toEqual({
      id: 1,
      title: 'Replace the pump seal',
      status: 'open',
      priority: 'urgent',
    });

    // The person keeps both: Bob's record with Alice's title.
    await kitOf(page).resolveConflict(writeId, {
      choice: 'merged',
      record: { ...appFields(conflict.server), title: appFields(conflict.local).title },
    });
    await waitForQueueDrained(page);
    expect(await kitOf(page).listConflicts()).toEqual([]);
    expect(api412.records('work-orders')[0]).toEqual({
      id: 1,
      title: 'Alice title',
      status: 'open',
      priority: 'urgent',
    });
    // Written on top of the version the person saw, so a third edit meanwhile would have been caught too.
    const resolution = api412.origin
      .log()
      .filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.status === 200);
    expect(resolution.map((e) => e.ifMatch)).toEqual([etagAfterBob]);
  });

  it('sends a fresh offline edit with If-Match of the ETag it read, applied once', async () => {
    const { context, page } = await suite.open();
    const api412 = suite.backend;
    await loadOnline(page, 2);
    const etag = api412.etagOf('work-orders', 2);

    await goOffline(context);
    const write = await api(page, 'PATCH', '/api/work-orders/2', jsonBody({ status: 'done' }));
    expect(write.status, write.text).toBe(202);
    expect(write.json).toMatchObject({ id: 2, status: 'done', title: 'Inspect the valve' });
    await goOnline(context);
    await waitForQueueDrained(page);
    await kitOf(page).syncNow();
    await waitForQueueDrained(page);

    const applied = appliedWrites(api412.origin.log(), 'PATCH', '/api/work-orders/2');
    expect(applied.map((e) => ({ ifMatch: e.ifMatch, body: e.body }))).toEqual([
      { ifMatch: etag, body: { status: 'done' } },
    ]);
    expect(api412.records('work-orders')[1]).toEqual({
      id: 2,
      title: 'Inspect the valve',
      status: 'done',
      priority: 'low',
    });
    // The page now reads the API's record, and the module keeps its new ETag for the next edit.
    const item = await api(page, 'GET', '/api/work-orders/2');
    expect(item.json).toMatchObject({ id: 2, status: 'done' });
    expect((await kitOf(page).getStatus()).conflicts).toBe(0);
  });
});
