/** Pure record arithmetic: applying a queued change to a record, JSON merge patch, field diffs. */
import type { JsonRecord } from '../../protocol/config.js';
import { isObject } from '../../protocol/wire-guards.js';

import { SYNC_FIELD, type RecordSyncMeta, type Version } from '../../protocol/api.js';
import type { WriteMethod } from '../../protocol/wire.js';

export { SYNC_FIELD };

/**
 * A record in the core's one form, whatever the API (`adapter/` reads answers into it and writes it back in the API's
 * shape): the record's fields with `id` a string and `version` the API's version token (an integer in our protocol,
 * an ETag or a field's value for REST APIs, 0 when the API has none).
 */
export type CoreRecord = JsonRecord & { id: string; version: Version };

const SERVER_FIELDS = ['id', 'version', 'updatedAt', SYNC_FIELD];

/** A record's version token, if it has one (0 and absent: none). */
export function versionOf(record: JsonRecord | null): Version | null {
  const v = record?.version;
  return (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v !== '') ? v : null;
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The application's fields of a record: without id, version, updatedAt and the sync metadata. */
export function appFields(record: JsonRecord | null): JsonRecord {
  const out: JsonRecord = {};
  if (!record) return out;
  for (const [k, v] of Object.entries(record)) if (!SERVER_FIELDS.includes(k)) out[k] = v;
  return out;
}

/**
 * The record as the app should see it after a queued change. `change` is the parsed body (JSON, or the fields of a
 * form); null for bodies that carry no fields (binary uploads) — the record then keeps what it had.
 */
export function applyChange(
  current: JsonRecord | null,
  method: WriteMethod,
  recordId: string,
  change: JsonRecord | null,
): JsonRecord | null {
  const keep = current ? { version: current.version, updatedAt: current.updatedAt } : {};
  switch (method) {
    case 'DELETE':
      return null;
    case 'POST':
      return { ...appFields(change), id: recordId };
    case 'PUT':
      return { ...appFields(change), ...dropUndefined(keep), id: recordId };
    case 'PATCH': {
      const patched = mergePatch(current ?? { id: recordId }, appFields(change));
      return { ...(isObject(patched) ? patched : {}), id: recordId };
    }
  }
}

function dropUndefined(value: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out;
}

/** The same JSON value (key order as stored: records of one API keep theirs). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Application fields whose values differ between two records. */
export function diffFields(a: JsonRecord | null, b: JsonRecord | null): string[] {
  const fa = appFields(a);
  const fb = appFields(b);
  const keys = new Set([...Object.keys(fa), ...Object.keys(fb)]);
  return [...keys].filter((k) => !same(fa[k], fb[k])).sort();
}

/**
 * Three-way merge of application fields: a field changed only locally takes the local value, changed only on the
 * server keeps the server's, changed on both to different values is a clash — which keeps the server's value, or with
 * `onClash: 'local'` takes the local one ("my changes on top of theirs": nothing the user did not touch is changed).
 * Returns the merged fields and the clashes.
 */
export function threeWayMerge(
  base: JsonRecord | null,
  local: JsonRecord | null,
  server: JsonRecord | null,
  onClash: 'server' | 'local' = 'server',
): { merged: JsonRecord; clashes: string[] } {
  const b = appFields(base);
  const l = appFields(local);
  const s = appFields(server);
  const merged: JsonRecord = { ...s };
  const clashes: string[] = [];
  for (const key of new Set([...Object.keys(l), ...Object.keys(b)])) {
    const localChanged = !same(l[key], b[key]);
    if (!localChanged) continue;
    const serverChanged = !same(s[key], b[key]);
    const clash = serverChanged && !same(s[key], l[key]);
    if (clash) clashes.push(key);
    if (clash && onClash === 'server') continue;
    if (key in l) merged[key] = l[key];
    else delete merged[key];
  }
  return { merged, clashes: clashes.sort() };
}

/** A record as pages get it from the local copy: data plus `_sync` (what its queued writes `m` show, if any). */
export function withSyncMeta(
  data: JsonRecord,
  row: { version: Version | null; syncedAt: number | null; fromServer: boolean },
  m: { state: RecordSyncMeta['state']; writeId: string } | undefined,
): JsonRecord {
  const meta: RecordSyncMeta = {
    state: m?.state ?? (row.fromServer ? 'synced' : 'local'),
    pending: m !== undefined,
    // 0 is the core's "the API has no versions": nothing to show.
    version: row.version === 0 ? null : row.version,
    syncedAt: row.syncedAt,
  };
  if (m) meta.writeId = m.writeId;
  return { ...data, [SYNC_FIELD]: meta };
}
