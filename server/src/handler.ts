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
  type WriteMethod,
} from '@offline-kit/sw/protocol';
import { applyBatch, parseBatch } from './batch.js';
import {
  acceptsType,
  compileCollections,
  discoveryEntry,
  type Collection,
  type CollectionConfig,
} from './collections.js';
import { HttpError, unauthorized } from './errors.js';
import {
  isJsonMediaType,
  mediaType,
  parseJson,
  parseMultipart,
  parseUrlEncoded,
  readBody,
  sendJson,
} from './http.js';
import type { JsonObject } from './json.js';
import {
  DEFAULT_LIMITS,
  listRecords,
  readContent,
  readRecord,
  type JsonAnswer,
  type Limits,
} from './reads.js';
import type { StoreTx, StoredRecord, SyncStore } from './store/types.js';
import {
  SYSTEM,
  Writer,
  splitPath,
  toTombstone,
  toWire,
  type IfMatch,
  type Tombstone,
  type WriteRequest,
} from './writes.js';

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
  /**
   * Told after each write was decided — its own request or one of a batch — with the status it was answered (a
   * replay's too): for an audit trail, metrics or a request log. Writes a batch did not attempt (424) are not told.
   */
  onWrite?: (event: WriteEvent) => void;
}

/** One decided write, for `onWrite`. */
export interface WriteEvent {
  user: string;
  key: string;
  method: WriteMethod;
  /** The path and query as the client sent them. */
  path: string;
  status: number;
  /** The stored first answer was sent again. */
  replay: boolean;
  via: 'request' | 'batch';
}

/** What a request would be answered, before it is sent (so a test server can still drop it, say). */
export interface PreparedAnswer extends JsonAnswer {
  /** The user it acted for, when authenticated; the Idempotency-Key of a write; whether it was a replay. */
  user: string | null;
  key: string | null;
  replay: boolean;
}

/** The server's own writes: no access checks, no idempotency keys (dispatch edits, imports, seeds). */
export interface ServerWrites {
  /**
   * `options.id` gives the record a fixed id (a seed's `wo_1`); one in the collection's `<idPrefix>_<n>` form also
   * makes every later id of the collection larger. The id of a tombstone restores that record at its next version;
   * the id of a live record is a 409 `exists`. `options.as` is the user owned fields and defaults see (default
   * `system`).
   */
  create(collection: string, data: JsonObject, options?: { id?: string; as?: string }): Promise<JsonObject>;
  update(collection: string, id: string, patch: JsonObject): Promise<JsonObject>;
  remove(collection: string, id: string): Promise<Tombstone>;
}

/** The server's own changes, each in its own transaction, or several in one. */
export interface ServerChanges extends ServerWrites {
  /**
   * Runs `fn` in one transaction: its writes commit together or not at all (an import, a seed of thousands of
   * records). `fn` must only write through the `changes` it is given, since a store may run it again from the start
   * when the database asks (PostgreSQL's serialization failures).
   */
  transaction<T>(fn: (changes: ServerWrites) => Promise<T>): Promise<T>;
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
  const tell = (write: WriteRequest, status: number, replay: boolean, via: WriteEvent['via']): void => {
    if (!options.onWrite) return;
    try {
      options.onWrite({
        user: write.user,
        key: write.key,
        method: write.method,
        path: write.sent,
        status,
        replay,
        via,
      });
    } catch (error) {
      onError(error);
    }
  };

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
      const batch = await applyBatch(writer, writes, onError, (write, status, replay) =>
        tell(write, status, replay, 'batch'),
      );
      return { status: 200, headers: {}, body: batch };
    }
    const content = /^\/([^/]+)\/([^/]+)\/content$/.exec(path);
    const uploads = content?.[1] === undefined ? undefined : collections.get(safeDecode(content[1]));
    if (content?.[2] !== undefined && uploads?.binary) {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
      return readContent(store, uploads, user.id, safeDecode(content[2]));
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
    const { body, upload } = await readWriteBody(req, res, def, method === 'DELETE');
    const write: WriteRequest = {
      user: user.id,
      key,
      method,
      path,
      sent: url.pathname + url.search,
      query: url.search,
      ifMatch,
      tempId: typeof tempId === 'string' && tempId !== '' ? tempId : null,
      body,
      upload,
    };
    const answer = await writer.apply(write);
    tell(write, answer.status, answer.replay, 'request');
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
      // Awaited first: route fills in `seen` as it goes, and a spread taken before it ran would keep the blanks.
      const answer = await route(req, res, url, seen);
      return { ...seen, ...answer };
    } catch (error) {
      if (!(error instanceof HttpError)) onError(error);
      const httpError =
        error instanceof HttpError
          ? error
          : new HttpError(500, 'internal_error', 'the server failed to handle this request');
      return { ...seen, status: httpError.status, headers: httpError.headers, body: httpError.toBody() };
    }
  };

  async function readWriteBody(
    req: IncomingMessage,
    res: ServerResponse,
    def: Collection,
    ignore: boolean,
  ): Promise<{ body: unknown; upload: WriteRequest['upload'] }> {
    const bytes = await readBody(req, res, limits.maxBodyBytes);
    const header = req.headers['content-type'];
    if (ignore || (bytes.byteLength === 0 && header === undefined)) return { body: undefined, upload: null };
    const type = mediaType(header);
    if (isJsonMediaType(type)) return { body: parseJson(bytes), upload: null };
    if (def.fromForm && type === 'application/x-www-form-urlencoded') {
      return { body: def.fromForm(parseUrlEncoded(bytes)), upload: null };
    }
    if (def.fromForm && type === 'multipart/form-data' && header !== undefined) {
      return { body: def.fromForm(await parseMultipart(bytes, header)), upload: null };
    }
    if (def.binary && type !== null && acceptsType(def.binary.types, type)) {
      return { body: undefined, upload: { contentType: type, bytes } };
    }
    const accepted = [
      'application/json',
      ...(def.fromForm ? ['application/x-www-form-urlencoded', 'multipart/form-data'] : []),
      ...(def.binary?.types ?? []),
    ];
    throw new HttpError(
      415,
      'unsupported_media_type',
      `${header ?? 'a body without Content-Type'} is not accepted: send ${accepted.join(', ')}`,
    );
  }

  // Node leaves the body out of an answer to HEAD by itself.
  const send = (_req: IncomingMessage, res: ServerResponse, answer: JsonAnswer): void => {
    if (answer.raw && !res.headersSent && !res.destroyed) {
      res.writeHead(answer.status, {
        ...PROTOCOL_HEADER,
        ...answer.headers,
        'Content-Type': answer.raw.contentType,
        'Content-Length': answer.raw.bytes.byteLength,
      });
      res.end(answer.raw.bytes);
      return;
    }
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

  const writesIn = (run: <T>(fn: (tx: StoreTx) => Promise<T>) => Promise<T>): ServerWrites => ({
    async create(collection, data, options = {}) {
      const def = find(collection);
      const ctx = { user: options.as ?? SYSTEM, now: clock() };
      return toWire(await run((tx) => writer.insert(tx, def, data, ctx, options.id)));
    },
    async update(collection, id, patch) {
      const def = find(collection);
      const record = await run(async (tx) => {
        const current = live(await tx.get(collection, id), `${collection}/${id}`);
        return writer.replace(tx, def, current, (base) => def.update('patch', patch, base.data), null);
      });
      return toWire(record);
    },
    async remove(collection, id) {
      const def = find(collection);
      const record = await run(async (tx) => {
        const current = await tx.get(collection, id);
        if (!current) throw new HttpError(404, 'not_found', `${collection}/${id} does not exist`);
        return current.deleted ? current : writer.remove(tx, def, current, null);
      });
      return toTombstone(record);
    },
  });

  const changes: ServerChanges = {
    ...writesIn((fn) => store.write(fn)),
    transaction: (fn) => store.write((tx) => fn(writesIn((inner) => inner(tx)))),
    async all(collection) {
      find(collection);
      const records = await store.read((reader) => reader.all(collection));
      return records.map((record) => ({ ...toWire(record), deleted: record.deleted }));
    },
  };

  return Object.assign(handler, { basePath, prepare, send, changes });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_path', `${segment} is not valid percent-encoding`);
  }
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
