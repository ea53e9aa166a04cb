import type { Collection } from './collections.js';
import { HttpError, forbidden } from './errors.js';
import type { StoreReader, StoredBlob, StoredRecord, SyncStore } from './store/types.js';
import { SYSTEM, etag, toTombstone, toWire } from './writes.js';

const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Limits {
  maxBodyBytes: number;
  batchMaxWrites: number;
  batchMaxBytes: number;
  /** Largest page of a list (PROTOCOL.md §4: the server may cap `limit`). */
  maxPageSize: number;
  defaultPageSize: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 10 * 1024 * 1024,
  batchMaxWrites: 100,
  batchMaxBytes: 1024 * 1024,
  maxPageSize: 1000,
  defaultPageSize: 500,
};

export interface JsonAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Bytes sent instead of the JSON body (a binary collection's content). */
  raw?: StoredBlob;
}

/** `GET {base}/{collection}` (PROTOCOL.md §4): a page in change order, with tombstones after a cursor. */
export async function listRecords(
  store: SyncStore,
  def: Collection,
  user: string,
  query: URLSearchParams,
  limits: Limits,
): Promise<JsonAnswer> {
  let since: string | null = null;
  let limit = limits.defaultPageSize;
  const filters: [string, string][] = [];
  for (const [name, value] of query) {
    if (name === 'since') since = value;
    else if (name === 'limit') limit = parseLimit(value, limits);
    else if (FILTER_NAME.test(name)) filters.push([name, value]);
    else
      throw new HttpError(400, 'invalid_query', `${name} is not a field name to filter on`, {
        parameter: name,
      });
  }
  // One snapshot: no change can slip between the page and the cursor that follows it.
  const page = await store.read(async (reader) => {
    if (since !== null) {
      const check = await reader.checkCursor(since);
      if (check === 'invalid')
        throw new HttpError(400, 'invalid_cursor', `${since} is not a cursor this server issued`);
      if (check === 'expired') {
        throw new HttpError(
          410,
          'cursor_expired',
          `${since} is older than the changes this server keeps: pull again without since`,
        );
      }
    }
    return reader.list({
      collection: def.name,
      user: def.readers === 'everyone' || user === SYSTEM ? null : user,
      since,
      limit,
      filters,
    });
  });
  return {
    status: 200,
    headers: {},
    body: {
      records: page.rows.filter((row) => row.live).map((row) => toWire(row.record)),
      deleted: page.rows
        .filter((row) => !row.live)
        .map(({ record }) => ({ id: record.id, version: record.version, updatedAt: record.updatedAt })),
      cursor: page.cursor,
      hasMore: page.hasMore,
    },
  };
}

/** `GET {base}/{collection}/{id}`: the record with its ETag, or 404 `deleted` with the tombstone. */
export async function readRecord(
  store: SyncStore,
  def: Collection,
  user: string,
  id: string,
): Promise<JsonAnswer> {
  const record = await store.read((reader) => visible(reader, def, user, id));
  return { status: 200, headers: { ETag: etag(record) }, body: toWire(record) };
}

/** `GET {base}/{collection}/{id}/content` of a binary collection: the uploaded bytes, with their media type. */
export async function readContent(
  store: SyncStore,
  def: Collection,
  user: string,
  id: string,
): Promise<JsonAnswer> {
  const { record, blob } = await store.read(async (reader) => {
    const found = await visible(reader, def, user, id);
    return { record: found, blob: await reader.getBlob(def.name, id) };
  });
  if (!blob) throw new HttpError(404, 'not_found', `${def.name}/${id} has no content`);
  return {
    status: 200,
    headers: { ETag: etag(record), 'Cache-Control': 'private, no-cache' },
    body: null,
    raw: blob,
  };
}

async function visible(
  reader: StoreReader,
  def: Collection,
  user: string,
  id: string,
): Promise<StoredRecord> {
  const found = await reader.get(def.name, id);
  if (!found) throw new HttpError(404, 'not_found', `${def.name}/${id} does not exist`);
  const readable =
    def.readers === 'everyone' || user === SYSTEM || (await reader.canRead(def.name, id, user));
  if (!readable) throw forbidden(`${def.name}/${id}`);
  if (found.deleted) throw new HttpError(404, 'deleted', `${def.name}/${id} was deleted`, toTombstone(found));
  return found;
}

function parseLimit(value: string, limits: Limits): number {
  const limit = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new HttpError(400, 'invalid_query', 'limit must be a positive integer', { parameter: 'limit' });
  }
  return Math.min(limit, limits.maxPageSize);
}
