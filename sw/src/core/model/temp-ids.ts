/**
 * Temporary ids (`tmp_<uuid>`) of records created offline, and their rewriting once the server assigned real ids:
 * in URLs (path segments and query values) and in top-level fields of JSON and form bodies (PROTOCOL.md §5.3, §8).
 */
import { TEMP_PREFIX } from '../../protocol/wire.js';
import { isObject } from '../../protocol/wire-guards.js';

export function isTempId(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(TEMP_PREFIX);
}

export function rewriteUrl(url: string, map: ReadonlyMap<string, string>): string {
  const u = new URL(url, 'http://x');
  const path = u.pathname
    .split('/')
    .map((seg) => map.get(decodeURIComponent(seg)) ?? seg)
    .join('/');
  const params = new URLSearchParams();
  for (const [k, v] of u.searchParams) params.append(k, map.get(v) ?? v);
  const query = params.toString();
  return path + (query ? `?${query}` : '');
}

/**
 * Rewrites top-level field values; returns null when nothing changed. `typed` turns a real id into the value the API
 * uses in its fields (a number, for an API of numeric ids).
 */
export function rewriteFields(
  body: unknown,
  map: ReadonlyMap<string, string>,
  typed: (id: string) => unknown = (id) => id,
): Record<string, unknown> | null {
  if (!isObject(body)) return null;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const real = typeof v === 'string' ? map.get(v) : undefined;
    if (real !== undefined) changed = true;
    out[k] = real === undefined ? v : typed(real);
  }
  return changed ? out : null;
}

/** Temporary ids a write refers to (in its URL or its top-level fields): the records it depends on. */
export function referencedTempIds(url: string, fields: unknown): string[] {
  const found = new Set<string>();
  const u = new URL(url, 'http://x');
  for (const seg of u.pathname.split('/'))
    if (isTempId(decodeURIComponent(seg))) found.add(decodeURIComponent(seg));
  for (const v of u.searchParams.values()) if (isTempId(v)) found.add(v);
  if (isObject(fields)) for (const v of Object.values(fields)) if (isTempId(v)) found.add(v);
  return [...found];
}

/** A real id as an API of numeric ids writes it in reference fields. */
export function numericId(id: string): unknown {
  return /^-?\d{1,15}$/.test(id) ? Number(id) : id;
}
