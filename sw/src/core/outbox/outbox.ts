/**
 * The write queue's semantics: capturing a write (with coalescing), the optimistic local record, views for pages and
 * the panel, and what happens to the local copy when a write is acknowledged, edited, discarded or superseded.
 * Sending is not here (see `replicator.ts`).
 */
import type { ConflictView, HistoryEntry, QueuedWriteView } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError, isQuotaError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';
import { bodyFields, encodeFields, encodeJson, isJsonType, parseJsonBody } from '../model/bodies.js';
import { unitsOf, type EngineContext } from '../deps.js';
import type { StoredRecord, StoredWrite } from '../storage/db.js';
import type { NewEntry } from '../storage/history-store.js';
import type { QueueRow } from '../storage/queue-store.js';
import { GroupCommit } from '../storage/group-commit.js';
import { rebuildRecord } from './rebuild.js';
import { acknowledgedId, settleBatch, type Ack } from './settle-batch.js';
import { SYNC_FIELD, appFields, applyChange, diffFields, mergePatch } from '../model/records.js';
import { isTempId, referencedTempIds, rewriteFields, rewriteUrl } from '../model/temp-ids.js';
import { TEMP_PREFIX, type ServerRecord, type WriteMethod } from '../../protocol/wire.js';

export interface WriteInput {
  method: WriteMethod;
  /** Same-origin path and query. */
  url: string;
  collection: string;
  /** null for a create: a temporary id is made. */
  recordId: string | null;
  headers: [string, string][];
  body: ArrayBuffer | null;
  contentType: string | null;
  /** The version the page sent in its own If-Match, if any. */
  ifMatch: number | null;
  /** The page's own Idempotency-Key, if any (becomes the write's id). */
  idempotencyKey: string | null;
  /** Reserved at arrival (`Outbox.reserveSeq`), so issue order survives bodies that finish reading out of order. */
  seq: number;
  /** The body as the caller already parsed it (`parseJsonBody`), so it is not parsed again; absent: not parsed yet. */
  json?: { value: unknown };
}

export interface Enqueued {
  write: StoredWrite;
  record: JsonRecord | null;
  coalesced: boolean;
  /** The stored body's JSON (undefined when it is not JSON), for the write's view without reading the body again. */
  json: unknown;
}

/** Set by the module itself at each send (from the write's id, base version and temporary id): never stored. */
const SET_AT_SEND = new Set(['idempotency-key', 'if-match', 'offline-kit-temp-id', 'content-length']);

/**
 * The headers of a write that are kept and replayed: only names on the allow-list (`replayHeaders`), so a secret the
 * app puts in a header of its own (`X-Api-Key`, `X-CSRF-Token`) never lands on disk. Also applied at send time, to
 * rows an older version stored with everything but Authorization and Cookie.
 */
export function storableHeaders(
  headers: Iterable<[string, string]>,
  allowed: ReadonlySet<string>,
): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    if (allowed.has(name) && !SET_AT_SEND.has(name)) out.push([name, v]);
  }
  return out;
}

export class Outbox {
  private seq = -1;
  private seqReady: Promise<void> | null = null;
  /**
   * Captured writes commit together: a burst of 1,000 writes costs tens of commits, not 1,000, and each page's 202
   * still waits for its own write's commit. `seq` was reserved at arrival, so the order of the rows inside a
   * transaction does not matter. A group that fails (the quota is full) is retried one capture per transaction, so
   * only the captures that do not fit are refused.
   */
  private readonly captures = new GroupCommit<Capture>((captures) => commitCaptures(this.tx(), captures), {
    retryAlone: true,
  });

  constructor(private readonly ctx: EngineContext) {}

  /**
   * The next `seq`. Callers call this synchronously when a request arrives; the promise callbacks run in call order
   * (FIFO), so seq follows arrival order even while the first call waits for the store's current maximum.
   */
  reserveSeq(): Promise<number> {
    this.seqReady ??= this.ctx.queue.maxSeq().then((max) => {
      this.seq = max;
    });
    return this.seqReady.then(() => ++this.seq);
  }

  /**
   * Stores a write durably, with its optimistic record and its history entry in ONE transaction: when this resolves
   * the write survives a crash. Rejects with `quota_exceeded` when the browser refuses the space: never a silent drop.
   */
  async enqueue(input: WriteInput): Promise<Enqueued> {
    // The body is parsed once: stripping `_sync`, finding temporary ids and the record's fields all read this object.
    let json = input.json !== undefined ? input.json.value : parseJsonBody(input.body, input.contentType);
    let body = input.body;
    if (isObject(json) && SYNC_FIELD in json) {
      const copy = { ...json };
      delete copy[SYNC_FIELD];
      json = copy;
      body = encodeJson(copy);
    }
    // Locked on the record and on every temporary id the write names, and on the server ids already learnt for them:
    // an acknowledgement settling meanwhile would otherwise leave this write on a stale version or a stale id. A
    // create of a record with no parent in the queue locks nothing (a new temporary id is not known to anyone yet).
    const candidates = tempIdsIn(input, json);
    for (;;) {
      const seen = await this.knownIds(candidates);
      const keys = new Set<string>([...candidates, ...seen.values()]);
      if (input.recordId) keys.add(input.recordId);
      const captured =
        keys.size === 0
          ? await this.capture(input, json, body, seen)
          : await this.ctx.locks.run(keys, async () => {
              const idMap = await this.knownIds(candidates);
              // A temporary id got its server id between the look-up and the lock: take the new id's lock too.
              for (const real of idMap.values()) if (!keys.has(real)) return null;
              return this.capture(input, json, body, idMap);
            });
      if (captured) return captured;
    }
  }

  /** `enqueue` once the record's lock is held (or not needed) and the server ids of its temporary ids are known. */
  private async capture(
    input: WriteInput,
    parsed: unknown,
    original: ArrayBuffer | null,
    idMap: Map<string, string>,
  ): Promise<Enqueued> {
    const { ctx } = this;
    const create = input.method === 'POST';
    let json = parsed;
    let body = original;
    let url = idMap.size ? rewriteUrl(input.url, idMap) : input.url;
    if (idMap.size && body) {
      const rewritten = rewriteFields(json, idMap);
      if (rewritten) {
        json = rewritten;
        body = encodeJson(rewritten);
      }
    }
    const recordId = create
      ? TEMP_PREFIX + ctx.deps.uuid()
      : (idMap.get(input.recordId ?? '') ?? input.recordId);
    if (!recordId) throw new OfflineKitError('invalid_state', 'a write without a record id');
    if (!create && input.recordId && recordId !== input.recordId) url = rewriteUrl(url, idMap);

    let fields: JsonRecord | null;
    if (isJsonType(input.contentType)) fields = body && isObject(json) ? json : null;
    else fields = await bodyFields(body, input.contentType);
    if (create && fields === null) {
      // Binary creates (a photo) carry their fields in the query, e.g. ?workOrderId=…
      fields = Object.fromEntries(new URL(url, 'http://x').searchParams);
      if (input.contentType) fields.contentType = input.contentType;
      fields.size = body?.byteLength ?? 0;
    }
    // A create's record id was made just above: there is no local record to read.
    const current = create ? undefined : await ctx.records.get(input.collection, recordId);
    const now = ctx.deps.now();

    const coalesced = await this.tryCoalesce(input, recordId, body, fields, current?.data ?? null);
    if (coalesced) return coalesced;

    const [sealedBody, baseRecord] = await Promise.all([
      ctx.codec.sealBytes(body),
      ctx.codec.sealJson(create ? null : (current?.server ?? null)),
    ]);
    const write: StoredWrite = {
      id: input.idempotencyKey ?? ctx.deps.uuid(),
      seq: input.seq,
      collection: input.collection,
      recordId,
      method: input.method,
      url,
      headers: storableHeaders(input.headers, ctx.config.replayHeaders),
      body: sealedBody,
      contentType: input.contentType,
      bodySize: body?.byteLength ?? 0,
      baseVersion: create ? null : (input.ifMatch ?? current?.row.version ?? null),
      baseRecord,
      refs: referencedTempIds(url, fields).filter((id) => id !== recordId),
      tempId: create ? recordId : null,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      lastStatus: null,
      state: 'pending',
      conflict: null,
      rev: 0,
    };
    const data = applyChange(current?.data ?? null, input.method, recordId, fields);
    const row: StoredRecord = current?.row ?? {
      collection: input.collection,
      id: recordId,
      data: null,
      server: null,
      version: null,
      fromServer: false,
      deleted: false,
      syncedAt: null,
      pullMark: null,
    };
    const [sealedData, stored] = await Promise.all([ctx.codec.sealJson(data), ctx.queue.seal(write)]);
    // The write, its optimistic record and its history entry commit together (all or none), in the next group commit.
    // The record's lock (when it has one) is held until then, so no other step of this record lands in between.
    try {
      await this.captures.add({
        write: stored,
        record: { ...row, data: sealedData, deleted: data === null },
        entry: historyEntry(write, 'queued', now),
      });
    } catch (error) {
      throw storageError(error);
    }
    return { write, record: data, coalesced: false, json: body ? json : undefined };
  }

  private tx() {
    return this.ctx.queue.writeTransaction();
  }

  /** Server ids already learnt for temporary ids this write uses (a page may still show a record's temporary id). */
  private async knownIds(candidates: ReadonlySet<string>): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const tmp of candidates) {
      const real = await this.ctx.meta.idFor(tmp);
      if (real) map.set(tmp, real);
    }
    return map;
  }

  /**
   * Folds a new edit into the record's last queued write when that write was never sent (attempts 0, pending) and
   * both are JSON: PATCH+PATCH → one PATCH, PUT/PATCH after a create → the create, PUT after PUT/PATCH → PUT,
   * DELETE after PUT/PATCH → DELETE. Anything else is queued as its own write.
   */
  private async tryCoalesce(
    input: WriteInput,
    recordId: string,
    body: ArrayBuffer | null,
    fields: JsonRecord | null,
    currentData: JsonRecord | null,
  ): Promise<Enqueued | null> {
    if (input.method === 'POST' || input.idempotencyKey) return null;
    if (input.method !== 'DELETE' && !isJsonType(input.contentType)) return null;
    const writes = await this.ctx.queue.forRecord(input.collection, recordId);
    const last = writes[writes.length - 1];
    if (!last || last.state !== 'pending' || last.attempts !== 0) return null;
    // Edits of a record the server has are kept apart unless the collection opts in: each is its own version there.
    if (last.method !== 'POST' && !this.ctx.config.collections.get(input.collection)?.coalesceEdits)
      return null;
    if (last.method === 'DELETE') return null;
    if (last.method !== 'POST' && last.method !== input.method && input.method === 'PATCH') {
      if (last.method !== 'PUT') return null;
    }
    const lastBytes = await this.ctx.codec.openBytes(last.body);
    if (!isJsonType(last.contentType)) return null;
    const lastJson = parseJsonBody(lastBytes, last.contentType);
    if (!isObject(lastJson)) return null;

    let method: WriteMethod = last.method;
    let newBody: ArrayBuffer | null;
    let newJson: unknown;
    if (input.method === 'DELETE') {
      if (last.method === 'POST') return null;
      method = 'DELETE';
      newBody = null;
    } else if (input.method === 'PUT') {
      newJson = appFields(fields);
      newBody = encodeJson(newJson);
      if (last.method === 'PATCH') method = 'PUT';
    } else {
      newJson = mergePatch(lastJson, appFields(fields));
      newBody = encodeJson(newJson);
    }
    const sealed = await this.ctx.codec.sealBytes(newBody);
    const data = applyChange(currentData, input.method, recordId, fields);
    // Built from `last` and sealed before the transaction opens; the row is only replaced if it still has `last`'s
    // rev (every change of a row bumps it), so `last` is exactly what is on disk.
    const write: StoredWrite = {
      ...last,
      method,
      body: sealed,
      bodySize: newBody?.byteLength ?? 0,
      contentType: newBody ? 'application/json' : null,
      // A create keeps its own URL (the collection's); an edit or delete goes to the URL the page used last.
      url: last.method === 'POST' ? last.url : input.url,
      rev: last.rev + 1,
    };
    const [sealedData, stored] = await Promise.all([
      this.ctx.codec.sealJson(data),
      this.ctx.queue.seal(write),
    ]);
    const tx = this.tx();
    const queue = tx.objectStore('queue');
    const fresh = await queue.get(last.id);
    if (!fresh || fresh.rev !== last.rev || fresh.state !== 'pending' || fresh.attempts !== 0) {
      tx.abort();
      await tx.done.catch(() => undefined);
      return null;
    }
    try {
      const records = tx.objectStore('records');
      const row = await records.get([input.collection, recordId]);
      await Promise.all([
        queue.put(stored),
        row ? records.put({ ...row, data: sealedData, deleted: data === null }) : null,
        tx.objectStore('history').add(historyEntry(write, 'edited', this.ctx.deps.now()) as HistoryEntry),
        tx.done,
      ]);
    } catch (error) {
      throw storageError(error);
    }
    return { write, record: data, coalesced: true, json: newJson };
  }

  async view(write: StoredWrite): Promise<QueuedWriteView> {
    const bytes = await this.ctx.codec.openBytes(write.body);
    return this.viewOf(write, parseJsonBody(bytes, write.contentType) ?? null);
  }

  /** The view of a write whose JSON body the caller already holds: no decryption, no second parse. */
  viewOf(write: StoredWrite, json: unknown): QueuedWriteView {
    return {
      id: write.id,
      seq: write.seq,
      collection: write.collection,
      recordId: write.recordId,
      method: write.method,
      url: write.url,
      state: write.state,
      baseVersion: write.baseVersion,
      createdAt: write.createdAt,
      attempts: write.attempts,
      nextAttemptAt: write.nextAttemptAt,
      lastError: write.lastError,
      lastStatus: write.lastStatus,
      contentType: write.contentType,
      bodySize: write.bodySize,
      json: json ?? null,
      units: unitsOf(this.ctx.config, write.collection),
    };
  }

  /** Base, local and server states of a conflicted write. */
  async conflictView(write: StoredWrite): Promise<ConflictView | null> {
    if (!write.conflict) return null;
    const base = asRecord(await this.ctx.codec.openJson(write.baseRecord));
    const server = asRecord(await this.ctx.codec.openJson(write.conflict.server));
    const local = await this.localOf(write, base);
    return {
      writeId: write.id,
      collection: write.collection,
      recordId: write.recordId,
      method: write.method,
      base,
      local,
      server,
      serverDeleted: write.conflict.serverDeleted,
      fields: diffFields(local, server),
      detectedAt: write.conflict.detectedAt,
    };
  }

  /** The user's version: the write applied to the base it was made on. */
  async localOf(write: StoredWrite, base: JsonRecord | null): Promise<JsonRecord | null> {
    const bytes = await this.ctx.codec.openBytes(write.body);
    return applyChange(base, write.method, write.recordId, await bodyFields(bytes, write.contentType));
  }

  /**
   * Recomputes the app's view of a record: the server's copy with every queued write for it applied in order. Used
   * after acknowledgements, discards, edits and pulls, so the overlay never drifts from the queue.
   */
  async rebuild(collection: string, recordId: string): Promise<JsonRecord | null> {
    const { ctx } = this;
    const current = await ctx.records.get(collection, recordId);
    const writes = await ctx.queue.forRecord(collection, recordId);
    const rebuilt = await rebuildRecord(ctx.codec, current, writes, collection, recordId);
    if (rebuilt.action === 'delete') await ctx.records.delete(collection, recordId);
    if (rebuilt.action !== 'put') return null;
    await ctx.records.putMany([rebuilt.record]);
    return rebuilt.record.data;
  }

  /**
   * The server acknowledged `write`: store its record, move a temporary id to the server's id everywhere, rebase the
   * record's later writes on the new version, then remove the write. The local copy is updated before the queue entry
   * goes, so a crash in between only causes a resend with the same key, which the server answers from its store.
   */
  async acknowledge(write: StoredWrite, record: ServerRecord | null, deleted: boolean): Promise<void> {
    const { ctx } = this;
    const now = ctx.deps.now();
    const recordId = acknowledgedId(write, record);
    if (recordId !== write.recordId)
      await this.renameRecord(write.collection, write.recordId, recordId, write.id);
    const existing = await ctx.records.get(write.collection, recordId);
    const row: StoredRecord = {
      ...(existing?.row ?? {
        collection: write.collection,
        id: recordId,
        data: null,
        server: null,
        pullMark: null,
        deleted: false,
      }),
      version: record?.version ?? existing?.row.version ?? null,
      fromServer: true,
      syncedAt: now,
    };
    const server = deleted ? null : (record ?? existing?.server ?? null);
    await ctx.records.putMany([{ row, data: existing?.data ?? null, server }]);
    // Later writes of this record were made on top of this one: they now apply to the new version.
    for (const later of await ctx.queue.forRecord(write.collection, recordId)) {
      if (later.id === write.id || later.state === 'sending') continue;
      if (later.method !== 'POST' && record) {
        later.baseVersion = record.version;
        later.baseRecord = await ctx.codec.sealJson(record);
        later.rev += 1;
        await ctx.queue.put(later);
      }
    }
    await ctx.queue.delete(write.id);
    const data = await this.rebuild(write.collection, recordId);
    if (deleted && !data) {
      const left = await ctx.queue.hasForRecord(write.collection, recordId);
      if (!left) await ctx.records.delete(write.collection, recordId);
    }
  }

  /**
   * Settles many 2xx answers together (see `settle-batch.ts`): one commit for the whole chunk, logged in the same
   * transaction. When something changed underneath, falls back to `acknowledge` one write at a time.
   */
  async acknowledgeMany(acks: readonly Ack[]): Promise<void> {
    const keys: string[] = [];
    for (const { write, record } of acks) {
      keys.push(write.recordId);
      if (record) keys.push(record.id);
    }
    await this.ctx.locks.run(keys, () => this.settle(acks));
  }

  private async settle(acks: readonly Ack[]): Promise<void> {
    if (await settleBatch(this.ctx, acks)) return;
    for (const ack of acks) {
      await this.acknowledge(ack.write, ack.record, ack.deleted);
      await this.ctx.history.add({
        kind: 'write',
        at: this.ctx.deps.now(),
        event: 'acknowledged',
        writeId: ack.write.id,
        collection: ack.write.collection,
        recordId: ack.write.recordId,
        method: ack.write.method,
        status: ack.status,
        error: null,
      });
    }
  }

  /**
   * A record got its server id: the local row moves, and every queued write that names the temporary id (its URL,
   * its record, top-level fields such as `workOrderId`) and every child record pointing at it is rewritten.
   */
  private async renameRecord(
    collection: string,
    from: string,
    to: string,
    exceptWrite: string,
  ): Promise<void> {
    const { ctx } = this;
    const map = new Map([[from, to]]);
    if (isTempId(from)) await ctx.meta.setIdFor(from, to);
    const old = await ctx.records.get(collection, from);
    if (old) {
      await ctx.records.putMany([
        { row: { ...old.row, id: to }, data: old.data ? { ...old.data, id: to } : null, server: old.server },
      ]);
      await ctx.records.delete(collection, from);
    }
    // Only writes that name the old id are touched, found by index: a long queue of creates is not rescanned on
    // every acknowledgement.
    const named = new Map<string, StoredWrite>();
    for (const w of await ctx.queue.forRecord(collection, from)) named.set(w.id, w);
    for (const w of await ctx.queue.referring(from)) named.set(w.id, w);
    const touched = new Set<string>();
    for (const w of [...named.values()].sort((a, b) => a.seq - b.seq)) {
      if (w.id === exceptWrite) continue;
      const url = rewriteUrl(w.url, map);
      w.url = url;
      w.refs = w.refs.filter((r) => r !== from);
      if (w.recordId === from && w.collection === collection) w.recordId = to;
      const bytes = await ctx.codec.openBytes(w.body);
      const json = parseJsonBody(bytes, w.contentType);
      const formFields = json === undefined ? await bodyFields(bytes, w.contentType) : null;
      const rewritten = rewriteFields(json ?? formFields, map);
      const encoded = rewritten ? encodeFields(rewritten, w.contentType) : null;
      if (encoded) {
        w.body = await ctx.codec.sealBytes(encoded);
        w.bodySize = encoded.byteLength;
      }
      w.rev += 1;
      await ctx.queue.put(w);
      if (w.collection !== collection || w.recordId !== to) touched.add(`${w.collection}\u0000${w.recordId}`);
    }
    // Children created offline hold the parent's temporary id in a reference field: their local copy is rebuilt from
    // the rewritten writes.
    for (const key of touched) {
      const [c, id] = key.split('\u0000');
      if (c && id) await this.rebuild(c, id);
    }
  }

  /** Replaces a write by a new one in the same place of the queue (new id: a new Idempotency-Key). */
  async replace(
    old: StoredWrite,
    next: Partial<StoredWrite> & { body?: StoredWrite['body'] },
  ): Promise<StoredWrite> {
    const write: StoredWrite = {
      ...old,
      ...next,
      id: next.id ?? this.ctx.deps.uuid(),
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      lastStatus: null,
      state: 'pending',
      conflict: null,
      rev: old.rev + 1,
    };
    const row = await this.ctx.queue.seal(write);
    const tx = this.tx();
    await Promise.all([tx.objectStore('queue').delete(old.id), tx.objectStore('queue').put(row), tx.done]);
    await this.rebuild(write.collection, write.recordId);
    return write;
  }
}

interface Capture {
  /** As stored: sealed when encryption is on. */
  write: QueueRow;
  record: StoredRecord;
  entry: NewEntry;
}

/** One group of captures: every write, optimistic record and history entry in one transaction, all or none. */
async function commitCaptures(tx: ReturnType<QueueStoreTx>, captures: readonly Capture[]): Promise<void> {
  const queue = tx.objectStore('queue');
  const records = tx.objectStore('records');
  const history = tx.objectStore('history');
  const requests: Promise<unknown>[] = [];
  try {
    for (const c of captures)
      requests.push(queue.add(c.write), records.put(c.record), history.add(c.entry as HistoryEntry));
  } catch (error) {
    // A row refused on the spot (DataCloneError): nothing of the group may commit, and the requests already made
    // fail with the abort, observed here.
    for (const r of [...requests, tx.done]) r.catch(() => undefined);
    try {
      tx.abort();
    } catch {
      // Already finished.
    }
    throw error;
  }
  // Awaiting the requests with the transaction surfaces the request's own error (QuotaExceededError) first and
  // leaves no rejected request promise unhandled when the transaction aborts.
  await Promise.all([...requests, tx.done]);
}

type QueueStoreTx = EngineContext['queue']['writeTransaction'];

/** Temporary ids a write names: its record, its query, its top-level fields (a child's `workOrderId`). */
function tempIdsIn(input: WriteInput, json: unknown): Set<string> {
  const candidates = new Set<string>();
  if (isTempId(input.recordId)) candidates.add(input.recordId);
  for (const v of new URL(input.url, 'http://x').searchParams.values()) if (isTempId(v)) candidates.add(v);
  if (isObject(json)) for (const v of Object.values(json)) if (isTempId(v)) candidates.add(v);
  return candidates;
}

function asRecord(value: unknown): JsonRecord | null {
  return isObject(value) ? value : null;
}

/** The history entry of a write just queued or folded into a queued one (stored in the same transaction). */
function historyEntry(write: StoredWrite, event: 'queued' | 'edited', at: number): NewEntry {
  return {
    kind: 'write',
    at,
    event,
    writeId: write.id,
    collection: write.collection,
    recordId: write.recordId,
    method: write.method,
    status: null,
    error: null,
  };
}

function storageError(error: unknown): OfflineKitError {
  if (isQuotaError(error)) {
    return new OfflineKitError('quota_exceeded', 'The browser refused the storage space for this write', {
      status: 507,
    });
  }
  if (error instanceof OfflineKitError) return error;
  return new OfflineKitError('storage_failed', error instanceof Error ? error.message : String(error), {
    status: 507,
  });
}
