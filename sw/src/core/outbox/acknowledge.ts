/**
 * Acknowledging writes: the ONE algorithm for one answer or a chunk of them (the single case is a chunk of one). For
 * each 2xx: store the server's record, move a temporary id to the server's id in later writes and children, rebase the
 * record's later writes on the new version, remove the write, rebuild the overlay, log it. It runs in three phases, so
 * a chunk of 100 answers costs a few transactions instead of ~15 each:
 *
 *   gather  — two read-only transactions prefetch every queue row and record the chunk is expected to touch (by
 *             record, by `by-ref`); a step that reaches a row not prefetched loads it on the spot;
 *   compute — the steps run on that in-memory copy (async codec work allowed: no transaction is open);
 *   commit  — ONE read-write transaction checks that every row it changes still has the `rev` it was read with (and
 *             every rebuilt record still has the same writes), then writes queue, records, id map and history together.
 *
 * Contract: each commit is all or nothing. When a chunk's commit finds something changed underneath, its writes are
 * acknowledged again one at a time, each from a fresh read. A write leaves the queue in the same transaction that
 * stores its server record, so a crash can only cause a resend with the same key.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { bodyFields, encodeFields, parseJsonBody } from '../model/bodies.js';
import type { EngineContext } from '../deps.js';
import {
  isSealedWriteRow,
  isStoredRecord,
  isStoredWrite,
  type StoredRecord,
  type StoredWrite,
} from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { rebuildRecord } from './rebuild.js';
import { Snapshot, recKey } from './ack-snapshot.js';
import { isTempId, numericId, rewriteFields, rewriteUrl } from '../model/temp-ids.js';
import { nextWriteState } from '../model/write-state.js';
import { applyChange, type CoreRecord } from '../model/records.js';

export interface Ack {
  write: StoredWrite;
  record: CoreRecord | null;
  deleted: boolean;
  status: number;
  /** A create's server id named without a readable record (body `id`, or `Location`). */
  id?: string;
  /** The answer could not be read as the record: said in the history entry, the write acknowledged all the same. */
  warning?: ErrorInfo;
}

/**
 * The record an acknowledgement applies to. Only a create learns its id from the answer (its temporary id moves to the server's); any other write
 * is about the record it named, and an answer naming another must never move the local row onto that record.
 * `classify` keeps such answers out already; this is the last check before a row moves.
 */
export function acknowledgedId(write: StoredWrite, record: CoreRecord | null, named?: string): string {
  const id = record?.id ?? named;
  if (id === undefined || id === write.recordId) return write.recordId;
  if (write.method === 'POST') return id;
  throw new OfflineKitError(
    'bad_response',
    `the answer to a ${write.method} of ${write.recordId} names another record (${id})`,
  );
}

/** Must match `MetaStore.idFor`'s key. */
const idKey = (tempId: string): string => `id:${tempId}`;

/** Commits refused in a row for one write before giving up (it stays `sending` and is sent again, same key). */
const MAX_TRIES = 5;

/**
 * Acknowledges `acks` (all 2xx answers), holding the locks of their records: in one commit when nothing changed
 * underneath, else one write at a time.
 */
export async function acknowledge(ctx: EngineContext, acks: readonly Ack[]): Promise<void> {
  if (acks.length === 0) return;
  const keys: string[] = [];
  for (const { write, record, id } of acks) {
    keys.push(write.recordId);
    const named = record?.id ?? id;
    if (named !== undefined) keys.push(named);
  }
  await ctx.locks.run(keys, async () => {
    if (await together(ctx, acks)) return;
    for (const ack of acks) {
      for (let tries = 1; !(await together(ctx, [ack])); tries += 1) {
        if (tries >= MAX_TRIES)
          throw new OfflineKitError(
            'storage_failed',
            `the acknowledgement of ${ack.write.id} kept being overtaken`,
          );
      }
    }
  });
}

/** `acks` in one snapshot and one commit; false when the commit found something changed and wrote nothing. */
async function together(ctx: EngineContext, acks: readonly Ack[]): Promise<boolean> {
  const snap = new Snapshot(ctx);
  await gather(ctx, snap, acks);
  for (const ack of acks) await acknowledgeIn(ctx, snap, ack);
  return commit(ctx, snap);
}

async function gather(ctx: EngineContext, snap: Snapshot, acks: readonly Ack[]): Promise<void> {
  const recordKeys = new Map<string, [string, string]>();
  const tempIds = new Set<string>();
  for (const { write, record, id } of acks) {
    recordKeys.set(recKey(write.collection, write.recordId), [write.collection, write.recordId]);
    const named = record?.id ?? id;
    if (named !== undefined) recordKeys.set(recKey(write.collection, named), [write.collection, named]);
    tempIds.add(write.recordId);
  }
  const first = await load(ctx, snap, recordKeys, tempIds);
  // Children that name a temporary id are rebuilt after the rename: their records and writes are needed too.
  const children = new Map<string, [string, string]>();
  for (const w of first)
    if (!snap.recordWrites.has(recKey(w.collection, w.recordId)))
      children.set(recKey(w.collection, w.recordId), [w.collection, w.recordId]);
  if (children.size) await load(ctx, snap, children, new Set());
}

/** Loads records and their writes, and writes naming temp ids; returns the writes found through `by-ref`. */
async function load(
  ctx: EngineContext,
  snap: Snapshot,
  recordKeys: Map<string, [string, string]>,
  tempIds: Set<string>,
): Promise<StoredWrite[]> {
  const tx = ctx.queue.readTransaction();
  const queue = tx.objectStore('queue');
  const records = tx.objectStore('records');
  const keys = [...recordKeys.entries()];
  const refIds = [...tempIds];
  const [rows, writeLists, refLists] = await Promise.all([
    Promise.all(keys.map(([, k]) => records.get(k) as Promise<unknown>)),
    Promise.all(keys.map(([, k]) => queue.index('by-record').getAll(k) as Promise<unknown[]>)),
    Promise.all(refIds.map((t) => queue.index('by-ref').getAll(t) as Promise<unknown[]>)),
    tx.done,
  ]);
  // Opening (decrypting) records waits on WebCrypto: only after the transaction is over.
  for (const [i, [key]] of keys.entries()) {
    const row = rows[i];
    snap.records.set(key, isStoredRecord(row) ? await ctx.records.open(row) : null);
    const ids = new Set<string>();
    for (const w of await ctx.queue.openAll(writeLists[i] ?? [])) {
      snap.addWrite(w);
      ids.add(w.id);
    }
    snap.recordWrites.set(key, ids);
  }
  const referring: StoredWrite[] = [];
  for (const [i, t] of refIds.entries()) {
    for (const w of await ctx.queue.openAll(refLists[i] ?? [])) {
      snap.addWrite(w);
      referring.push(snap.queue.get(w.id) ?? w);
    }
    snap.refsLoaded.add(t);
  }
  return referring;
}

async function acknowledgeIn(ctx: EngineContext, snap: Snapshot, ack: Ack): Promise<void> {
  const now = ctx.deps.now();
  // An earlier acknowledgement of the chunk may have rewritten this write (its record's temporary id).
  const onDisk = await snap.write(ack.write.id);
  // The one arrow out of the queue besides a discard: only a write on the wire is acknowledged.
  if (onDisk) nextWriteState(onDisk.state, 'ack');
  const write = onDisk ?? ack.write;
  const { record, deleted } = ack;
  const collection = write.collection;
  const recordId = acknowledgedId(write, record, ack.id);
  if (recordId !== write.recordId) await rename(ctx, snap, collection, write.recordId, recordId, write.id);
  const existing = await snap.rec(collection, recordId);
  const row: StoredRecord = {
    ...(existing?.row ?? {
      collection,
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
  // Without the server's record, the server holds what it held with this write applied: the user's change stays in
  // the app's view until the record is read again.
  const server = deleted
    ? null
    : (record ??
      applyChange(
        existing?.server ?? null,
        write.method,
        recordId,
        (await bodyFields(await ctx.codec.openBytes(write.body), write.contentType)) ??
          (write.method === 'POST' ? { ...(existing?.server ?? {}) } : null),
      ));
  snap.setRec(collection, recordId, { row, data: existing?.data ?? null, server });
  // Later writes of this record were made on top of this one: they now apply to the new version.
  const sealedBase = record ? await ctx.codec.sealJson(record) : null;
  for (const later of await snap.writesFor(collection, recordId)) {
    if (later.id === write.id || later.state === 'sending') continue;
    if (later.method !== 'POST' && record) {
      snap.putWrite({ ...later, baseVersion: record.version, baseRecord: sealedBase, rev: later.rev + 1 });
    }
  }
  snap.deleteWrite(write.id);
  const data = await rebuild(ctx, snap, collection, recordId);
  if (deleted && !data && (await snap.writesFor(collection, recordId)).length === 0)
    snap.setRec(collection, recordId, null);
  snap.history.push(writeEntry(write, 'acknowledged', now, ack.status, ack.warning ?? null));
}

async function rename(
  ctx: EngineContext,
  snap: Snapshot,
  collection: string,
  from: string,
  to: string,
  exceptWrite: string,
): Promise<void> {
  const map = new Map([[from, to]]);
  if (isTempId(from)) snap.idMap.set(from, to);
  const old = await snap.rec(collection, from);
  if (old) {
    snap.setRec(collection, to, {
      row: { ...old.row, id: to },
      data: old.data ? { ...old.data, id: to } : null,
      server: old.server,
    });
    snap.setRec(collection, from, null);
  }
  const named = new Map<string, StoredWrite>();
  for (const w of await snap.writesFor(collection, from)) named.set(w.id, w);
  for (const w of await snap.referring(from)) named.set(w.id, w);
  const touched = new Map<string, [string, string]>();
  for (const original of [...named.values()].sort((a, b) => a.seq - b.seq)) {
    if (original.id === exceptWrite) continue;
    const w: StoredWrite = {
      ...original,
      refs: original.refs.filter((r) => r !== from),
      rev: original.rev + 1,
    };
    w.url = rewriteUrl(w.url, map);
    if (w.recordId === from && w.collection === collection) w.recordId = to;
    const bytes = await ctx.codec.openBytes(w.body);
    const json = parseJsonBody(bytes, w.contentType);
    const formFields = json === undefined ? await bodyFields(bytes, w.contentType) : null;
    // A JSON body's reference gets the id in the API's type (a form's fields are text whatever the type).
    const rewritten =
      json !== undefined && (await ctx.wire.numericIds(collection))
        ? rewriteFields(json, map, numericId)
        : rewriteFields(json ?? formFields, map);
    const encoded = rewritten ? encodeFields(rewritten, w.contentType) : null;
    if (encoded) {
      w.body = await ctx.codec.sealBytes(encoded);
      w.bodySize = encoded.byteLength;
    }
    snap.putWrite(w);
    if (w.collection !== collection || w.recordId !== to)
      touched.set(recKey(w.collection, w.recordId), [w.collection, w.recordId]);
  }
  for (const [c, id] of touched.values()) await rebuild(ctx, snap, c, id);
}

/** `Outbox.rebuild` on the snapshot: the server's copy with every queued write of the record applied in order. */
async function rebuild(
  ctx: EngineContext,
  snap: Snapshot,
  collection: string,
  recordId: string,
): Promise<JsonRecord | null> {
  const writes = await snap.writesFor(collection, recordId);
  snap.rebuilt.add(recKey(collection, recordId));
  const rebuilt = await rebuildRecord(
    ctx.codec,
    await snap.rec(collection, recordId),
    writes,
    collection,
    recordId,
  );
  if (rebuilt.action === 'delete') snap.setRec(collection, recordId, null);
  if (rebuilt.action !== 'put') return null;
  snap.setRec(collection, recordId, rebuilt.record);
  return rebuilt.record.data;
}

async function commit(ctx: EngineContext, snap: Snapshot): Promise<boolean> {
  // Sealing waits on WebCrypto: everything is sealed before the transaction opens.
  const recordPuts: StoredRecord[] = [];
  const recordDeletes: [string, string][] = [];
  for (const key of snap.changedRecords) {
    const [collection = '', id = ''] = key.split('\u0000');
    const value = snap.records.get(key);
    if (!value) {
      recordDeletes.push([collection, id]);
      continue;
    }
    recordPuts.push({
      ...value.row,
      data: await ctx.codec.sealJson(value.data),
      server: await ctx.codec.sealJson(value.server),
    });
  }
  // Queue rows too: URL, headers and last error are sealed when encryption is on.
  const writePuts = [];
  for (const id of snap.changedWrites) {
    const w = snap.queue.get(id);
    if (w && !snap.deletedWrites.has(id)) writePuts.push(await ctx.queue.seal(w));
  }
  // A warning on an acknowledgement is an error text: sealed like the history's others when encryption is on.
  const historyRows = await Promise.all(snap.history.map((entry) => ctx.history.seal(entry)));
  const tx = ctx.queue.settleTransaction();
  const queue = tx.objectStore('queue');
  const checked = [...new Set([...snap.changedWrites, ...snap.deletedWrites])];
  const rebuilt = [...snap.rebuilt].map((key) => key.split('\u0000') as [string, string]);
  const [current, writeKeys] = await Promise.all([
    Promise.all(checked.map((id) => queue.get(id) as Promise<unknown>)),
    Promise.all(rebuilt.map((k) => queue.index('by-record').getAllKeys(k))),
  ]);
  const moved = checked.some((id, i) => {
    const row = current[i];
    return !(isStoredWrite(row) || isSealedWriteRow(row)) || row.rev !== snap.readRev.get(id);
  });
  // A write queued (or discarded) for a rebuilt record meanwhile would make its rebuilt overlay wrong: the record's
  // writes on disk must still be exactly the ones gathered.
  const drifted = rebuilt.some(([c, id], i) => {
    const want = snap.recordWrites.get(recKey(c, id)) ?? new Set<string>();
    const got = writeKeys[i] ?? [];
    return got.length !== want.size || got.some((k) => !want.has(k));
  });
  if (moved || drifted) {
    tx.abort();
    await tx.done.catch(() => undefined);
    return false;
  }
  const records = tx.objectStore('records');
  const meta = tx.objectStore('meta');
  const history = tx.objectStore('history');
  const requests: Promise<unknown>[] = [];
  for (const id of snap.deletedWrites) requests.push(queue.delete(id));
  for (const row of writePuts) requests.push(queue.put(row));
  for (const key of recordDeletes) requests.push(records.delete(key));
  for (const row of recordPuts) requests.push(records.put(row));
  for (const [tmp, real] of snap.idMap) requests.push(meta.put(real, idKey(tmp)));
  for (const row of historyRows) requests.push(history.add(row));
  await Promise.all([...requests, tx.done]);
  await ctx.history.appendedElsewhere(snap.history.length);
  return true;
}
