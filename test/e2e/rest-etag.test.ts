/**
 * Issue #13: a REST API with standard HTTP conditional requests (opaque ETags, `If-Match`, 412), configured
 * `wire: { kind: 'rest', version: 'etag' }`, `read-write-conflict`. What the user sees: a stale offline edit is never
 * written over the other side's version; edits of different fields both survive; a field both sides changed is kept as
 * a conflict with both versions until a person resolves it; a fresh edit is applied once.
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

describe('a REST API with ETags and 412 (read-write-conflict)', () => {
  const suite = useRestSuite(startEtagApi, 'etag');

  /**
   * Alice edits `patch` offline on what she read; Bob changes `bobPatch` on the server meanwhile; Alice comes back.
   * Returns what the test needs to follow the write and check the wire.
   */
  async function staleEdit(
    patch: Record<string, unknown>,
    bobPatch: Record<string, unknown>,
  ): Promise<{ page: Page; writeId: string; etagAliceRead: string | null; etagAfterBob: string | null }> {
    const { context, page } = await suite.open();
    const backend = suite.backend;
    await loadOnline(page, 1);
    const etagAliceRead = backend.etagOf('work-orders', 1);
    await goOffline(context);
    const write = await api(page, 'PATCH', '/api/work-orders/1', jsonBody(patch));
    expect(write.status, write.text).toBe(202);
    backend.edit('work-orders', 1, bobPatch);
    const etagAfterBob = backend.etagOf('work-orders', 1);
    await goOnline(context);
    return { page, writeId: writeIdOf(write), etagAliceRead, etagAfterBob };
  }

  /** The stale write was refused 412 with Alice's ETag, and the server's copy then read with a GET (no copy in a 412). */
  function expectRefusedThenRead(etagAliceRead: string | null): void {
    const log = suite.backend.origin.log();
    const refused = log.findIndex((e) => e.method === 'PATCH' && e.status === 412);
    expect(refused, JSON.stringify(log)).toBeGreaterThanOrEqual(0);
    expect(log[refused]?.ifMatch).toBe(etagAliceRead);
    const reread = log
      .slice(refused + 1)
      .some((e) => e.method === 'GET' && e.path === '/api/work-orders/1' && e.status === 200);
    expect(reread, JSON.stringify(log)).toBe(true);
  }

  /** The writes the API applied to record 1 carried these If-Match values, in order. */
  function appliedIfMatch(): (string | null)[] {
    return suite.backend.origin
      .log()
      .filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.status === 200)
      .map((e) => e.ifMatch);
  }

  it('edits of different fields, one made offline on a stale ETag: no field is lost, on top of the current ETag', async () => {
    const { page, etagAliceRead, etagAfterBob } = await staleEdit(
      { title: 'Alice title' },
      { priority: 'urgent' },
    );
    await waitFor(() => suite.backend.records('work-orders')[0]?.title === 'Alice title', {
      timeout: 15_000,
      message: 'the API to hold Alice’s title',
    });
    await waitForQueueDrained(page);
    expect(suite.backend.records('work-orders')[0]).toEqual({
      id: 1,
      title: 'Alice title',
      status: 'open',
      priority: 'urgent',
    });
    expectRefusedThenRead(etagAliceRead);
    // Written on the version it had read again, so a third edit meanwhile would have been caught too.
    expect(appliedIfMatch()).toEqual([etagAfterBob]);
    expect(await kitOf(page).listConflicts()).toEqual([]);
  });

  it('the same field changed on both sides is kept as a conflict with both versions; "mine" keeps the other side’s field', async () => {
    const { page, writeId, etagAliceRead, etagAfterBob } = await staleEdit(
      { title: 'Alice title' },
      { title: 'Bob title', priority: 'urgent' },
    );
    const conflict = await waitFor(
      async () => (await kitOf(page).listConflicts()).find((c) => c.writeId === writeId),
      { timeout: 15_000, message: 'the conflict to be listed' },
    );
    expect(String(conflict.recordId)).toBe('1');
    expect(conflict.local).toMatchObject({ title: 'Alice title' });
    expect(conflict.server).toMatchObject({ title: 'Bob title', priority: 'urgent' });
    // Named alone: the one field both changed.
    expect(conflict.fields).toEqual(['title']);
    expectRefusedThenRead(etagAliceRead);
    // Nothing was written over Bob's version.
    expect(suite.backend.records('work-orders')[0]).toEqual({
      id: 1,
      title: 'Bob title',
      status: 'open',
      priority: 'urgent',
    });
    expect(appliedIfMatch()).toEqual([]);

    await kitOf(page).resolveConflict(writeId, { choice: 'local' });
    await waitForQueueDrained(page);
    expect(await kitOf(page).listConflicts()).toEqual([]);
    expect(suite.backend.records('work-orders')[0]).toEqual({
      id: 1,
      title: 'Alice title',
      status: 'open',
      priority: 'urgent',
    });
    expect(appliedIfMatch()).toEqual([etagAfterBob]);
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
