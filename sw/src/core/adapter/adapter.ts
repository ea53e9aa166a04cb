/**
 * How one collection's API is spoken: reading its answers into the core's form and writing the core's records back
 * in the API's own shape. The core keeps one form whatever the API — a record is its fields with `id` a string and
 * `version` the API's version token (a number for our protocol, an ETag or a field's value for REST, 0 when the API
 * has none) — so the outbox, the store and the sync loop are written once. Everything API-specific is here:
 * - where a list answer holds its records, and the envelope around them (kept, so an offline answer looks the same);
 * - the id field and its type (a numeric id is a number again in whatever the app gets);
 * - the version's source, and what `If-Match` carries;
 * - how a pull asks for a page and for a delta, and how a page says there is more.
 * Our sync protocol is the richest of these (`protocol: true`): its answers are read as PROTOCOL.md says.
 */
import type { Version, WireLevel } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { isObject, isServerRecord, parseListPage } from '../../protocol/wire-guards.js';
import type { ListPage } from '../../protocol/wire.js';
import type { CoreRecord } from '../model/records.js';
import { isTempId, numericId } from '../model/temp-ids.js';
import type { ResolvedWire, VersionSource } from './wire-config.js';

export type { CoreRecord };

/** The shape of a list answer, remembered so the same list answered offline has it too. */
export interface ListShape {
  /** null: a bare array. Otherwise the field holding the records and the envelope's other fields as they came. */
  envelope: { field: string; rest: JsonRecord } | null;
  /** Ids in the answer's order. */
  order: string[];
}

/** A list page in the core's form. */
export type CorePage = Omit<ListPage, 'records'> & { records: CoreRecord[] };

/** A list answer read: the page for the store, and the shape to answer with offline. */
export interface ReadList {
  page: CorePage;
  shape: ListShape;
  /** The records as the API wrote them (its id type shows here, not in `page`): empty for our protocol. */
  items: readonly unknown[];
}

const ENVELOPE_FIELDS = ['records', 'data', 'items', 'results'];
/** Envelope fields kept for offline answers (counts, links): larger envelopes are not remembered, only their field. */
const MAX_ENVELOPE_CHARS = 4096;
const MAX_ORDER = 20000;

export class WireAdapter {
  /** Where the version comes from, now that the kind is known. */
  readonly version: VersionSource;

  /**
   * @param protocol true: our protocol answered discovery; false: plain REST; null: not known yet (a read before the
   * first sync run) — read tolerantly (a `version` field is the version when there is one).
   */
  constructor(
    readonly wire: ResolvedWire,
    readonly protocol: boolean | null,
  ) {
    this.version =
      wire.version ?? (protocol === false || wire.kind === 'rest' ? 'none' : { field: 'version' });
  }

  /** The API applies a write once per Idempotency-Key. */
  get idempotent(): boolean {
    return this.wire.idempotency ?? this.protocol === true;
  }

  /** A stale-version answer. */
  isStale(status: number): boolean {
    return this.wire.stale.includes(status);
  }

  /** The guarantees the collection runs at, for the panel. */
  level(detectConflicts: boolean, batch: boolean): WireLevel {
    const delta = this.protocol === true || this.wire.delta !== 'none';
    return {
      api: this.protocol === true ? 'offline-kit' : this.protocol === false ? 'rest' : 'unknown',
      conflicts: detectConflicts && this.version !== 'none',
      exactlyOnce: this.idempotent,
      delta,
      batch: this.protocol === true && batch,
    };
  }

  /**
   * An API record in the core's form, or null when it is not one (no usable id). `etag`: the answer's ETag header,
   * for an item answer (list items have none: their version stays unknown until read alone).
   */
  record(raw: unknown, etag: string | null = null): CoreRecord | null {
    if (this.protocol === true) return isServerRecord(raw) ? raw : null;
    if (!isObject(raw)) return null;
    const rawId = raw[this.wire.idField];
    let id: string;
    if (typeof rawId === 'number' && Number.isSafeInteger(rawId)) id = String(rawId);
    else if (typeof rawId === 'string' && rawId !== '') id = rawId;
    else return null;
    return { ...raw, id, version: this.versionOf(raw, etag) };
  }

  private versionOf(raw: JsonRecord, etag: string | null): Version {
    const source = this.version;
    if (source === 'etag') return etag ?? 0;
    const value = raw[source === 'none' ? 'version' : source.field];
    return typeof value === 'number' || (typeof value === 'string' && value !== '') ? value : 0;
  }

  /**
   * A list answer: null when it is not a list of this API's records (an error page, a portal), so nothing is stored
   * and the caller treats it as no answer. Throws `bad_response` for a pull page that cannot be read.
   */
  list(body: unknown, next: (page: unknown[]) => Pick<ListPage, 'cursor' | 'hasMore'>): ReadList | null {
    if (this.protocol === true) {
      let page: ListPage;
      try {
        page = parseListPage(body);
      } catch {
        return null;
      }
      return {
        page,
        shape: { envelope: Array.isArray(body) ? null : { field: 'records', rest: {} }, order: [] },
        items: [],
      };
    }
    const located = this.locate(body);
    if (!located) return null;
    const records: CoreRecord[] = [];
    for (const item of located.items) {
      const r = this.record(item);
      if (!r) return null;
      records.push(r);
    }
    // A protocol-shaped answer read before discovery still carries its tombstones and cursor.
    const protocolPage =
      this.protocol === null && located.field === 'records' && isObject(body) ? tryProtocol(body) : null;
    const paging = protocolPage ?? next(located.items);
    return {
      page: { records, deleted: protocolPage?.deleted ?? [], ...paging },
      shape: {
        envelope:
          located.field === null ? null : { field: located.field, rest: envelopeRest(body, located.field) },
        order: records.slice(0, MAX_ORDER).map((r) => r.id),
      },
      items: located.items,
    };
  }

  private locate(body: unknown): { items: unknown[]; field: string | null } | null {
    const where = this.wire.list;
    if (where === 'array') return Array.isArray(body) ? { items: body, field: null } : null;
    if (typeof where === 'function') {
      let items: unknown[] | null;
      try {
        items = where(body);
      } catch {
        return null;
      }
      return Array.isArray(items) ? { items, field: fieldHolding(body, items) } : null;
    }
    if (where !== null) {
      const items = isObject(body) ? body[where.field] : undefined;
      return Array.isArray(items) ? { items, field: where.field } : null;
    }
    if (Array.isArray(body)) return { items: body, field: null };
    if (!isObject(body)) return null;
    for (const field of ENVELOPE_FIELDS) {
      const items = body[field];
      if (Array.isArray(items)) return { items, field };
    }
    return null;
  }

  /** A record in the API's shape: the id back in its field and type, the core's version token gone when not the API's. */
  toApi(record: JsonRecord, numericIds: boolean): JsonRecord {
    if (this.protocol === true) return record;
    const out: JsonRecord = { ...record };
    const id = record.id;
    const idField = this.wire.idField;
    if (typeof id === 'string') {
      out[idField] = numericIds && !isTempId(id) ? numericId(id) : id;
      if (idField !== 'id') delete out.id;
    }
    const source = this.version;
    const versionIsOwnField =
      (source === 'none' && out.version !== 0) || (typeof source === 'object' && source.field === 'version');
    if (!versionIsOwnField) delete out.version;
    return out;
  }

  /**
   * A list answered from the local copy in the shape its last online answer had: the same envelope (its other fields
   * as they came), records in the same order (records not in that answer after them, by id), ids in their type.
   */
  listBody(records: JsonRecord[], shape: ListShape | null, numericIds: boolean): unknown {
    const ordered = shape && shape.order.length > 0 ? inOrder(records, shape.order) : records;
    const items = ordered.map((r) => this.toApi(r, numericIds));
    const envelope =
      shape?.envelope ??
      (this.wire.list !== null && this.wire.list !== 'array' && typeof this.wire.list === 'object'
        ? { field: this.wire.list.field, rest: {} }
        : null);
    return envelope ? { ...envelope.rest, [envelope.field]: items } : items;
  }

  /** The path of a pull request: the first page (`cursor` null) or the one after `cursor`, from `from` for a delta. */
  pullPath(base: string, cursor: string | null, pageSize: number, from: string | null): string {
    const params = new URLSearchParams();
    if (this.protocol === true) {
      params.set('limit', String(pageSize));
      if (cursor !== null) params.set('since', cursor);
      return `${base}?${params.toString()}`;
    }
    const p = this.wire.paging;
    // A `Link` header names the next page whole; it was checked to be a path on this origin when read.
    if (p !== 'none' && p.kind === 'link' && cursor !== null) return cursor;
    if (p !== 'none') {
      if (p.kind === 'offset') {
        params.set(p.limit, String(pageSize));
        params.set(p.offset, cursor ?? '0');
      } else if (p.kind === 'page') {
        params.set(p.page, cursor ?? '1');
        params.set(p.size, String(pageSize));
      } else if (p.kind === 'cursor' && cursor !== null) {
        params.set(p.param, cursor);
      }
    }
    if (from !== null && this.wire.delta !== 'none') params.set(this.wire.delta.param, from);
    const query = params.toString();
    return query ? `${base}?${query}` : base;
  }

  /** Whether a REST list answer has a page after it, and the cursor to ask for it. */
  pullNext(
    body: unknown,
    items: readonly unknown[],
    link: string | null,
    cursor: string | null,
    pageSize: number,
    origin: string,
  ): Pick<ListPage, 'cursor' | 'hasMore'> {
    const p = this.wire.paging;
    const done = { cursor: null, hasMore: false };
    if (p === 'none') return done;
    switch (p.kind) {
      case 'offset':
        return items.length >= pageSize
          ? { cursor: String((Number(cursor) || 0) + items.length), hasMore: true }
          : done;
      case 'page':
        return items.length >= pageSize ? { cursor: String((Number(cursor) || 1) + 1), hasMore: true } : done;
      case 'cursor': {
        const next = isObject(body) ? body[p.next] : undefined;
        return typeof next === 'string' || typeof next === 'number'
          ? { cursor: String(next), hasMore: String(next) !== '' }
          : done;
      }
      case 'link': {
        const next = nextLink(link, origin);
        return next ? { cursor: next, hasMore: true } : done;
      }
    }
  }

  /** The highest value of the delta field among `records` and `current` (numbers by value, strings as ISO times do). */
  highest(records: readonly JsonRecord[], current: string | null): string | null {
    const d = this.wire.delta;
    if (d === 'none') return current;
    let best = current;
    for (const r of records) {
      const v = r[d.field];
      if (typeof v !== 'number' && typeof v !== 'string') continue;
      const text = String(v);
      if (best === null) best = text;
      else if (typeof v === 'number' ? v > Number(best) : text > best) best = text;
    }
    return best;
  }

  /** Query parameters of the API's own paging and delta pulls (never filters on a field). */
  ownParams(): string[] {
    const p = this.wire.paging;
    const out: string[] = [];
    if (p !== 'none') {
      if (p.kind === 'offset') out.push(p.limit, p.offset);
      else if (p.kind === 'page') out.push(p.page, p.size);
      else if (p.kind === 'cursor') out.push(p.param);
    }
    if (this.wire.delta !== 'none') out.push(this.wire.delta.param);
    return out;
  }

  /** The part of a whole list that a request's own paging parameters ask for (offline, the local copy pages itself). */
  pageOf<T>(records: T[], url: URL): T[] {
    const p = this.wire.paging;
    if (p === 'none' || (p.kind !== 'offset' && p.kind !== 'page')) return records;
    const int = (name: string): number | null => {
      const raw = url.searchParams.get(name);
      const n = raw === null ? NaN : Number(raw);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    };
    if (p.kind === 'offset') {
      const from = int(p.offset) ?? 0;
      const limit = int(p.limit);
      return records.slice(from, limit === null ? undefined : from + limit);
    }
    const size = int(p.size);
    if (size === null || size === 0) return records;
    const page = Math.max(1, int(p.page) ?? 1);
    return records.slice((page - 1) * size, page * size);
  }

  /** The `ETag` of an item answered from the local copy, when its version is known. */
  etag(version: Version | null): string | null {
    if (version === null || version === 0 || version === '') return null;
    if (typeof version === 'string' && this.version === 'etag') return version;
    return `"${String(version)}"`;
  }

  /** What `If-Match` carries for a version token; null when there is none to send. */
  ifMatch(version: Version | null): string | null {
    if (version === null || version === 0 || version === '') return null;
    if (this.version === 'etag' && typeof version === 'string') return version;
    return `"${String(version)}"`;
  }
}

function tryProtocol(body: JsonRecord): Pick<ListPage, 'deleted' | 'cursor' | 'hasMore'> | null {
  if (!('hasMore' in body) && !('cursor' in body) && !('deleted' in body)) return null;
  try {
    const p = parseListPage({ ...body, records: [] });
    return { deleted: p.deleted, cursor: p.cursor, hasMore: p.hasMore };
  } catch {
    return null;
  }
}

function fieldHolding(body: unknown, items: unknown[]): string | null {
  if (!isObject(body)) return null;
  for (const [k, v] of Object.entries(body)) if (v === items) return k;
  return null;
}

function envelopeRest(body: unknown, field: string): JsonRecord {
  if (!isObject(body)) return {};
  const rest: JsonRecord = { ...body };
  delete rest[field];
  return JSON.stringify(rest).length <= MAX_ENVELOPE_CHARS ? rest : {};
}

function inOrder(records: JsonRecord[], order: readonly string[]): JsonRecord[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  return records
    .map((r, i) => ({ r, at: rank.get(String(r.id)) ?? order.length + i }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.r);
}

/** Reads a `Link` header's `rel="next"` target as a path on `origin`, or null. */
export function nextLink(header: string | null, origin: string): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (!m?.[1] || !/rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) continue;
    try {
      const u = new URL(m[1], origin);
      return u.origin === new URL(origin).origin ? u.pathname + u.search : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A pull answer that is not a list of the API's records. */
export function notAList(collection: string): OfflineKitError {
  return new OfflineKitError(
    'bad_response',
    `the answer to a pull of ${collection} is not a list of records`,
  );
}
