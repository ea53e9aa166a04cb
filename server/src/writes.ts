import { createHash } from 'node:crypto';
import { TEMP_ID_PATTERN, TEMP_PREFIX, type WriteMethod } from '@offline-kit/sw/protocol';
import type { Collection, WriteContext } from './collections.js';
import { acceptsType } from './collections.js';
import { SERVER_FIELDS } from './collections.js';
import { ConflictError, HttpError, forbidden, invalidBody } from './errors.js';
import { canonicalJson, isObject, sha256, type JsonObject } from './json.js';
import type { StoreTx, StoredBlob, StoredRecord, SyncStore } from './store/types.js';

/** `If-Match`: a version, or `*`. */
export type IfMatch = { kind: 'any' } | { kind: 'version'; version: number };

/** One write, however it arrived (its own request, or inside a batch), with its path relative to the base path. */
export interface WriteRequest {
  user: string;
  key: string;
  method: WriteMethod;
  /** `/{collection}` or `/{collection}/{id}`, percent-encoded as sent. */
  path: string;
  /** The path and query as the client sent them, base path included (for `onWrite`). */
  sent: string;
  ifMatch: IfMatch | null;
  tempId: string | null;
  /** The query string (`?workOrderId=…`, or ''): a binary collection makes fields from it. */
  query: string;
  /** The parsed JSON body (a form already made into its object); undefined when there was none. */
  body: unknown;
  /** The bytes of a create in a binary collection, instead of a body. */
  upload: StoredBlob | null;
}

export interface WriteAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** True when this is the stored first answer to the same key. */
  replay: boolean;
}

export interface Tombstone {
  id: string;
  version: number;
  updatedAt: string;
  deleted: true;
}

/** A record as the wire shows it: server fields first, then the application's. */
export function toWire(record: StoredRecord): JsonObject {
  return { id: record.id, version: record.version, updatedAt: record.updatedAt, ...record.data };
}

export function toTombstone(record: StoredRecord): Tombstone {
  return { id: record.id, version: record.version, updatedAt: record.updatedAt, deleted: true };
}

export function etag(record: StoredRecord): string {
  return `"${record.version}"`;
}

/** The actor of the server's own changes (`SyncHandler.changes`): not a user, so no access checks. */
export const SYSTEM = 'system';

/** Splits `/{collection}[/{id}]`; null for anything else. */
export function splitPath(path: string): { collection: string; id: string | null } | null {
  const parts = path.split('/');
  if (parts[0] !== '' || parts.length < 2 || parts.length > 3 || parts.slice(1).some((p) => p === ''))
    return null;
  try {
    const [, collection = '', id] = parts.map((part) => decodeURIComponent(part));
    return { collection, id: id ?? null };
  } catch {
    throw new HttpError(400, 'invalid_path', `the path ${path} is not valid percent-encoding`);
  }
}

/**
 * The rules of writing (PROTOCOL.md §5): exactly once per (user, Idempotency-Key), conflicts by version, temporary
 * ids, who may write what, and what a parent's change does to its children.
 */
export class Writer {
  constructor(
    private readonly store: SyncStore,
    private readonly collections: Map<string, Collection>,
    private readonly clock: () => Date,
  ) {}

  /**
   * Applies one write. Everything happens in one transaction — rewriting temporary ids, looking up the key, the
   * change, and storing the answer under the key — so a crash keeps both or neither, and the stored answer is what
   * any app server replays. 4xx answers decided by the data are stored too; 5xx and unexpected errors roll everything
   * back and store nothing, so the write may be tried again.
   */
  apply(request: WriteRequest): Promise<WriteAnswer> {
    return this.store.write(async (tx) => {
      const write = await rewriteTempIds(tx, request);
      const fingerprint = fingerprintOf(write);
      const stored = await tx.getAnswer(write.user, write.key);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          throw new HttpError(
            422,
            'idempotency_key_reused',
            `Idempotency-Key ${write.key} was already used for a different request`,
          );
        }
        return { status: stored.status, headers: stored.headers, body: stored.body, replay: true };
      }
      let answer: WriteAnswer;
      try {
        // A savepoint: a write refused half-way leaves nothing behind, while its answer is still recorded below.
        answer = await tx.savepoint(() => this.perform(tx, write));
      } catch (error) {
        if (!(error instanceof HttpError) || error.status >= 500) throw error;
        answer = { status: error.status, headers: error.headers, body: error.toBody(), replay: false };
      }
      await tx.putAnswer(write.user, write.key, {
        fingerprint,
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
      });
      return answer;
    });
  }

  private async perform(tx: StoreTx, write: WriteRequest): Promise<WriteAnswer> {
    const route = splitPath(write.path);
    const def = route ? this.collections.get(route.collection) : undefined;
    if (!route || !def) throw new HttpError(404, 'unknown_collection', `no collection answers ${write.path}`);
    if (!def.writable) throw new HttpError(405, 'read_only', `${def.name} is read-only`);
    const ctx: WriteContext = { user: write.user, now: this.clock() };
    if (write.method === 'POST') {
      if (route.id !== null) {
        throw new HttpError(405, 'method_not_allowed', `POST goes to ${def.name}, not to one of its records`);
      }
      return this.create(tx, def, write, ctx);
    }
    if (route.id === null) {
      throw new HttpError(405, 'method_not_allowed', `${write.method} needs a record id: ${def.name}/<id>`);
    }
    if (write.method !== 'DELETE' && def.immutable) {
      throw new HttpError(
        405,
        'read_only',
        `${def.name} records cannot be changed: delete one and create another`,
      );
    }
    const current = await tx.get(def.name, route.id);
    if (!current) throw new HttpError(404, 'not_found', `${def.name}/${route.id} does not exist`);
    if (!(await this.canRead(tx, def, current, write.user))) throw forbidden(`${def.name}/${route.id}`);
    checkIfMatch(def, current, write.ifMatch, write.method);
    if (write.method === 'DELETE') {
      if (current.deleted) return answer(200, toTombstone(current), {});
      return answer(200, toTombstone(await this.remove(tx, def, current, write.ifMatch)), {});
    }
    if (current.deleted) {
      throw new HttpError(404, 'deleted', `${def.name}/${current.id} was deleted`, toTombstone(current));
    }
    if (!isObject(write.body)) throw invalidBody('(body)', 'must be a JSON object');
    const input = write.body;
    const kind = write.method === 'PUT' ? 'replace' : 'patch';
    const record = await this.replace(
      tx,
      def,
      current,
      (base) => def.update(kind, input, base.data),
      write.ifMatch,
    );
    return answer(200, toWire(record), { ETag: etag(record) });
  }

  private async create(
    tx: StoreTx,
    def: Collection,
    write: WriteRequest,
    ctx: WriteContext,
  ): Promise<WriteAnswer> {
    if (write.tempId !== null) {
      if (!TEMP_ID_PATTERN.test(write.tempId)) {
        throw new HttpError(
          400,
          'invalid_temp_id',
          'a temporary id is tmp_ followed by 1-200 letters, digits, - or _',
        );
      }
      const known = await tx.resolveTempId(write.user, write.tempId);
      if (known !== undefined) {
        // A second create under the same temporary id with another key would make a duplicate record.
        throw new HttpError(400, 'invalid_temp_id', `${write.tempId} was already created as ${known}`, {
          tempId: write.tempId,
          id: known,
        });
      }
    }
    let input: JsonObject;
    if (def.binary) {
      const upload = write.upload;
      if (!upload || !acceptsType(def.binary.types, upload.contentType)) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `${def.name} takes ${def.binary.types.join(', ')} bodies, not ${upload?.contentType ?? 'JSON'}`,
        );
      }
      const query = new URLSearchParams(write.query);
      input = def.binary.fields({ contentType: upload.contentType, size: upload.bytes.byteLength, query });
    } else {
      if (write.upload) {
        throw new HttpError(415, 'unsupported_media_type', `${def.name} takes application/json bodies`);
      }
      if (!isObject(write.body)) throw invalidBody('(body)', 'must be a JSON object');
      input = write.body;
    }
    const record = await this.insert(tx, def, input, ctx);
    if (def.binary && write.upload) await tx.putBlob(def.name, record.id, write.upload);
    if (write.tempId !== null) await tx.rememberTempId(write.user, write.tempId, def.name, record.id);
    return answer(201, toWire(record), {
      ETag: etag(record),
      Location: `/${encodeURIComponent(def.name)}/${encodeURIComponent(record.id)}`,
    });
  }

  async canRead(
    tx: Pick<StoreTx, 'canRead'>,
    def: Collection,
    record: StoredRecord,
    user: string,
  ): Promise<boolean> {
    return user === SYSTEM || def.readers === 'everyone' || tx.canRead(def.name, record.id, user);
  }

  /** A create: validated, its parent checked, an id taken, readers granted. */
  async insert(
    tx: StoreTx,
    def: Collection,
    input: JsonObject,
    ctx: WriteContext,
    fixedId?: string,
  ): Promise<StoredRecord> {
    const data = def.create(input, ctx);
    const parentId = def.parent ? await this.checkParent(tx, def, data, ctx.user) : null;
    let id: string;
    if (fixedId === undefined) {
      id = `${def.idPrefix}_${await tx.nextId(def.idPrefix)}`;
    } else {
      const existing = await tx.get(def.name, fixedId);
      if (existing && !existing.deleted) {
        throw new HttpError(409, 'exists', `${def.name}/${fixedId} exists`);
      }
      if (existing) {
        // A tombstone comes back at its next version, so delta pulls deliver it again as a record.
        const restored = await tx.update(existing, data, false);
        if (!restored) throw new HttpError(503, 'busy', `${def.name}/${fixedId} keeps changing: try again`);
        await this.grantReaders(tx, def, restored);
        return restored;
      }
      id = fixedId;
      // A fixed id in the prefix's own form takes that number: no later create may be given it again.
      const used = id.startsWith(`${def.idPrefix}_`) ? id.slice(def.idPrefix.length + 1) : '';
      if (/^\d{1,15}$/.test(used)) await tx.reserveId(def.idPrefix, Number(used));
    }
    const record = await tx.insert(def.name, id, data, parentId);
    await this.grantReaders(tx, def, record);
    return record;
  }

  /**
   * A change to a live record: a conditional update on the version this transaction read. When another app server
   * changed the record in between, a write with If-Match is a 409 with the copy now stored; one without (last write
   * wins) reads the record again and applies to it.
   */
  async replace(
    tx: StoreTx,
    def: Collection,
    current: StoredRecord,
    make: (base: StoredRecord) => JsonObject,
    ifMatch: IfMatch | null,
  ): Promise<StoredRecord> {
    const record = await this.conditionalUpdate(tx, def, current, make, false, ifMatch);
    if (
      def.readers !== 'everyone' &&
      def.readers !== 'parent' &&
      (await this.grantReaders(tx, def, record))
    ) {
      // Children are visible to whoever sees the parent: moving them to the end of the change order makes the next
      // delta pull deliver them to new readers, and report them deleted to removed ones.
      const readers = await tx.readers(def.name, record.id);
      for (const child of await this.children(tx, def, record.id)) {
        await tx.setReaders(child.collection, child.id, readers);
        await tx.touch(child.collection, child.id);
      }
    }
    return record;
  }

  /** Deletes a record, leaving a tombstone; its children go with it. */
  async remove(
    tx: StoreTx,
    def: Collection,
    current: StoredRecord,
    ifMatch: IfMatch | null,
  ): Promise<StoredRecord> {
    for (const child of await this.children(tx, def, current.id)) {
      const childDef = this.collections.get(child.collection);
      if (childDef) await this.remove(tx, childDef, child, null);
    }
    if (def.binary) await tx.deleteBlob(def.name, current.id);
    return this.conditionalUpdate(tx, def, current, (base) => base.data, true, ifMatch);
  }

  private async conditionalUpdate(
    tx: StoreTx,
    def: Collection,
    current: StoredRecord,
    make: (base: StoredRecord) => JsonObject,
    deleted: boolean,
    ifMatch: IfMatch | null,
  ): Promise<StoredRecord> {
    let base = current;
    for (let attempt = 0; ; attempt += 1) {
      // Last write wins applies to the copy stored now: a PATCH merges onto it again.
      const written = await tx.update(base, make(base), deleted);
      if (written) return written;
      const now = await tx.get(def.name, base.id);
      if (!now) throw new Error(`${def.name}/${base.id} vanished`);
      // Another transaction committed a change first: with If-Match that is exactly a conflict.
      checkIfMatch(def, now, ifMatch, deleted ? 'DELETE' : 'write');
      if (now.deleted) {
        if (deleted) return now;
        throw new HttpError(404, 'deleted', `${def.name}/${now.id} was deleted`, toTombstone(now));
      }
      if (attempt > 5) throw new HttpError(503, 'busy', `${def.name}/${base.id} keeps changing: try again`);
      base = now;
    }
  }

  private async children(tx: StoreTx, def: Collection, id: string): Promise<StoredRecord[]> {
    const hasChildren = [...this.collections.values()].some((c) => c.parent?.collection === def.name);
    return hasChildren ? tx.liveChildren(def.name, id) : [];
  }

  /** The parent a child refers to must exist, be live, and be readable by whoever writes the child. */
  private async checkParent(tx: StoreTx, def: Collection, data: JsonObject, user: string): Promise<string> {
    const relation = def.parent;
    const parentDef = relation ? this.collections.get(relation.collection) : undefined;
    if (!relation || !parentDef) throw new Error(`${def.name} has no parent`);
    const parentId = data[relation.field];
    if (typeof parentId !== 'string') throw invalidBody(relation.field, 'required');
    const parent = await tx.get(relation.collection, parentId);
    if (!parent || parent.deleted) {
      throw invalidBody(
        relation.field,
        parentId.startsWith(TEMP_PREFIX)
          ? `the temporary id ${parentId} has not been created yet`
          : `no ${relation.collection} record ${parentId}${parent ? ' (it was deleted)' : ''}`,
      );
    }
    if (!(await this.canRead(tx, parentDef, parent, user)))
      throw forbidden(`${relation.collection}/${parentId}`);
    return parentId;
  }

  /** Sets who may read a record from its own fields or its parent's readers. Returns whether that changed. */
  private async grantReaders(tx: StoreTx, def: Collection, record: StoredRecord): Promise<boolean> {
    if (def.readers === 'everyone') return false;
    if (def.readers === 'parent') {
      if (!def.parent || record.parentId === null) return false;
      return tx.setReaders(def.name, record.id, await tx.readers(def.parent.collection, record.parentId));
    }
    return tx.setReaders(def.name, record.id, def.readers(record.data));
  }
}

function checkIfMatch(def: Collection, current: StoredRecord, ifMatch: IfMatch | null, method: string): void {
  if (ifMatch === null) return;
  const label = `${def.name}/${current.id}`;
  if (current.deleted) {
    throw new ConflictError(`${label} was deleted at version ${current.version}`, {
      current: null,
      deleted: true,
      tombstone: toTombstone(current),
    });
  }
  if (ifMatch.kind === 'version' && ifMatch.version !== current.version) {
    throw new ConflictError(`${label} is at version ${current.version}, not ${ifMatch.version} (${method})`, {
      current: toWire(current),
    });
  }
}

/** Replaces temporary ids this user created earlier by their server ids, in the path and top-level fields. */
async function rewriteTempIds(tx: StoreTx, request: WriteRequest): Promise<WriteRequest> {
  const resolve = async (value: string): Promise<string> =>
    value.startsWith(TEMP_PREFIX) ? ((await tx.resolveTempId(request.user, value)) ?? value) : value;
  const segments: string[] = [];
  for (const segment of request.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      segments.push(segment);
      continue;
    }
    segments.push(encodeURIComponent(await resolve(decoded)));
  }
  const query = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(request.query)) query.append(name, await resolve(value));
  let body = request.body;
  if (isObject(body)) {
    const value: JsonObject = {};
    for (const [name, field] of Object.entries(body))
      value[name] = typeof field === 'string' ? await resolve(field) : field;
    body = value;
  }
  const search = query.toString();
  return { ...request, path: segments.join('/'), query: search === '' ? '' : `?${search}`, body };
}

function fingerprintOf(write: WriteRequest): string {
  // Server-owned fields are ignored when stored, so they do not make two attempts different either.
  const body = isObject(write.body)
    ? Object.fromEntries(
        Object.entries(write.body).filter(([name]) => !(SERVER_FIELDS as readonly string[]).includes(name)),
      )
    : write.body;
  const parts = [write.method, write.path, write.tempId ?? '', body === undefined ? '' : canonicalJson(body)];
  // Only when present, so the fingerprints of answers stored before queries and uploads counted stay the same.
  if (write.query !== '' || write.upload) {
    const bytes = write.upload ? createHash('sha256').update(write.upload.bytes).digest('hex') : '';
    parts.push(write.query, write.upload ? `${write.upload.contentType}:${bytes}` : '');
  }
  return sha256(...parts);
}

function answer(status: number, body: unknown, headers: Record<string, string>): WriteAnswer {
  return { status, body, headers, replay: false };
}
