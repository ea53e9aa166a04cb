/**
 * Batch push, pipelined — an optimisation of `push.ts`, which is correct without it (one request per write).
 *
 * Contract: writes go to the server's batch endpoint in chunks (at most `maxWrites` entries and about `maxBytes`),
 * chunk after chunk, each only once the previous one was answered, so the server applies them in queue order. While
 * chunk N is on the wire the next chunk is chosen and marked `sending`; once N's answer is all 2xx, N is acknowledged
 * in the background (`BatchPipeline`) while that next chunk goes out. A chunk never carries a write whose record (or
 * temporary id) has a write in a chunk sent but not yet settled: it ends just before it, so a settle running in the
 * background never rebases, renames or rechecks a row of a chunk being prepared, and a prepared chunk's rows (base
 * versions, ids) are the ones on disk. A chunk whose answer is not all 2xx stops the overlap: the chunk prepared
 * meanwhile goes back to `pending` uncounted, every settle in flight is awaited, and the chunk is settled in line.
 * Forms and binary bodies never ride in a batch: they are sent alone, in their place in the order.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import { isSameOriginPath, parseBatchAnswer } from '../../protocol/wire-guards.js';
import type { BatchEntry, Discovery } from '../../protocol/wire.js';
import { parseRetryAfter } from '../model/backoff.js';
import { isJsonType, parseJsonBody } from '../model/bodies.js';
import { classify, readJson, type WriteOutcome } from '../model/classify.js';
import { laneKeys } from '../model/lanes.js';
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import type { Outbox } from '../outbox/outbox.js';
import type { AckWithBody, Settled, Settler } from './settle.js';
import { stopFor, type Stop, type Transport } from './transport.js';

type BatchEndpoint = NonNullable<Discovery['batch']>;
type OnSettled = (w: StoredWrite, o: Settled) => void;

interface ChunkEntry {
  write: StoredWrite;
  entry: BatchEntry;
  json: unknown;
}

/** What the batch path still has to send in this page, and the lanes a failure closed. */
interface ChunkSource {
  rest: StoredWrite[];
  blocked: Set<string>;
}

type Prepared =
  /** Nothing left to send. */
  | { kind: 'done' }
  /** Every write chosen was gone or stopped meanwhile: choose again. */
  | { kind: 'skip' }
  /** The next write shares a record with a chunk that is not settled yet. */
  | { kind: 'busy' }
  /** The next write cannot ride in a batch (a form, a photo). */
  | { kind: 'alone'; write: StoredWrite }
  | { kind: 'chunk'; chunk: ChunkEntry[]; keys: string[] };

type ChunkAnswer =
  | { kind: 'error'; stop: Stop }
  /** The batch as a whole was answered with something other than 200. */
  | { kind: 'refused'; outcome: WriteOutcome }
  | {
      kind: 'answered';
      acks: AckWithBody[];
      others: { write: StoredWrite; outcome: WriteOutcome }[];
      unsent: StoredWrite[];
    };

/**
 * Batch chunks sent and not yet settled, across the pages of one push pass. `busy` holds their lane keys (records and
 * temporary ids): a chunk prepared meanwhile stops before a write with one of them, so its rows are never rows a
 * settle in flight still rebases or renames. Settles run one after another, in the order the chunks were sent.
 */
export class BatchPipeline {
  private readonly busy = new Map<string, number>();
  private settling: Promise<void> = Promise.resolve();

  isBusy(w: StoredWrite): boolean {
    return laneKeys(w).some((k) => this.busy.has(k));
  }

  /** A chunk went out: its keys are busy until `forget`. */
  sent(keys: readonly string[]): string[] {
    for (const k of keys) this.busy.set(k, (this.busy.get(k) ?? 0) + 1);
    return [...keys];
  }

  forget(keys: readonly string[]): void {
    for (const k of keys) {
      const n = (this.busy.get(k) ?? 0) - 1;
      if (n > 0) this.busy.set(k, n);
      else this.busy.delete(k);
    }
  }

  /** Runs `fn` after the settles before it; its keys stay busy until it is done. A failure surfaces in `drain`. */
  settle(keys: readonly string[], fn: () => Promise<void>): void {
    this.settling = this.settling.then(async () => {
      try {
        await fn();
      } finally {
        this.forget(keys);
      }
    });
    // Observed here so a failure is not reported as unhandled before `drain` is awaited; `drain` rethrows it.
    this.settling.catch(() => undefined);
  }

  /** Every settle in flight, done: afterwards the queue on disk is up to date again. */
  async drain(): Promise<void> {
    await this.settling;
  }
}

export class BatchPush {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
    private readonly transport: Transport,
    private readonly settler: Settler,
    /** The one-by-one send (`Push.sendOne`), for a write that cannot ride in a batch. */
    private readonly sendOne: (w: StoredWrite) => Promise<Settled | Stop>,
  ) {}

  async push(
    writes: StoredWrite[],
    batch: BatchEndpoint,
    onSettled: OnSettled,
    pipe: BatchPipeline,
  ): Promise<Stop | null> {
    const state: ChunkSource = { rest: writes, blocked: new Set<string>() };
    let next = this.prepareChunk(state, batch, pipe);
    for (;;) {
      const prepared = await next;
      if (prepared.kind === 'done') return null;
      if (prepared.kind === 'skip') {
        next = this.prepareChunk(state, batch, pipe);
        continue;
      }
      if (prepared.kind === 'busy' || prepared.kind === 'alone') {
        // The queue's next write shares a record with a chunk still settling, or goes alone: wait for the settles.
        await pipe.drain();
        if (prepared.kind === 'alone') {
          // Non-JSON bodies (forms, photos) cannot ride in a batch: sent alone, in their place in the order.
          const settled = await this.sendOne(prepared.write);
          if (typeof settled === 'object') return settled;
          onSettled(prepared.write, settled);
          if (settled !== 'ok') laneKeys(prepared.write).forEach((k) => state.blocked.add(k));
        }
        next = this.prepareChunk(state, batch, pipe);
        continue;
      }
      const { chunk } = prepared;
      for (const c of chunk)
        this.ctx.deps.emit({ type: 'write-sent', write: this.outbox.viewOf(c.write, c.json) });
      const ticket = pipe.sent(prepared.keys);
      const answered = this.sendChunk(batch, chunk);
      // Chosen and marked while this chunk is on the wire; sent only if this one is answered all 2xx.
      next = this.prepareChunk(state, batch, pipe);
      next.catch(() => undefined);
      const answer = await answered;
      if (answer.kind === 'answered' && answer.others.length === 0 && answer.unsent.length === 0) {
        const { acks } = answer;
        pipe.settle(ticket, async () => {
          await this.settler.acknowledge(acks);
          for (const a of acks) onSettled(a.write, 'ok');
        });
        continue;
      }
      // Not all 2xx: the chunk prepared meanwhile waits (back to pending, uncounted) and this one settles in line.
      const discarded = await next;
      if (discarded.kind === 'chunk') {
        const back = discarded.chunk.map((c) => c.write);
        await this.ctx.queue.unmarkSending(back.map((w) => w.id));
        state.rest = [...back, ...state.rest].sort((a, b) => a.seq - b.seq);
      } else if (discarded.kind === 'alone') {
        state.rest = [discarded.write, ...state.rest];
      }
      await pipe.drain();
      try {
        if (answer.kind === 'answered' && answer.acks.length === 0 && answer.others.length === 0) {
          // Nothing in the chunk settled (no results, all 424, only unknown keys): sending it again at once would
          // loop for as long as the server answers so. The run ends and backs off as after a 5xx.
          const error: ErrorInfo = {
            code: 'bad_response',
            message: 'the batch answer settled none of its writes',
          };
          await this.settler.failAll(
            chunk.map((c) => c.write),
            { kind: 'transient', error, retryAfterMs: null },
          );
          return { kind: 'transient', error, retryAfterMs: null, network: false };
        }
        if (answer.kind === 'refused') {
          const stop = await this.settler.failAll(
            chunk.map((c) => c.write),
            answer.outcome,
          );
          if (stop) return stop;
        } else if (answer.kind === 'error') {
          await this.settler.failAll(
            chunk.map((c) => c.write),
            { kind: 'transient', error: answer.stop.error, retryAfterMs: null },
          );
          return answer.stop;
        } else {
          const stop = await this.settleInLine(answer, state, onSettled);
          if (stop) return stop;
        }
      } finally {
        pipe.forget(ticket);
      }
      next = this.prepareChunk(state, batch, pipe);
    }
  }

  /**
   * The next chunk from `state.rest`: chosen from the rows in hand (sizes estimated), then marked `sending` in ONE
   * transaction; the entries are built from the rows as marked (an edit may have been folded in since the page was
   * read). Takes its writes out of `state.rest` before its first await, so two calls never choose the same write.
   */
  private async prepareChunk(
    state: ChunkSource,
    batch: BatchEndpoint,
    pipe: BatchPipeline,
  ): Promise<Prepared> {
    const { blocked } = state;
    state.rest = state.rest.filter((w) => !laneKeys(w).some((k) => blocked.has(k)));
    const first = state.rest[0];
    if (!first) return { kind: 'done' };
    if (goesAlone(first)) {
      state.rest = state.rest.slice(1);
      return { kind: 'alone', write: first };
    }
    const candidates: StoredWrite[] = [];
    let estimate = 0;
    for (const w of state.rest) {
      if (candidates.length >= batch.maxWrites) break;
      if (goesAlone(w)) break;
      if (pipe.isBusy(w)) break;
      const size = w.bodySize + w.url.length + 160;
      if (candidates.length > 0 && estimate + size > batch.maxBytes) break;
      estimate += size;
      candidates.push(w);
    }
    if (candidates.length === 0) return { kind: 'busy' };
    const candidateIds = new Set(candidates.map((w) => w.id));
    state.rest = state.rest.filter((w) => !candidateIds.has(w.id));
    const marked = await this.ctx.queue.markSending([...candidateIds]);
    const chunk: ChunkEntry[] = [];
    // A later write of a record in the same batch was made on top of the earlier one: its If-Match is the version
    // the earlier one will produce, not the version stored when it was queued.
    const expected = new Map<string, number>();
    let bytes = 0;
    const overflow: StoredWrite[] = [];
    for (const fresh of marked) {
      if (overflow.length > 0) {
        overflow.push(fresh);
        continue;
      }
      const body = parseJsonBody(await this.ctx.codec.openBytes(fresh.body), fresh.contentType);
      const entry: BatchEntry = { key: fresh.id, method: fresh.method, path: fresh.url };
      const recordKey = `${fresh.collection}/${fresh.recordId}`;
      const base = expected.get(recordKey) ?? fresh.baseVersion;
      if (fresh.method !== 'POST' && typeof base === 'number' && detectsConflicts(this.ctx, fresh))
        entry.ifMatch = base;
      if (fresh.tempId) entry.tempId = fresh.tempId;
      if (body !== undefined) entry.body = body;
      const size = JSON.stringify(entry).length;
      if (chunk.length > 0 && bytes + size > batch.maxBytes) {
        overflow.push(fresh);
        continue;
      }
      if (fresh.method === 'POST') expected.set(recordKey, 1);
      // Batches are our protocol's, whose versions are integers.
      else if (typeof base === 'number') expected.set(recordKey, base + 1);
      else expected.delete(recordKey);
      bytes += size;
      chunk.push({ write: fresh, entry, json: body });
    }
    if (overflow.length > 0) {
      // Sent with the next chunk; never counted as an attempt.
      await this.ctx.queue.unmarkSending(overflow.map((w) => w.id));
      state.rest = [...overflow, ...state.rest].sort((a, b) => a.seq - b.seq);
    }
    if (chunk.length === 0) return { kind: 'skip' };
    // Busy under the keys of the rows as they were chosen as well as as marked: a settle may have renamed a temporary
    // id since the page was read, and later writes still waiting in `state.rest` carry the old one. Keys of the
    // marked rows alone let such a write into the next chunk, built on a version the settle in flight is about to move.
    const inChunk = new Set(chunk.map((c) => c.write.id));
    const keys = new Set([
      ...candidates.filter((w) => inChunk.has(w.id)).flatMap(laneKeys),
      ...chunk.flatMap((c) => laneKeys(c.write)),
    ]);
    return { kind: 'chunk', chunk, keys: [...keys] };
  }

  /** Sends one chunk and sorts its answer; nothing is stored here. */
  private async sendChunk(batch: BatchEndpoint, chunk: ChunkEntry[]): Promise<ChunkAnswer> {
    let answer;
    try {
      const response = await this.transport.send(batch.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ writes: chunk.map((c) => c.entry) }),
      });
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.ctx.deps.now());
      const json = await readJson(response);
      if (response.status !== 200)
        return {
          kind: 'refused',
          outcome: classify({ method: 'POST', recordId: '' }, response.status, json, retryAfter),
        };
      answer = parseBatchAnswer(json);
    } catch (error) {
      return { kind: 'error', stop: stopFor(error) };
    }
    const byKey = new Map(answer.results.map((r) => [r.key, r]));
    const sorted: Extract<ChunkAnswer, { kind: 'answered' }> = {
      kind: 'answered',
      acks: [],
      others: [],
      unsent: [],
    };
    for (const { write, json } of chunk) {
      const r = byKey.get(write.id);
      if (!r || r.status === 424) {
        // Not attempted (the server stopped at an earlier failure): back to pending, sent again later.
        sorted.unsent.push(write);
        continue;
      }
      // A batch result carries no headers: a create's id comes from its body only. A write of a record created
      // earlier in this batch named its temporary id, which the server rewrote (§5.3): its answer names the new id.
      const renamed = answer.idMap[write.recordId];
      const outcome = classify(renamed ? { ...write, recordId: renamed } : write, r.status, r.body, null);
      if (outcome.kind === 'ok') sorted.acks.push(await this.settler.ackOf(write, outcome, json));
      else sorted.others.push({ write, outcome });
    }
    return sorted;
  }

  /** A chunk answered with some non-2xx results, settled while nothing else settles. */
  private async settleInLine(
    answer: Extract<ChunkAnswer, { kind: 'answered' }>,
    state: ChunkSource,
    onSettled: OnSettled,
  ): Promise<Stop | null> {
    const { acks, others, unsent } = answer;
    // The unsent go back to pending first, so acknowledging an earlier write of their record rebases them (a
    // `sending` row is left as it is): sent again, they carry the version that write produced.
    await this.ctx.queue.unmarkSending(unsent.map((w) => w.id));
    // Every 2xx of the chunk is settled in one commit; the rare others one by one, in order.
    await this.settler.acknowledge(acks);
    for (const a of acks) onSettled(a.write, 'ok');
    for (const { write: sent, outcome } of others) {
      // Read again: acknowledging a create of this chunk renamed its temporary id in this write's row (url, record
      // id, references); settling the copy that was sent would store the temporary id back (a conflict kept on a
      // record the device no longer holds under that id).
      const write = (await this.ctx.queue.get(sent.id)) ?? sent;
      const settled = await this.settler.settle(write, outcome);
      if (typeof settled === 'object') return settled;
      onSettled(write, settled);
      if (settled !== 'ok') laneKeys(write).forEach((k) => state.blocked.add(k));
    }
    for (const w of unsent) if (!laneKeys(w).some((k) => state.blocked.has(k))) state.rest.push(w);
    state.rest.sort((a, b) => a.seq - b.seq);
    return null;
  }
}

/** A write that does not ride in a batch: a form or binary body, or a url that is not a path on this origin. */
function goesAlone(w: StoredWrite): boolean {
  return (!isJsonType(w.contentType) && w.body !== null) || !isSameOriginPath(w.url);
}

/** Whether a write carries its base version (If-Match): only in collections that detect conflicts. */
export function detectsConflicts(ctx: EngineContext, w: StoredWrite): boolean {
  return ctx.config.collections.get(w.collection)?.detectConflicts ?? false;
}
