import { describe, expect, it } from 'vitest';
import { OfflineKitError } from '../src/protocol/errors.js';
import { validateConfig } from '../src/core/config.js';

function keyOf(input: unknown): string | undefined {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(OfflineKitError);
    const e = error as OfflineKitError;
    expect(e.code).toBe('invalid_config');
    return (e.details as { key: string }).key;
  }
  return undefined;
}

const ok = { apiBase: '/api', collections: { notes: { policy: 'read-write-lww' } } };

describe('validateConfig', () => {
  it('fills in the documented defaults', () => {
    const c = validateConfig(ok);
    const notes = c.collections.get('notes');
    expect(notes).toMatchObject({
      read: 'network-first',
      networkTimeoutMs: 3000,
      conflict: 'manual',
      pageSize: 500,
    });
    expect(c.syncUnits.get('all')).toEqual(['notes']);
    expect(c).toMatchObject({
      batch: true,
      concurrency: 6,
      maxBodyBytes: 10485760,
      historyLimit: 2000,
      dbName: 'offline-kit',
    });
    expect(c.retry).toEqual({
      initialDelayMs: 1000,
      maxDelayMs: 60000,
      factor: 2,
      jitter: 0.5,
      maxAttempts: 0,
    });
  });

  it('names the offending key', () => {
    expect(keyOf({ ...ok, apiBase: 'api' })).toBe('apiBase');
    expect(keyOf({ ...ok, apiBase: 'http://other.example/api' })).toBe('apiBase');
    expect(keyOf({ apiBase: '/api', collections: {} })).toBe('collections');
    expect(keyOf({ apiBase: '/api', collections: { notes: { policy: 'sometimes' } } })).toBe(
      'collections.notes.policy',
    );
    expect(keyOf({ apiBase: '/api', collections: { notes: { policy: 'read-only', read: 'fast' } } })).toBe(
      'collections.notes.read',
    );
    expect(
      keyOf({ apiBase: '/api', collections: { notes: { policy: 'read-only', conflict: 'coin-flip' } } }),
    ).toBe('collections.notes.conflict');
    expect(
      keyOf({
        apiBase: '/api',
        collections: { notes: { policy: 'read-only', parents: [{ field: 'x', collection: 'nope' }] } },
      }),
    ).toBe('collections.notes.parents.0.collection');
    expect(keyOf({ ...ok, syncUnits: { login: ['missing'] } })).toBe('syncUnits.login.0');
    expect(keyOf({ ...ok, syncUnits: { all: ['notes'] } })).toBe('syncUnits.all');
    expect(keyOf({ ...ok, triggers: { intervalMs: -1 } })).toBe('triggers.intervalMs');
    expect(keyOf({ ...ok, retry: { jitter: 2 } })).toBe('retry.jitter');
    expect(keyOf({ ...ok, retry: { initialDelayMs: 5000, maxDelayMs: 10 } })).toBe('retry.maxDelayMs');
    expect(keyOf({ ...ok, concurrency: 0 })).toBe('concurrency');
    expect(keyOf({ ...ok, credentials: 'token' })).toBe('credentials');
    expect(keyOf({ ...ok, triggres: {} })).toBe('triggres');
    expect(keyOf({ apiBase: '/api', collections: { _sync: { policy: 'read-only' } } })).toBe(
      'collections._sync',
    );
    expect(keyOf(null)).toBe('config');
  });

  it('accepts a merge function as a conflict strategy and strips a trailing slash from apiBase', () => {
    const merge = () => null;
    const c = validateConfig({
      apiBase: '/api/',
      collections: { notes: { policy: 'read-write-conflict', conflict: merge } },
    });
    expect(c.apiBase).toBe('/api');
    expect(c.collections.get('notes')?.conflict).toBe(merge);
  });

  it('checks replayHeaders (lowercase names, never credentials) and adds them to the default allow-list', () => {
    expect(keyOf({ ...ok, replayHeaders: 'x-api-key' })).toBe('replayHeaders');
    expect(keyOf({ ...ok, replayHeaders: ['X-Api-Key'] })).toBe('replayHeaders.0');
    expect(keyOf({ ...ok, replayHeaders: ['x-tenant', 'authorization'] })).toBe('replayHeaders.1');
    expect(keyOf({ ...ok, replayHeaders: ['cookie'] })).toBe('replayHeaders.0');
    expect(keyOf({ ...ok, replayHeaders: ['proxy-authorization'] })).toBe('replayHeaders.0');
    expect(keyOf({ ...ok, replayHeaders: ['idempotency-key'] })).toBe('replayHeaders.0');
    expect([...validateConfig(ok).replayHeaders].sort()).toEqual([
      'accept',
      'accept-language',
      'content-language',
      'content-type',
      'if-unmodified-since',
    ]);
    expect(validateConfig({ ...ok, replayHeaders: ['x-tenant'] }).replayHeaders.has('x-tenant')).toBe(true);
  });

  it("accepts encryptAtRest as a boolean or { key: 'app' }", () => {
    expect(validateConfig({ ...ok, encryptAtRest: true })).toMatchObject({
      encryptAtRest: true,
      encryptionKey: 'partition',
    });
    expect(validateConfig({ ...ok, encryptAtRest: { key: 'app' } })).toMatchObject({
      encryptAtRest: true,
      encryptionKey: 'app',
    });
    expect(keyOf({ ...ok, encryptAtRest: { key: 'stored' } })).toBe('encryptAtRest.key');
    expect(keyOf({ ...ok, encryptAtRest: { key: 'app', salt: 'x' } })).toBe('encryptAtRest.salt');
    expect(keyOf({ ...ok, encryptAtRest: 'yes' })).toBe('encryptAtRest');
  });
});
