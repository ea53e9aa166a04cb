/** The wire adapter's pure parts: configuration, reading and writing back records and lists, pull requests. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OfflineKitConfig } from '../src/protocol/config.js';
import { OfflineKitError } from '../src/protocol/errors.js';
import { WireAdapter, nextLink } from '../src/core/adapter/adapter.js';
import { validateConfig } from '../src/core/config.js';

function wireOf(config: Partial<OfflineKitConfig>, collection = 'orders'): WireAdapter {
  const resolved = validateConfig({
    apiBase: '/api',
    collections: { orders: { policy: 'read-write-lww' } },
    ...config,
  });
  const c = resolved.collections.get(collection);
  if (!c) throw new Error('no collection');
  return new WireAdapter(c.wire, c.wire.kind === 'rest' ? false : null);
}

function keyOf(config: unknown): string | undefined {
  try {
    validateConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(OfflineKitError);
    return ((error as OfflineKitError).details as { key: string }).key;
  }
  return undefined;
}

describe('wire configuration', () => {
  it('names the offending key', () => {
    const base = { apiBase: '/api', collections: { orders: { policy: 'read-write-lww' } } };
    expect(keyOf({ ...base, wire: { kind: 'graphql' } })).toBe('wire.kind');
    expect(keyOf({ ...base, wire: { list: 'records' } })).toBe('wire.list');
    expect(keyOf({ ...base, wire: { lsit: 'array' } })).toBe('wire.lsit');
    expect(keyOf({ ...base, wire: { stale: [200] } })).toBe('wire.stale');
    expect(keyOf({ ...base, wire: { paging: { kind: 'offset', limit: '_limit' } } })).toBe(
      'wire.paging.offset',
    );
    expect(keyOf({ ...base, wire: { delta: { param: 'since' } } })).toBe('wire.delta.field');
    expect(
      keyOf({
        apiBase: '/api',
        wire: { kind: 'rest' },
        collections: { orders: { policy: 'read-write-conflict' } },
      }),
    ).toBe('collections.orders.wire.version');
    expect(
      keyOf({
        apiBase: '/api',
        collections: { orders: { policy: 'read-write-lww', wire: { kind: 'offline-kit', idField: '_id' } } },
      }),
    ).toBe('collections.orders.wire.kind');
  });

  it("merges a collection's wire over the API's, key by key", () => {
    const resolved = validateConfig({
      apiBase: '/api',
      wire: { kind: 'rest', list: { field: 'data' }, idField: 'uuid' },
      collections: { orders: { policy: 'read-write-conflict', wire: { version: 'etag' } } },
    });
    expect(resolved.collections.get('orders')?.wire).toMatchObject({
      kind: 'rest',
      list: { field: 'data' },
      idField: 'uuid',
      version: 'etag',
      stale: [409, 412],
    });
  });
});

describe('reading and writing back', () => {
  it('keeps numeric ids numeric and the API has no version field added', () => {
    const a = wireOf({ wire: { kind: 'rest' } });
    const core = a.record({ id: 7, title: 'x' });
    expect(core).toEqual({ id: '7', title: 'x', version: 0 });
    expect(a.toApi(core ?? { id: '' }, true)).toEqual({ id: 7, title: 'x' });
  });

  it('reads the version from the ETag or a field', () => {
    expect(wireOf({ wire: { kind: 'rest', version: 'etag' } }).record({ id: 1 }, 'W/"a1"')?.version).toBe(
      'W/"a1"',
    );
    const byField = wireOf({ wire: { kind: 'rest', version: { field: 'updatedAt' } } });
    expect(byField.record({ id: 1, updatedAt: '2026-01-01T00:00:00Z' })?.version).toBe(
      '2026-01-01T00:00:00Z',
    );
    expect(byField.ifMatch('2026-01-01T00:00:00Z')).toBe('"2026-01-01T00:00:00Z"');
    expect(wireOf({ wire: { kind: 'rest', version: 'etag' } }).ifMatch('W/"a1"')).toBe('W/"a1"');
    expect(wireOf({ wire: { kind: 'rest' } }).ifMatch(0)).toBeNull();
  });

  it('uses another id field and writes it back', () => {
    const a = wireOf({ wire: { kind: 'rest', idField: '_id' } });
    const core = a.record({ _id: 'abc', n: 1 });
    expect(core?.id).toBe('abc');
    expect(a.toApi(core ?? { id: '' }, false)).toEqual({ _id: 'abc', n: 1 });
  });

  it('finds the records of a list wherever the API keeps them, and says when an answer is no list', () => {
    const a = wireOf({ wire: { kind: 'rest' } });
    const none = () => ({ cursor: null, hasMore: false });
    expect(a.list([{ id: 1 }], none)?.shape.envelope).toBeNull();
    expect(a.list({ items: [{ id: 1 }], page: 2 }, none)?.shape.envelope).toEqual({
      field: 'items',
      rest: { page: 2 },
    });
    expect(a.list('<html>', none)).toBeNull();
    expect(a.list({ message: 'hi' }, none)).toBeNull();
    expect(a.list([{ name: 'no id' }], none)).toBeNull();
    const fn = wireOf({ wire: { kind: 'rest', list: (b) => (b as { d: { rows: unknown[] } }).d.rows } });
    expect(fn.list({ d: { rows: [{ id: 1 }] } }, none)?.page.records).toHaveLength(1);
    expect(fn.list(null, none)).toBeNull();
  });

  it('answers a list in the order and envelope of the online answer, records not in it after', () => {
    const a = wireOf({ wire: { kind: 'rest' } });
    const body = a.listBody(
      [{ id: '1' }, { id: '2' }, { id: '10' }, { id: 'tmp_x' }],
      { envelope: { field: 'data', rest: { total: 3 } }, order: ['10', '2', '1'] },
      true,
    );
    expect(body).toEqual({ total: 3, data: [{ id: 10 }, { id: 2 }, { id: 1 }, { id: 'tmp_x' }] });
  });

  it('reads and writes back any record of numeric ids unchanged (property)', () => {
    const a = wireOf({ wire: { kind: 'rest' } });
    const record = fc
      .record({
        id: fc.integer({ min: 0, max: 1e12 }),
        title: fc.string(),
        done: fc.boolean(),
        n: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      })
      .map((r) => ({ ...r }));
    fc.assert(
      fc.property(record, (r) => {
        const core = a.record(r);
        expect(core).not.toBeNull();
        expect(a.toApi(core ?? { id: '' }, true)).toEqual(r);
      }),
    );
  });
});

describe('pulls', () => {
  it('asks our protocol with limit and since, a REST API with its own paging', () => {
    expect(
      new WireAdapter(
        validateConfig({ apiBase: '/api', collections: { orders: { policy: 'read-only' } } }).collections.get(
          'orders',
        )!.wire,
        true,
      ).pullPath('/api/orders', 'c1', 50, null),
    ).toBe('/api/orders?limit=50&since=c1');
    expect(wireOf({ wire: { kind: 'rest' } }).pullPath('/api/orders', null, 50, null)).toBe('/api/orders');
    const offset = wireOf({
      wire: { kind: 'rest', paging: { kind: 'offset', limit: '_limit', offset: '_start' } },
    });
    expect(offset.pullPath('/api/orders', null, 50, null)).toBe('/api/orders?_limit=50&_start=0');
    expect(offset.pullNext([], new Array(50).fill({}), null, '100', 50, 'http://a.test')).toEqual({
      cursor: '150',
      hasMore: true,
    });
    expect(offset.pullNext([], [{}], null, '100', 50, 'http://a.test')).toEqual({
      cursor: null,
      hasMore: false,
    });
    const cursor = wireOf({
      wire: { kind: 'rest', paging: { kind: 'cursor', param: 'after', next: 'next' } },
    });
    expect(cursor.pullNext({ next: 'abc', items: [] }, [], null, null, 50, 'http://a.test')).toEqual({
      cursor: 'abc',
      hasMore: true,
    });
    expect(cursor.pullPath('/api/orders', 'abc', 50, null)).toBe('/api/orders?after=abc');
    const delta = wireOf({ wire: { kind: 'rest', delta: { param: 'updatedAt_gte', field: 'updatedAt' } } });
    expect(delta.pullPath('/api/orders', null, 50, '2026-01-02')).toBe(
      '/api/orders?updatedAt_gte=2026-01-02',
    );
    expect(delta.highest([{ updatedAt: '2026-01-03' }, { updatedAt: '2026-01-01' }], '2026-01-02')).toBe(
      '2026-01-03',
    );
  });

  it("follows a Link header's next page only on the same origin", () => {
    expect(
      nextLink(
        '<http://a.test/api/orders?page=2>; rel="next", <http://a.test/api/orders?page=9>; rel="last"',
        'http://a.test',
      ),
    ).toBe('/api/orders?page=2');
    expect(nextLink('<http://evil.test/x>; rel="next"', 'http://a.test')).toBeNull();
    expect(nextLink('<http://a.test/x>; rel="prev"', 'http://a.test')).toBeNull();
    expect(nextLink(null, 'http://a.test')).toBeNull();
  });
});
