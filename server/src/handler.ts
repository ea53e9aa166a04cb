import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DISCOVERY_PATH,
  HEADERS,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  WRITE_METHODS,
  isWriteMethod,
  type DiscoveryCollection,
  type DiscoveryDocument,
} from '@offline-kit/sw/protocol';
import { applyBatch, parseBatch } from './batch.js';
import { compileCollections, discoveryEntry, type Collection, type CollectionConfig } from './collections.js';
import { HttpError, unauthorized } from './errors.js';
import { isJsonMediaType, mediaType, parseJson, readBody, sendJson } from './http.js';
import type { JsonObject } from './json.js';
import { DEFAULT_LIMITS, listRecords, readRecord, type JsonAnswer, type Limits } from './reads.js';
import type { StoredRecord, SyncStore } from './store/types.js';
import { SYSTEM, Writer, splitPath, toTombstone, toWire, type IfMatch, type Tombstone } from './writes.js';

/** The user a request acts for. */
export interface AuthUser {
  id: string;
}

export interface SyncHandlerOptions {
  collections: readonly CollectionConfig[];
  store: SyncStore;
  /**
   * Who the request acts for, from its headers (your session or token check); null answers 401. Without `auth`, every
   * request acts for one user, `anonymous`: for trying the library out, never for data people share.
   */
  auth?: (req: IncomingMessage) => AuthUser | null | Promise<AuthUser | null>;
  /** Where the sync API lives. Default `/api`. */
  basePath?: string;
  limits?: Partial<Limits>;
  /** The server's clock, for `updatedAt` and owned fields. */
  clock?: () => Date;
  /** Unexpected errors (a database down): answered 500, and told here. Default: console.error. */
  onError?: (error: unknown) => void;
}

/** What a request would be answered, before it is sent (so a test server can still drop it, say). */
export interface PreparedAnswer extends JsonAnswer {
  /** The user it acted for, when authenticated; the Idempotency-Key of a write; whether it was a replay. */
  user: string | null;
  key: string | null;
  replay: boolean;
}

/** The server's own changes: no access checks, no idempotency keys (dispatch edits, imports, seeds). */
export interface ServerChanges {
  create(collection: string, data: JsonObject): Promise<JsonObject>;
  update(collection: string, id: string, patch: JsonObject): Promise<JsonObject>;
  remove(collection: string, id: string): Promise<Tombstone>;
  /** Everything a collection holds, tombstones included, each with `deleted`. */
  all(collection: string): Promise<(JsonObject & { deleted: boolean })[]>;
}

/**
 * `handler(req, res)` answers requests under `basePath` and resolves true; anything else resolves false untouched,
 * so it mounts beside an app's own routes: `if (!(await sync(req, res))) next()`.
 */
export interface SyncHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly basePath: string;
  /** The answer to a request under `basePath`, not sent; null for any other path. Never throws. */
  prepare(req: IncomingMessage, res: ServerResponse, url: URL): Promise<PreparedAnswer | null>;
  send(req: IncomingMessage, res: ServerResponse, answer: JsonAnswer): void;
  readonly changes: ServerChanges;
}

const PROTOCOL_HEADER = { [HEADERS.protocol]: String(PROTOCOL_VERSION) };

const methodNotAllowed = (allow: string): HttpError =>
  new HttpError(405, 'method_not_allowed', `allowed here: ${allow}`, undefined, { Allow: allow });

export function createSyncHandler(options: SyncHandlerOptions): SyncHandler {
  const collections = compileCollections(options.collections);
  const basePath = (options.basePath ?? '/api').replace(/\/+$/, '');
  if (!basePath.startsWith('/')) throw new Error('basePath must start with /');
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const clock = options.clock ?? ((): Date => new Date());
  const onError = options.onError ?? ((error: unknown): void => console.error('[offline-kit/server]', error));
  const store = options.store;
  const writer = new Writer(store, collections, clock);
  const auth = options.auth ?? ((): AuthUser => ({ id: 'anonymous' }));
  const discovery = discoveryDocument(collections, basePath, limits);

  const find = (name: string): Collection => {
    const def = collections.get(name);
    if (!def) throw new HttpError(404, 'unknown_collection', `no collection ${name}`);
    return def;
  };

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    seen: PreparedAnswer,
  ): Promise<JsonAnswer> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(basePath.length);
    if (path === DISCOVERY_PATH) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
      return { status: 200, headers: {}, body: discovery };
    }
    const user = await auth(req);
    if (!user || typeof user.id !== 'string' || user.id === '' || user.id === SYSTEM) {
      throw unauthorized('this request needs valid credentials');
    }
    seen.user = user.id;
    if (path === '/_batch') {
      if (method !== 'POST') throw methodNotAllowed('POST');
      if (!isJsonMediaType(mediaType(req.headers['content-type']))) {
        throw new HttpError(415, 'unsupported_media_type', 'a batch is application/json');
      }
      const body = parseJson(await readBody(req, res, limits.batchMaxBytes), 'invalid_batch');
      const writes = parseBatch(body, user.id, basePath, limits.batchMaxWrites);
      return { status: 200, headers: {}, body: await applyBatch(writer, writes, onError) };
    }
    const target = splitPath(path);
    const def = target ? collections.get(target.collection) : undefined;
    if (!target || !def)
      throw new HttpError(404, 'unknown_collection', `no collection answers ${url.pathname}`);
    if (method === 'GET' || method === 'HEAD') {
      if (target.id === null) return listRecords(store, def, user.id, url.searchParams, limits);
      return readRecord(store, def, user.id, target.id);
    }
    if (!isWriteMethod(method)) throw methodNotAllowed(`GET, ${WRITE_METHODS.join(', ')}`);
    if (!def.writable) throw new HttpError(405, 'read_only', `${def.name} is read-only`);
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0) {
      throw new HttpError(400, 'missing_idempotency_key', 'every write needs an Idempotency-Key header');
    }
    if (key.length > 200) {
      throw new HttpError(400, 'missing_idempotency_key', 'an Idempotency-Key is at most 200 characters');
    }
    seen.key = key;
    const ifMatch = parseIfMatch(req.headers['if-match']);
    const tempId = req.headers['offline-kit-temp-id'];
    const bytes = await readBody(req, res, limits.maxBodyBytes);
    let body: unknown;
    if (method !== 'DELETE' && !(bytes.byteLength === 0 && req.headers['content-type'] === undefined)) {
      if (!isJsonMediaType(mediaType(req.headers['content-type']))) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `${req.headers['content-type'] ?? 'a body without Content-Type'} is not accepted: send application/json`,
        );
      }
      body = parseJson(bytes);
    }
    const answer = await writer.apply({
      user: user.id,
      key,
      method,
      path,
      ifMatch,
      tempId: typeof tempId === 'string' && tempId !== '' ? tempId : null,
      body,
    });
    seen.replay = answer.replay;
    const headers = { ...answer.headers };
    if (headers.Location !== undefined) headers.Location = basePath + headers.Location;
    if (answer.replay) headers['Idempotent-Replay'] = 'true';
    return { status: answer.status, headers, body: answer.body };
  }

  const prepare = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<PreparedAnswer | null> => {
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return null;
    const seen: PreparedAnswer = { status: 0, headers: {}, body: null, user: null, key: null, replay: false };
    try {
      return { ...seen, ...(await route(req, res, url, seen)) };
    } catch (error) {
      if (!(error instanceof HttpError)) onError(error);
      const httpError =
        error instanceof HttpError
          ? error
          : new HttpError(500, 'internal_error', 'the server failed to handle this request');
      return { ...seen, status: httpError.status, headers: httpError.headers, body: httpError.toBody() };
    }
  };

  // Node leaves the body out of an answer to HEAD by itself.
  const send = (_req: IncomingMessage, res: ServerResponse, answer: JsonAnswer): void => {
    sendJson(res, answer.status, answer.body, { ...PROTOCOL_HEADER, ...answer.headers });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://offline-kit.invalid');
    } catch {
      return false;
    }
    const answer = await prepare(req, res, url);
    if (answer === null) return false;
    send(req, res, answer);
    return true;
  };

  const changes: ServerChanges = {
    async create(collection, data) {
      const def = find(collection);
      return toWire(await store.write((tx) => writer.insert(tx, def, data, { user: SYSTEM, now: clock() })));
    },
    async update(collection, id, patch) {
      const def = find(collection);
      const record = await store.write(async (tx) => {
        const current = live(await tx.get(collection, id), `${collection}/${id}`);
        return writer.replace(tx, def, current, (base) => def.update('patch', patch, base.data), null);
      });
      return toWire(record);
    },
    async remove(collection, id) {
      const def = find(collection);
      const record = await store.write(async (tx) => {
        const current = await tx.get(collection, id);
        if (!current) throw new HttpError(404, 'not_found', `${collection}/${id} does not exist`);
        return current.deleted ? current : writer.remove(tx, def, current, null);
      });
      return toTombstone(record);
    },
    async all(collection) {
      find(collection);
      const records = await store.read((reader) => reader.all(collection));
      return records.map((record) => ({ ...toWire(record), deleted: record.deleted }));
    },
  };

  return Object.assign(handler, { basePath, prepare, send, changes });
}

function live(record: StoredRecord | undefined, label: string): StoredRecord {
  if (!record) throw new HttpError(404, 'not_found', `${label} does not exist`);
  if (record.deleted) throw new HttpError(404, 'deleted', `${label} was deleted`, toTombstone(record));
  return record;
}

function discoveryDocument(
  collections: Map<string, Collection>,
  basePath: string,
  limits: Limits,
): DiscoveryDocument {
  const entries: Record<string, DiscoveryCollection> = {};
  for (const def of collections.values()) entries[def.name] = discoveryEntry(def);
  return {
    protocol: PROTOCOL_NAME,
    version: PROTOCOL_VERSION,
    batch: { path: `${basePath}/_batch`, maxWrites: limits.batchMaxWrites, maxBytes: limits.batchMaxBytes },
    maxBodyBytes: limits.maxBodyBytes,
    collections: entries,
  };
}

/** `"5"`, `5`, `W/"5"` or `*`. */
function parseIfMatch(header: string | undefined): IfMatch | null {
  if (header === undefined || header.trim() === '') return null;
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  const version = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new HttpError(400, 'invalid_body', 'If-Match must be a record version such as "3"', {
      field: 'If-Match',
      reason: 'not a version',
    });
  }
  return { kind: 'version', version };
}
