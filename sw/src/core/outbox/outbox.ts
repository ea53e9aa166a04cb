/**
 * The write queue's semantics: capturing a write (with coalescing), the optimistic local record, views for pages and
 * the panel, and what happens to the local copy when a write is acknowledged, edited, discarded or superseded.
 * Capture helpers are in `capture.ts`, folding in `coalesce.ts`, acknowledgements in `acknowledge.ts`; sending is
 * in `sync/`.
 */
import type { ConflictView, QueuedWriteView } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';
import { TEMP_PREFIX } from '../../protocol/wire.js';
import { bodyFields, encodeJson, isJsonType, parseJsonBody } from '../model/bodies.js';
import { unitsOf, type EngineContext } from '../deps.js';
import { localRecordRow, writeSchemaVersion, type StoredRecord, type StoredWrite } from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { GroupCommit } from '../storage/group-commit.js';
import { rebuildRecord } from './rebuild.js';
import { SYNC_FIELD, applyChange, diffFields, threeWayMerge } from '../model/records.js';
import { referencedTempIds, rewriteFields, rewriteUrl } from '../model/temp-ids.js';
import {
  commitCaptures,
  storableHeaders,
  storageError,
  tempIdsIn,
  type Capture,
  type Enqueued,
  type WriteInput,
} from './capture.js';
import { coalesce } from './coalesce.js';

/** A queued write that has not been tried yet: a new one, or one replaced under a new key. */
const NOT_YET_SENT = {
  attempts: 0,
  nextAttemptAt: null,
  lastError: null,
  lastStatus: null,
  state: 'pending',
  conflict: null,
} as const satisfies Partial<StoredWrite>;

export type { Enqueued, WriteInput } from './capture.js';
export { storableHeaders } from './capture.js';

export class Outbox {
  private seq = -1;
  private seqReady: Promise<void> | null = null;
  /**
   * Captured writes commit together: a burst of 1,000 writes costs tens of commits, not 1,000, and each page's 202
   * still waits for its own write's commit. `seq` was reserved at arrival, so the order of the rows inside a
   * transaction does not matter. A group that fails (the quota is full) is retried one capture per transaction, so
   * only the captures that do not fit are refused.
   */
  private readonly captures = new GroupCommit<Capture>(
    (captures) => commitCaptures(this.ctx.queue.writeTransaction(), captures),
    {
      retryAlone: true,
    },
  );

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

    const coalesced = await coalesce(ctx, input, recordId, body, fields, current?.data ?? null);
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
      ...NOT_YET_SENT,
      rev: 0,
      schemaVersion: ctx.config.collections.get(input.collection)?.schemaVersion ?? 1,
    };
    const data = applyChange(current?.data ?? null, input.method, recordId, fields);
    const row: StoredRecord = current?.row ?? localRecordRow(input.collection, recordId);
    const [sealedData, stored] = await Promise.all([ctx.codec.sealJson(data), ctx.queue.seal(write)]);
    // The write, its optimistic record and its history entry commit together (all or none), in the next group commit.
    // The record's lock (when it has one) is held until then, so no other step of this record lands in between.
    try {
      await this.captures.add({
        write: stored,
        record: { ...row, data: sealedData, deleted: data === null },
        entry: writeEntry(write, 'queued', now),
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
      schemaVersion: writeSchemaVersion(write),
    };
  }

  /**
   * Base, local and server states of a conflicted write. `local` is what the user sees: this write and every later
   * queued write of the same record applied on the base (`covers` names them), so one resolution settles the record —
   * resolving the first of two offline edits must not raise a second conflict showing the older text again.
   */
  async conflictView(write: StoredWrite): Promise<ConflictView | null> {
    if (!write.conflict) return null;
    const base = asRecord(await this.ctx.codec.openJson(write.baseRecord));
    const server = asRecord(await this.ctx.codec.openJson(write.conflict.server));
    const later = (await this.ctx.queue.forRecord(write.collection, write.recordId)).filter(
      (w) => w.seq > write.seq && w.id !== write.id,
    );
    let local = await this.localOf(write, base);
    for (const w of later) local = await this.localOf(w, local);
    const three = base && server && !write.conflict.serverDeleted ? threeWayMerge(base, local, server) : null;
    return {
      writeId: write.id,
      collection: write.collection,
      recordId: write.recordId,
      method: write.method,
      base,
      local,
      server,
      serverDeleted: write.conflict.serverDeleted,
      fields: three ? three.clashes : diffFields(local, server),
      merged: three && server ? { ...three.merged, id: write.recordId, version: server.version } : null,
      covers: later.map((w) => w.id),
      detectedAt: write.conflict.detectedAt,
    };
  }

  /** The user's version: the write applied to the record it was made on. */
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

  /** Replaces a write by a new one in the same place of the queue (new id: a new Idempotency-Key). */
  async replace(
    old: StoredWrite,
    next: Partial<StoredWrite> & { body?: StoredWrite['body'] },
  ): Promise<StoredWrite> {
    const write: StoredWrite = {
      ...old,
      ...next,
      id: next.id ?? this.ctx.deps.uuid(),
      ...NOT_YET_SENT,
      rev: old.rev + 1,
    };
    const row = await this.ctx.queue.seal(write);
    const tx = this.tx();
    await Promise.all([tx.objectStore('queue').delete(old.id), tx.objectStore('queue').put(row), tx.done]);
    await this.rebuild(write.collection, write.recordId);
    return write;
  }
}

function asRecord(value: unknown): JsonRecord | null {
  return isObject(value) ? value : null;
}
