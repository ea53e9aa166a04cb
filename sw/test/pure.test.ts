import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../src/core/model/backoff.js';
import { classify } from '../src/core/model/classify.js';
import { applyChange, diffFields, mergePatch, threeWayMerge } from '../src/core/model/records.js';
import { referencedTempIds, rewriteFields, rewriteUrl } from '../src/core/model/temp-ids.js';
import { parseListPage } from '../src/protocol/wire-guards.js';
import type { WriteMethod } from '../src/protocol/wire.js';

const retry = { initialDelayMs: 1000, maxDelayMs: 60000, factor: 2, jitter: 0.5, maxAttempts: 0 };

describe('back-off', () => {
  it('grows exponentially, is capped, and jitter only shortens', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, retry, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, retry, () => 0)).toBe(60000);
    expect(backoffDelay(3, retry, () => 1)).toBe(2000);
  });

  it('reads Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });

  it('drives a timer: the retry fires after the delay and not before', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    setTimeout(
      () => fired.push(Date.now()),
      backoffDelay(2, retry, () => 0),
    );
    vi.advanceTimersByTime(1999);
    expect(fired).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveLength(1);
    vi.useRealTimers();
  });
});

describe('classify', () => {
  const record = { id: 'wo_1', version: 2, title: 'x' };
  /** A write of wo_1 (a create names its temporary id). */
  const w = (method: WriteMethod) => ({ method, recordId: method === 'POST' ? 'tmp_1' : 'wo_1' });
  it('2xx with a record is success; 2xx without one is a delivery all the same, with a warning', () => {
    expect(classify(w('PUT'), 200, record, null)).toMatchObject({ kind: 'ok', record });
    expect(classify(w('PUT'), 200, undefined, null)).toMatchObject({
      kind: 'ok',
      record: null,
      unread: { code: 'bad_response' },
    });
    expect(classify(w('PATCH'), 200, { id: 2 }, null)).toMatchObject({
      kind: 'failed',
      error: { code: 'bad_response' },
    });
    expect(classify({ method: 'PATCH', recordId: '1' }, 200, { id: 1 }, null)).toMatchObject({ kind: 'ok' });
    expect(classify(w('POST'), 201, { id: 'x' }, null)).toMatchObject({ kind: 'ok', id: 'x' });
    expect(
      classify({ ...w('POST'), url: '/api/work-orders' }, 201, undefined, null, '/api/work-orders/17'),
    ).toMatchObject({ kind: 'ok', id: '17' });
    // A Location elsewhere names no record of this collection.
    expect(
      classify({ ...w('POST'), url: '/api/work-orders' }, 201, undefined, null, '/login?next=/x'),
    ).not.toHaveProperty('id');
    expect(classify(w('DELETE'), 200, { id: 'wo_1', version: 3, deleted: true }, null)).toMatchObject({
      kind: 'ok',
      deleted: true,
    });
  });
  it('409 keeps the server copy; 401 asks for credentials; 4xx fail; 5xx and 429 are retried', () => {
    expect(classify(w('PATCH'), 409, { error: 'conflict', current: record }, null)).toMatchObject({
      kind: 'conflict',
      server: record,
    });
    expect(
      classify(w('PATCH'), 409, { error: 'conflict', current: null, deleted: true }, null),
    ).toMatchObject({
      kind: 'conflict',
      serverDeleted: true,
    });
    // Only "deleted": true means deleted; a 409 without a usable copy (or with another record's) has none.
    for (const body of [{ error: 'conflict' }, { error: 'conflict', current: { ...record, id: 'wo_2' } }])
      expect(classify(w('PATCH'), 409, body, null)).toMatchObject({
        kind: 'conflict',
        server: null,
        serverDeleted: false,
      });
    expect(classify(w('PATCH'), 409, '<html>', null)).toMatchObject({ kind: 'transient' });
    expect(classify(w('PATCH'), 401, { error: 'unauthorized' }, null).kind).toBe('auth');
    expect(classify(w('PATCH'), 403, { error: 'forbidden' }, null)).toMatchObject({
      kind: 'failed',
      error: { code: 'forbidden' },
    });
    expect(classify(w('POST'), 400, { error: 'invalid_body' }, null)).toMatchObject({
      kind: 'failed',
      error: { status: 400 },
    });
    expect(classify(w('POST'), 503, undefined, 5000)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 5000,
    });
    expect(classify(w('POST'), 429, undefined, null).kind).toBe('transient');
  });
});

describe('records', () => {
  it('applies merge patches and changes', () => {
    expect(mergePatch({ a: 1, b: { c: 2 } }, { a: null, b: { d: 3 } })).toEqual({ b: { c: 2, d: 3 } });
    const base = { id: 'r', version: 4, title: 'a', status: 'open' };
    expect(applyChange(base, 'PATCH', 'r', { status: 'done' })).toEqual({ ...base, status: 'done' });
    expect(applyChange(base, 'PUT', 'r', { title: 'b' })).toEqual({ id: 'r', version: 4, title: 'b' });
    expect(applyChange(base, 'DELETE', 'r', null)).toBeNull();
    expect(applyChange(null, 'POST', 'tmp_1', { title: 'n', _sync: {} })).toEqual({
      id: 'tmp_1',
      title: 'n',
    });
  });
  it('three-way merge takes one-sided changes and reports clashes', () => {
    const base = { id: 'r', version: 1, title: 'a', status: 'open', notes: 'x' };
    const local = { ...base, title: 'local', notes: 'mine' };
    const server = { ...base, version: 2, status: 'done', notes: 'theirs' };
    const { merged, clashes } = threeWayMerge(base, local, server);
    expect(merged).toEqual({ title: 'local', status: 'done', notes: 'theirs' });
    expect(clashes).toEqual(['notes']);
    expect(diffFields(local, server)).toEqual(['notes', 'status', 'title']);
  });
});

describe('temporary ids', () => {
  const map = new Map([['tmp_a', 'wo_9']]);
  it('rewrites URL segments, query values and top-level fields', () => {
    expect(rewriteUrl('/api/work-orders/tmp_a', map)).toBe('/api/work-orders/wo_9');
    expect(rewriteUrl('/api/photos?workOrderId=tmp_a', map)).toBe('/api/photos?workOrderId=wo_9');
    expect(rewriteFields({ workOrderId: 'tmp_a', text: 'tmp_a is mine' }, map)).toEqual({
      workOrderId: 'wo_9',
      text: 'tmp_a is mine',
    });
    expect(rewriteFields({ text: 'x' }, map)).toBeNull();
    expect(referencedTempIds('/api/notes/tmp_n?x=tmp_q', { workOrderId: 'tmp_a' }).sort()).toEqual([
      'tmp_a',
      'tmp_n',
      'tmp_q',
    ]);
  });
});

describe('guards', () => {
  it('rejects malformed list answers', () => {
    expect(() => parseListPage('<html>')).toThrow(/records/);
    expect(() => parseListPage({ records: [{ id: 1 }] })).toThrow();
    expect(parseListPage([{ id: 'a', version: 1 }]).records).toHaveLength(1);
  });
});
