/**
 * Validation of `OfflineKitConfig` and the defaults it resolves to. A wrong value throws
 * `OfflineKitError('invalid_config')` with `details.key` naming the offending key (`collections.notes.policy`).
 * Unknown keys are errors too: a typo (`triggres`) must not silently fall back to a default.
 */
import type {
  CollectionPolicy,
  ConflictStrategy,
  CredentialsProvider,
  JsonRecord,
  MigratableWrite,
  ParentRelation,
  ReadStrategy,
} from '../protocol/config.js';
import { OfflineKitError } from '../protocol/errors.js';
import { isObject, isSameOriginPath } from '../protocol/wire-guards.js';
import { checkWire, resolveWire, type ResolvedWire } from './adapter/wire-config.js';

export interface ResolvedCollection {
  name: string;
  policy: CollectionPolicy;
  read: ReadStrategy;
  networkTimeoutMs: number;
  conflict: ConflictStrategy;
  parents: ParentRelation[];
  blockSyncOnConflict: boolean;
  storeNoStore: boolean;
  pageSize: number;
  coalesceEdits: boolean;
  writable: boolean;
  /** Writes carry `If-Match`. */
  detectConflicts: boolean;
  /** How the collection is spoken on the wire (`adapter/`). */
  wire: ResolvedWire;
  /** The shape version of the collection's records and write bodies (`outbox/migrate.ts`). */
  schemaVersion: number;
  /** Null only while `schemaVersion` is 1 or the collection is read-only: nothing to migrate. */
  migrateWrite: ((write: MigratableWrite, fromVersion: number) => MigratableWrite | null) | null;
  migrateRecord: ((record: JsonRecord, fromVersion: number) => JsonRecord) | 'repull';
}

export interface ResolvedConfig {
  /** Without a trailing slash. */
  apiBase: string;
  collections: Map<string, ResolvedCollection>;
  syncUnits: Map<string, string[]>;
  triggers: {
    onOnline: boolean;
    onResume: boolean;
    afterLogin: boolean;
    intervalMs: number;
    onStart: boolean;
  };
  retry: { initialDelayMs: number; maxDelayMs: number; factor: number; jitter: number; maxAttempts: number };
  credentials: CredentialsProvider | null;
  batch: boolean;
  concurrency: number;
  maxBodyBytes: number;
  /** null: decided by the worker from its origin (on for localhost). */
  devtools: boolean | null;
  historyLimit: number;
  encryptAtRest: boolean;
  /** Where the key comes from when `encryptAtRest` is on: the partition's own, or the app (in memory only). */
  encryptionKey: 'partition' | 'app';
  /** Lowercase names of the request headers kept with a queued write and replayed (the default list + config). */
  replayHeaders: ReadonlySet<string>;
  dbName: string;
}

export const DEFAULTS = {
  read: 'network-first' as ReadStrategy,
  networkTimeoutMs: 3000,
  pageSize: 500,
  concurrency: 6,
  maxBodyBytes: 10 * 1024 * 1024,
  historyLimit: 2000,
  dbName: 'offline-kit',
  retry: { initialDelayMs: 1000, maxDelayMs: 60000, factor: 2, jitter: 0.5, maxAttempts: 0 },
  triggers: { onOnline: true, onResume: true, afterLogin: true, intervalMs: 0, onStart: true },
  /** Headers that describe the body or the answer wanted, never who is asking. */
  replayHeaders: ['content-type', 'accept', 'accept-language', 'content-language', 'if-unmodified-since'],
};

/** Credentials: replayed from `credentials` / `setCredentials`, never stored with a write. */
const NEVER_REPLAYED = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** Set by Offline Kit itself at each send; listing them would suggest the page's value is kept. */
const SET_BY_MODULE = new Set(['idempotency-key', 'if-match', 'offline-kit-temp-id', 'content-length']);

function resolveReplayHeaders(value: unknown): Set<string> {
  const out = new Set(DEFAULTS.replayHeaders);
  if (value === undefined) return out;
  if (!Array.isArray(value)) fail('replayHeaders', 'must be an array of lowercase header names');
  value.forEach((name: unknown, i) => {
    const key = `replayHeaders.${i}`;
    if (typeof name !== 'string' || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
      fail(key, 'must be a lowercase header name');
    if (NEVER_REPLAYED.has(name))
      fail(key, `"${name}" is a credential: hand it over with credentials / setCredentials, never stored`);
    if (SET_BY_MODULE.has(name)) fail(key, `"${name}" is set by Offline Kit at each send`);
    out.add(name);
  });
  return out;
}

function resolveEncryption(value: unknown): { encryptAtRest: boolean; encryptionKey: 'partition' | 'app' } {
  if (value === undefined || typeof value === 'boolean')
    return { encryptAtRest: value ?? false, encryptionKey: 'partition' };
  if (!isObject(value)) fail('encryptAtRest', "must be a boolean or { key: 'app' }");
  checkKeys(value, ['key'], 'encryptAtRest');
  if (value.key !== 'app') fail('encryptAtRest.key', "must be 'app'");
  return { encryptAtRest: true, encryptionKey: 'app' };
}

const POLICIES: readonly CollectionPolicy[] = [
  'read-only',
  'read-only-delta',
  'read-write-lww',
  'read-write-conflict',
];
const READS: readonly ReadStrategy[] = ['network-first', 'cache-first', 'stale-while-revalidate'];
const CONFLICTS = ['manual', 'server-wins', 'client-wins'];
const RESERVED = new Set(['_sync', '_batch']);

function fail(key: string, message: string): never {
  throw new OfflineKitError('invalid_config', `${key}: ${message}`, { details: { key } });
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(prefix ? `${prefix}.${key}` : key, 'unknown key');
  }
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(key, 'must be a boolean');
  return value;
}

function int(
  value: unknown,
  key: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(key, `must be an integer between ${min} and ${max}`);
  }
  return value;
}

function num(value: unknown, key: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(key, `must be a number between ${min} and ${max}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(key, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const COLLECTION_KEYS = [
  'policy',
  'read',
  'networkTimeoutMs',
  'conflict',
  'parents',
  'blockSyncOnConflict',
  'storeNoStore',
  'pageSize',
  'coalesceEdits',
  'wire',
  'schemaVersion',
  'migrateWrite',
  'migrateRecord',
];

/** The schema keys of a collection, checked together: a version above 1 must say how writes of older ones migrate. */
function resolveSchema(
  raw: Record<string, unknown>,
  key: string,
  writable: boolean,
): Pick<ResolvedCollection, 'schemaVersion' | 'migrateWrite' | 'migrateRecord'> {
  const schemaVersion = int(raw.schemaVersion, `${key}.schemaVersion`, 1, 1);
  if (raw.migrateWrite !== undefined && typeof raw.migrateWrite !== 'function')
    fail(`${key}.migrateWrite`, 'must be a function (write, fromVersion) => write | null');
  if (raw.migrateWrite === undefined && writable && schemaVersion > 1)
    fail(
      `${key}.migrateWrite`,
      `is required with schemaVersion ${schemaVersion}: writes queued under older versions must not be sent in their old shape`,
    );
  if (
    raw.migrateRecord !== undefined &&
    raw.migrateRecord !== 'repull' &&
    typeof raw.migrateRecord !== 'function'
  )
    fail(`${key}.migrateRecord`, "must be a function (record, fromVersion) => record, or 'repull'");
  return {
    schemaVersion,
    migrateWrite: (raw.migrateWrite as ResolvedCollection['migrateWrite'] | undefined) ?? null,
    migrateRecord: (raw.migrateRecord as ResolvedCollection['migrateRecord'] | undefined) ?? 'repull',
  };
}

function resolveCollection(name: string, raw: unknown, apiWire: Partial<ResolvedWire>): ResolvedCollection {
  const key = `collections.${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._~-]*$/.test(name) || RESERVED.has(name))
    fail(key, 'not a valid collection name');
  if (!isObject(raw)) fail(key, 'must be an object');
  checkKeys(raw, COLLECTION_KEYS, key);
  const policy = oneOf(raw.policy, `${key}.policy`, POLICIES);
  let conflict: ConflictStrategy = 'manual';
  if (raw.conflict !== undefined) {
    if (typeof raw.conflict === 'function') conflict = raw.conflict as ConflictStrategy;
    else conflict = oneOf(raw.conflict, `${key}.conflict`, CONFLICTS) as ConflictStrategy;
  }
  const parents: ParentRelation[] = [];
  if (raw.parents !== undefined) {
    if (!Array.isArray(raw.parents)) fail(`${key}.parents`, 'must be an array');
    raw.parents.forEach((p: unknown, i) => {
      const pk = `${key}.parents.${i}`;
      if (!isObject(p)) fail(pk, 'must be { field, collection }');
      checkKeys(p, ['field', 'collection'], pk);
      if (typeof p.field !== 'string' || p.field === '') fail(`${pk}.field`, 'must be a non-empty string');
      if (typeof p.collection !== 'string') fail(`${pk}.collection`, 'must be a collection name');
      parents.push({ field: p.field, collection: p.collection });
    });
  }
  const writable = policy === 'read-write-lww' || policy === 'read-write-conflict';
  return {
    name,
    policy,
    read: oneOf(raw.read, `${key}.read`, READS, DEFAULTS.read),
    networkTimeoutMs: int(
      raw.networkTimeoutMs,
      `${key}.networkTimeoutMs`,
      DEFAULTS.networkTimeoutMs,
      1,
      600000,
    ),
    conflict,
    parents,
    blockSyncOnConflict: bool(raw.blockSyncOnConflict, `${key}.blockSyncOnConflict`, false),
    storeNoStore: bool(raw.storeNoStore, `${key}.storeNoStore`, false),
    pageSize: int(raw.pageSize, `${key}.pageSize`, DEFAULTS.pageSize, 1, 10000),
    coalesceEdits: bool(raw.coalesceEdits, `${key}.coalesceEdits`, false),
    writable,
    detectConflicts: policy === 'read-write-conflict',
    wire: resolveWire(apiWire, checkWire(raw.wire, `${key}.wire`), key, policy === 'read-write-conflict'),
    ...resolveSchema(raw, key, writable),
  };
}

const TOP_KEYS = [
  'apiBase',
  'collections',
  'syncUnits',
  'triggers',
  'retry',
  'credentials',
  'batch',
  'concurrency',
  'maxBodyBytes',
  'devtools',
  'historyLimit',
  'encryptAtRest',
  'replayHeaders',
  'dbName',
  'wire',
];

/** Checks a configuration (which may come from plain JavaScript: every field is checked) and fills in defaults. */
export function validateConfig(input: unknown): ResolvedConfig {
  if (!isObject(input)) fail('config', 'must be an object');
  checkKeys(input, TOP_KEYS, '');
  const apiBaseRaw = input.apiBase;
  // Credentials go to every URL built on it: "//evil.test" or "/\evil.test" would name another host.
  if (typeof apiBaseRaw !== 'string' || !/^\/[^?#\s]*$/.test(apiBaseRaw) || !isSameOriginPath(apiBaseRaw)) {
    fail('apiBase', 'must be a same-origin path starting with "/" (e.g. "/api")');
  }
  const apiBase = apiBaseRaw.length > 1 ? apiBaseRaw.replace(/\/+$/, '') : apiBaseRaw;

  if (!isObject(input.collections) || Object.keys(input.collections).length === 0) {
    fail('collections', 'must name at least one collection');
  }
  const apiWire = checkWire(input.wire, 'wire');
  const collections = new Map<string, ResolvedCollection>();
  for (const [name, raw] of Object.entries(input.collections))
    collections.set(name, resolveCollection(name, raw, apiWire));
  for (const c of collections.values()) {
    c.parents.forEach((p, i) => {
      if (!collections.has(p.collection)) {
        fail(
          `collections.${c.name}.parents.${i}.collection`,
          `"${p.collection}" is not a configured collection`,
        );
      }
    });
  }

  const syncUnits = new Map<string, string[]>();
  syncUnits.set('all', [...collections.keys()]);
  if (input.syncUnits !== undefined) {
    if (!isObject(input.syncUnits)) fail('syncUnits', 'must be an object of unit name to collection names');
    for (const [unit, list] of Object.entries(input.syncUnits)) {
      const key = `syncUnits.${unit}`;
      if (unit === 'all') fail(key, '"all" always exists and cannot be redefined');
      if (!Array.isArray(list) || list.length === 0)
        fail(key, 'must be a non-empty array of collection names');
      list.forEach((c: unknown, i) => {
        if (typeof c !== 'string' || !collections.has(c))
          fail(`${key}.${i}`, 'is not a configured collection');
      });
      syncUnits.set(unit, [...new Set(list as string[])]);
    }
  }

  const t = input.triggers ?? {};
  if (!isObject(t)) fail('triggers', 'must be an object');
  checkKeys(t, ['onOnline', 'onResume', 'afterLogin', 'intervalMs', 'onStart'], 'triggers');
  const d = DEFAULTS.triggers;
  const triggers = {
    onOnline: bool(t.onOnline, 'triggers.onOnline', d.onOnline),
    onResume: bool(t.onResume, 'triggers.onResume', d.onResume),
    afterLogin: bool(t.afterLogin, 'triggers.afterLogin', d.afterLogin),
    intervalMs: int(t.intervalMs, 'triggers.intervalMs', d.intervalMs, 0),
    onStart: bool(t.onStart, 'triggers.onStart', d.onStart),
  };
  if (triggers.intervalMs > 0 && triggers.intervalMs < 1000)
    fail('triggers.intervalMs', 'must be 0 or ≥ 1000');

  const r = input.retry ?? {};
  if (!isObject(r)) fail('retry', 'must be an object');
  checkKeys(r, ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxAttempts'], 'retry');
  const dr = DEFAULTS.retry;
  const retry = {
    initialDelayMs: int(r.initialDelayMs, 'retry.initialDelayMs', dr.initialDelayMs, 1),
    maxDelayMs: int(r.maxDelayMs, 'retry.maxDelayMs', dr.maxDelayMs, 1),
    factor: num(r.factor, 'retry.factor', dr.factor, 1, 100),
    jitter: num(r.jitter, 'retry.jitter', dr.jitter, 0, 1),
    maxAttempts: int(r.maxAttempts, 'retry.maxAttempts', dr.maxAttempts, 0),
  };
  if (retry.maxDelayMs < retry.initialDelayMs) fail('retry.maxDelayMs', 'must be ≥ retry.initialDelayMs');

  if (input.credentials !== undefined && typeof input.credentials !== 'function') {
    fail('credentials', 'must be a function returning headers');
  }
  if (input.dbName !== undefined && (typeof input.dbName !== 'string' || input.dbName === '')) {
    fail('dbName', 'must be a non-empty string');
  }
  return {
    apiBase,
    collections,
    syncUnits,
    triggers,
    retry,
    credentials: (input.credentials as CredentialsProvider | undefined) ?? null,
    batch: bool(input.batch, 'batch', true),
    concurrency: int(input.concurrency, 'concurrency', DEFAULTS.concurrency, 1, 32),
    maxBodyBytes: int(input.maxBodyBytes, 'maxBodyBytes', DEFAULTS.maxBodyBytes, 1),
    devtools: input.devtools === undefined ? null : bool(input.devtools, 'devtools', false),
    historyLimit: int(input.historyLimit, 'historyLimit', DEFAULTS.historyLimit, 10),
    ...resolveEncryption(input.encryptAtRest),
    replayHeaders: resolveReplayHeaders(input.replayHeaders),
    dbName: typeof input.dbName === 'string' ? input.dbName : DEFAULTS.dbName,
  };
}

/** A path under the configured `apiBase` (`suffix` starts with "/"): an `apiBase` of "/" must not make it "//…", which
 * a URL parser reads as another host. */
export function apiPath(config: Pick<ResolvedConfig, 'apiBase'>, suffix: string): string {
  return (config.apiBase === '/' ? '' : config.apiBase) + suffix;
}
