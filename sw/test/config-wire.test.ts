/**
 * Issue #13: the wire adapter configuration is checked at `init()` like the rest: a wrong value is refused with
 * `invalid_config` naming the key, before anything is stored or sent.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/core/config.js';
import { OfflineKitError } from '../src/protocol/errors.js';

function refusedKey(input: unknown): string {
  try {
    validateConfig(input);
  } catch (error) {
    if (!(error instanceof OfflineKitError)) throw error;
    expect(error.code).toBe('invalid_config');
    const details: unknown = error.details;
    if (
      typeof details === 'object' &&
      details !== null &&
      'key' in details &&
      typeof details.key === 'string'
    ) {
      return details.key;
    }
    throw new Error(`invalid_config without a key: ${error.message}`);
  }
  throw new Error('the configuration was accepted');
}

const rest = (wire: unknown, collectionWire?: unknown, policy = 'read-write-lww'): unknown => ({
  apiBase: '/api',
  wire,
  collections: {
    'work-orders': { policy: 'read-write-lww' },
    notes: { policy, ...(collectionWire === undefined ? {} : { wire: collectionWire }) },
  },
});

describe('validateConfig: wire adapters', () => {
  it('accepts the README configurations (json-server, ETags per collection, every list and paging form)', () => {
    expect(() => validateConfig(rest({ kind: 'rest' }))).not.toThrow();
    expect(() =>
      validateConfig(
        rest(
          { kind: 'rest', list: 'array', idField: 'id', version: 'none', idempotency: false },
          { version: 'etag' },
          'read-write-conflict',
        ),
      ),
    ).not.toThrow();
    for (const list of ['array', { field: 'data' }, (body: unknown) => (Array.isArray(body) ? body : null)]) {
      expect(() => validateConfig(rest({ kind: 'rest', list }))).not.toThrow();
    }
    for (const paging of [
      'none',
      { kind: 'offset', limit: '_limit', offset: '_start' },
      { kind: 'page', page: 'page', size: 'per_page' },
      { kind: 'cursor', param: 'after', next: 'next' },
      { kind: 'link' },
    ]) {
      expect(() => validateConfig(rest({ kind: 'rest', paging }))).not.toThrow();
    }
    expect(() =>
      validateConfig(
        rest({
          kind: 'detect',
          version: { field: 'updatedAt' },
          delta: { param: 'since', field: 'updatedAt' },
        }),
      ),
    ).not.toThrow();
  });

  it('refuses read-write-conflict on a collection with no version, naming that collection’s key', () => {
    expect(refusedKey(rest({ kind: 'rest' }, undefined, 'read-write-conflict'))).toBe(
      'collections.notes.wire.version',
    );
    expect(refusedKey(rest({ kind: 'rest' }, { version: 'none' }, 'read-write-conflict'))).toBe(
      'collections.notes.wire.version',
    );
  });

  it('names the offending key of a wrong value, for the whole API and per collection', () => {
    expect(refusedKey(rest({ kind: 'soap' }))).toBe('wire.kind');
    expect(refusedKey(rest({ kind: 'rest', list: 42 }))).toMatch(/^wire\.list/);
    expect(refusedKey(rest({ kind: 'rest', idField: '' }))).toBe('wire.idField');
    expect(refusedKey(rest({ kind: 'rest', version: 'etags' }))).toMatch(/^wire\.version/);
    expect(refusedKey(rest({ kind: 'rest', stale: ['412'] }))).toMatch(/^wire\.stale/);
    expect(refusedKey(rest({ kind: 'rest', conflictCopy: 'header' }))).toBe('wire.conflictCopy');
    expect(refusedKey(rest({ kind: 'rest', idempotency: 'yes' }))).toBe('wire.idempotency');
    expect(refusedKey(rest({ kind: 'rest', paging: { kind: 'offset', limit: '_limit' } }))).toMatch(
      /^wire\.paging/,
    );
    expect(refusedKey(rest({ kind: 'rest', delta: { param: 'since' } }))).toMatch(/^wire\.delta/);
    expect(refusedKey(rest({ kind: 'rest', syncMeta: 1 }))).toBe('wire.syncMeta');
    expect(refusedKey(rest({ kind: 'rest', pagination: 'none' }))).toBe('wire.pagination');
    expect(refusedKey(rest('rest'))).toBe('wire');
    expect(refusedKey(rest({ kind: 'rest' }, { idField: 7 }))).toBe('collections.notes.wire.idField');
  });
});
