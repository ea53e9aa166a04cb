/**
 * Validation of `wire` (the API-wide one and each collection's), merged key by key: a collection's keys over the
 * API's, over the defaults of the kind. A wrong value throws `invalid_config` naming the key, like the rest of
 * `core/config.ts`.
 */
import type { ListLocation, PagingConfig } from '../../protocol/config.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';

export type VersionSource = 'none' | 'etag' | { field: string };

/** A collection's wire, every key set except those the kind decides once discovery has answered (`null`). */
export interface ResolvedWire {
  kind: 'detect' | 'offline-kit' | 'rest';
  list: ListLocation | null;
  idField: string;
  /** null: `{ field: 'version' }` for our protocol, `none` for REST. */
  version: VersionSource | null;
  stale: readonly number[];
  conflictCopy: 'body' | 'refetch';
  /** null: true for our protocol, false for REST. */
  idempotency: boolean | null;
  paging: PagingConfig;
  delta: 'none' | { param: string; field: string };
  syncMeta: boolean;
}

const WIRE_KEYS = [
  'kind',
  'list',
  'idField',
  'version',
  'stale',
  'conflictCopy',
  'idempotency',
  'paging',
  'delta',
  'syncMeta',
];

const FIELD = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const PARAM = /^[A-Za-z0-9_.[\]-]{1,64}$/;

function fail(key: string, message: string): never {
  throw new OfflineKitError('invalid_config', `${key}: ${message}`, { details: { key } });
}

function field(value: unknown, key: string): string {
  if (typeof value !== 'string' || !FIELD.test(value)) fail(key, 'must be a field name');
  return value;
}

function param(value: unknown, key: string): string {
  if (typeof value !== 'string' || !PARAM.test(value)) fail(key, 'must be a query parameter name');
  return value;
}

function keysOf(value: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k)) fail(`${prefix}.${k}`, 'unknown key');
}

function list(value: unknown, key: string): ListLocation {
  if (value === 'array' || typeof value === 'function') return value as ListLocation;
  if (isObject(value)) {
    keysOf(value, ['field'], key);
    return { field: field(value.field, `${key}.field`) };
  }
  return fail(key, "must be 'array', { field } or a function");
}

function version(value: unknown, key: string): VersionSource {
  if (value === 'none' || value === 'etag') return value;
  if (isObject(value)) {
    keysOf(value, ['field'], key);
    return { field: field(value.field, `${key}.field`) };
  }
  return fail(key, "must be 'none', 'etag' or { field }");
}

function paging(value: unknown, key: string): PagingConfig {
  if (value === 'none') return value;
  if (!isObject(value)) return fail(key, "must be 'none' or { kind, … }");
  switch (value.kind) {
    case 'offset':
      keysOf(value, ['kind', 'limit', 'offset'], key);
      return {
        kind: 'offset',
        limit: param(value.limit, `${key}.limit`),
        offset: param(value.offset, `${key}.offset`),
      };
    case 'page':
      keysOf(value, ['kind', 'page', 'size'], key);
      return { kind: 'page', page: param(value.page, `${key}.page`), size: param(value.size, `${key}.size`) };
    case 'cursor':
      keysOf(value, ['kind', 'param', 'next'], key);
      return {
        kind: 'cursor',
        param: param(value.param, `${key}.param`),
        next: field(value.next, `${key}.next`),
      };
    case 'link':
      keysOf(value, ['kind'], key);
      return { kind: 'link' };
    default:
      return fail(`${key}.kind`, 'must be one of offset, page, cursor, link');
  }
}

function delta(value: unknown, key: string): ResolvedWire['delta'] {
  if (value === 'none') return value;
  if (!isObject(value)) return fail(key, "must be 'none' or { param, field }");
  keysOf(value, ['param', 'field'], key);
  return { param: param(value.param, `${key}.param`), field: field(value.field, `${key}.field`) };
}

/** One `wire` object checked; only the keys it sets. */
export function checkWire(raw: unknown, key: string): Partial<ResolvedWire> {
  if (raw === undefined) return {};
  if (!isObject(raw)) fail(key, 'must be an object');
  keysOf(raw, WIRE_KEYS, key);
  const out: Partial<ResolvedWire> = {};
  if (raw.kind !== undefined) {
    if (raw.kind !== 'detect' && raw.kind !== 'offline-kit' && raw.kind !== 'rest')
      fail(`${key}.kind`, 'must be one of detect, offline-kit, rest');
    out.kind = raw.kind;
  }
  if (raw.list !== undefined) out.list = list(raw.list, `${key}.list`);
  if (raw.idField !== undefined) out.idField = field(raw.idField, `${key}.idField`);
  if (raw.version !== undefined) out.version = version(raw.version, `${key}.version`);
  if (raw.stale !== undefined) {
    if (
      !Array.isArray(raw.stale) ||
      raw.stale.length === 0 ||
      !raw.stale.every((s) => Number.isInteger(s) && (s as number) >= 400 && (s as number) < 500)
    )
      fail(`${key}.stale`, 'must be a non-empty array of 4xx statuses');
    out.stale = raw.stale as number[];
  }
  if (raw.conflictCopy !== undefined) {
    if (raw.conflictCopy !== 'body' && raw.conflictCopy !== 'refetch')
      fail(`${key}.conflictCopy`, 'must be body or refetch');
    out.conflictCopy = raw.conflictCopy;
  }
  if (raw.idempotency !== undefined) {
    if (typeof raw.idempotency !== 'boolean') fail(`${key}.idempotency`, 'must be a boolean');
    out.idempotency = raw.idempotency;
  }
  if (raw.paging !== undefined) out.paging = paging(raw.paging, `${key}.paging`);
  if (raw.delta !== undefined) out.delta = delta(raw.delta, `${key}.delta`);
  if (raw.syncMeta !== undefined) {
    if (typeof raw.syncMeta !== 'boolean') fail(`${key}.syncMeta`, 'must be a boolean');
    out.syncMeta = raw.syncMeta;
  }
  return out;
}

const DEFAULT_WIRE: ResolvedWire = {
  kind: 'detect',
  list: null,
  idField: 'id',
  version: null,
  stale: [409, 412],
  conflictCopy: 'body',
  idempotency: null,
  paging: 'none',
  delta: 'none',
  syncMeta: true,
};

/** A collection's wire: its own keys over the API's over the defaults, checked against what its policy needs. */
export function resolveWire(
  api: Partial<ResolvedWire>,
  own: Partial<ResolvedWire>,
  key: string,
  needsVersions: boolean,
): ResolvedWire {
  const wire: ResolvedWire = { ...DEFAULT_WIRE, ...api, ...own };
  if (wire.kind === 'offline-kit' && (wire.version !== null || wire.list !== null || wire.idField !== 'id'))
    fail(`${key}.wire.kind`, 'our protocol fixes list, idField and version: set them only with kind rest');
  const version = wire.version ?? (wire.kind === 'rest' ? 'none' : null);
  if (needsVersions && version === 'none')
    fail(
      `${key}.wire.version`,
      "read-write-conflict needs versions to detect conflicts: 'etag' or { field } (or use read-write-lww)",
    );
  return wire;
}
