import { LIMITS, type App } from '../app.js';
import type { User } from '../auth/users.js';
import type { CollectionDef } from '../collections/index.js';
import { HttpError, forbidden } from '../http/errors.js';
import { jsonReply, type Reply } from '../http/reply.js';
import { toTombstone, toWire } from '../records.js';
import type { StoredRecord } from '../store/index.js';
import { etag } from './apply-write.js';

const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `GET /api/<collection>` (PROTOCOL.md §4): a page of records in change order, with tombstones after a cursor. */
export function listRecords(app: App, def: CollectionDef, user: User, query: URLSearchParams): Reply {
  let since: number | null = null;
  let limit: number = LIMITS.defaultPageSize;
  const filters: [string, string][] = [];
  for (const [name, value] of query) {
    if (name === 'since') since = parseCursor(app, value);
    else if (name === 'limit') limit = parseLimit(value);
    else if (FILTER_NAME.test(name)) filters.push([name, value]);
    else
      throw new HttpError(400, 'invalid_query', `${name} is not a field name to filter on`, {
        parameter: name,
      });
  }
  // One synchronous read: no change can slip between the page and the cursor that follows it.
  const rows = app.store.records.list({
    collection: def.name,
    user: def.scope === 'everyone' ? null : user.id,
    since,
    limit: limit + 1,
    filters,
  });
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const cursor = hasMore && last ? last.record.seq : app.store.meta.currentSeq();
  return jsonReply(200, {
    records: page.filter((row) => row.live).map((row) => toWire(row.record)),
    deleted: page
      .filter((row) => !row.live)
      .map(({ record }) => ({ id: record.id, version: record.version, updatedAt: record.updatedAt })),
    cursor: `c_${cursor}`,
    hasMore,
  });
}

/** `GET /api/<collection>/<id>`: the record with its ETag, or 404 `deleted` with the tombstone. */
export function readRecord(app: App, def: CollectionDef, user: User, id: string): Reply {
  const record = visibleRecord(app, def, user, id);
  return jsonReply(200, toWire(record), { ETag: etag(record) });
}

/** `GET /api/photos/<id>/content`: a photo's bytes. */
export function readPhotoContent(app: App, def: CollectionDef, user: User, id: string): Reply {
  const record = visibleRecord(app, def, user, id);
  const blob = app.store.blobs.get(record.id);
  if (!blob) throw new HttpError(404, 'not_found', `photos/${id} has no content`);
  return {
    status: 200,
    headers: { ETag: etag(record), 'Cache-Control': 'private, no-cache' },
    bytes: blob.bytes,
    contentType: blob.contentType,
  };
}

function visibleRecord(app: App, def: CollectionDef, user: User, id: string): StoredRecord {
  const record = app.store.records.get(def.name, id);
  if (!record) throw new HttpError(404, 'not_found', `${def.name}/${id} does not exist`);
  if (!app.records.canRead(def, record, user.id)) throw forbidden(`${def.name}/${id}`);
  if (record.deleted) {
    throw new HttpError(404, 'deleted', `${def.name}/${id} was deleted`, toTombstone(record));
  }
  return record;
}

function parseCursor(app: App, value: string): number {
  const match = /^c_(\d{1,15})$/.exec(value);
  const seq = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(seq) || seq > app.store.meta.currentSeq()) {
    throw new HttpError(400, 'invalid_cursor', `${value} is not a cursor this server issued`);
  }
  if (seq < app.store.meta.cursorFloor()) {
    throw new HttpError(
      410,
      'cursor_expired',
      `${value} predates a reset of the data: pull again without since`,
    );
  }
  return seq;
}

function parseLimit(value: string): number {
  const limit = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new HttpError(400, 'invalid_query', 'limit must be a positive integer', { parameter: 'limit' });
  }
  return Math.min(limit, LIMITS.maxPageSize);
}
