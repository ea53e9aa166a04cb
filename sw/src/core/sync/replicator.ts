/**
 * One sync's network work: push the queue (batch when the server announces it, else one request per write with
 * bounded concurrency across independent records, strictly in order per record), then pull the unit's collections.
 *
 * Contract: a write leaves the queue only in `Outbox.acknowledge`, after a 2xx. It is persisted as `sending` before
 * it goes out; one found `sending` later (the worker was killed) is simply sent again with the same Idempotency-Key.
 */
import type { ErrorInfo, SyncProgress } from '../../protocol/api.js';
import { OfflineKitError, toErrorInfo } from '../../protocol/errors.js';
import {
  isObject,
  isSameOriginPath,
  isServerRecord,
  parseBatchAnswer,
  parseDiscovery,
  parseListPage,
} from '../../protocol/wire-guards.js';
import { apiPath, type ResolvedCollection } from '../config.js';
import { backoffDelay, parseRetryAfter } from '../model/backoff.js';
import { isJsonType, parseJsonBody } from '../model/bodies.js';
import { classify, readJson, type WriteOutcome } from '../model/classify.js';
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import type { ConflictResolver } from '../outbox/conflicts.js';
import { cursorKey, syncedAtKey } from '../storage/meta-store.js';
import { GroupCommit } from '../storage/group-commit.js';
import { storableHeaders, type Outbox } from '../outbox/outbox.js';
import type { Ack } from '../outbox/settle-batch.js';
import { referencedTempIds } from '../model/temp-ids.js';
import {
  DISCOVERY_PATH,
  HEADERS,
  PROTOCOL_VERSION,
  TEMP_PREFIX,
  type BatchEntry,
  type Discovery,
  type ListPage,
  type ServerRecord,
} from '../../protocol/wire.js';

/** How a push ended: `transient` and `auth` stop the run; the rest let it go on to the pull. */
export type Stop =
  | { kind: 'transient'; error: ErrorInfo; retryAfterMs: number | null; network: boolean }
  | { kind: 'auth'; error: ErrorInfo };

export interface PushResult {
  pushed: number;
  conflicts: number;
  failed: number;
  stop: Stop | null;
}

export interface PullResult {
  pulled: number;
  failed: number;
  stop: Stop | null;
  error: ErrorInfo | null;
}

const PAGE = 200;
const DISCOVERY_TTL_MS = 5 * 60 * 1000;
/** Pull pages fetched and not yet stored, at most (the page being stored not counted). */
const PULL_AHEAD = 2;

export class Replicator {
  private discovery: { at: number; value: Discovery | null } | null = null;
  /**
   * Acknowledgements of writes sent one by one, stored in groups (one `acknowledgeMany`, one transaction). The lanes
   * never hold two writes of a record (or of a parent and its child) in flight at once, so a group never orders two
   * acknowledgements that depend on each other.
   */
  private readonly acks = new GroupCommit<Ack & { json: unknown }>(
    (acks) => this.outbox.acknowledgeMany(acks),
    {
      retryAlone: false,
    },
  );

  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
    private readonly resolver: ConflictResolver,
  ) {}

  /** What `GET {apiBase}/_sync` announced (null: a plain REST backend), cached for a few minutes. */
  get protocol(): Discovery | null {
    return this.discovery?.value ?? null;
  }

  private api(suffix: string): string {
    return apiPath(this.ctx.config, suffix);
  }

  /**
   * The one place requests are built, so the one place that makes sure they stay on the worker's origin: credentials
   * are attached to whatever URL comes out, and its path may come from a server's answer or a stored queue row.
   */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const origin = new URL(this.ctx.deps.origin).origin;
    const url = isSameOriginPath(path) ? new URL(path, origin) : null;
    if (!url || url.origin !== origin) {
      throw new OfflineKitError(
        'rejected',
        `refused to send to ${JSON.stringify(path)}: not a path on ${origin}`,
        {
          details: { path },
        },
      );
    }
    const creds = await this.ctx.deps.credentials();
    const headers = new Headers(init.headers);
    if (creds) for (const [k, v] of Object.entries(creds)) headers.set(k, v);
    return this.ctx.deps.fetch(new Request(url.href, { ...init, headers, credentials: 'same-origin' }));
  }

  private async discover(): Promise<Discovery | null> {
    const now = this.ctx.deps.now();
    if (this.discovery && now - this.discovery.at < DISCOVERY_TTL_MS) return this.discovery.value;
    const response = await this.send(this.api(DISCOVERY_PATH), { method: 'GET' });
    let value: Discovery | null = null;
    if (response.ok) {
      try {
        value = parseDiscovery(await readJson(response));
        for (const why of value.ignored) console.error(`[offline-kit] discovery answer: ${why}`);
        // A newer major protocol than ours: plain per-request REST is still understood (PROTOCOL.md §1).
        if (value.version > PROTOCOL_VERSION) value = { ...value, batch: null };
      } catch {
        value = null;
      }
    } else if (response.status === 401) {
      throw new OfflineKitError('unauthorized', 'the server asks for credentials', { status: 401 });
    } else if (response.status >= 500 || response.status === 429) {
      throw new OfflineKitError('server_error', `discovery answered ${response.status}`, {
        status: response.status,
      });
    } else {
      await response.body?.cancel();
    }
    this.discovery = { at: now, value };
    return value;
  }

  async push(
    collections: ReadonlySet<string>,
    onProgress: (p: Omit<SyncProgress, 'runId' | 'unit'>) => void,
  ): Promise<PushResult> {
    const result: PushResult = { pushed: 0, conflicts: 0, failed: 0, stop: null };
    let discovery: Discovery | null;
    try {
      discovery = await this.discover();
    } catch (error) {
      result.stop = stopFor(error);
      return result;
    }
    const blocked = new Set<string>();
    const total = await this.ctx.queue.count();
    let done = 0;
    let lastProgressAt = -Infinity;
    // Auto-resolved conflicts become new writes in the same place of the queue: a second pass sends them. Bounded, so
    // a server that keeps answering 409 cannot make a sync run forever.
    for (let pass = 0; pass < 3; pass += 1) {
      let resolvedAny = false;
      let after = 0;
      // Batch chunks may still be settling when a page's last chunk is answered: the next page starts meanwhile, and
      // the pass (or the push) ends only once they are settled.
      const pipe = new BatchPipeline();
      try {
        for (;;) {
          const page = await this.ctx.queue.page(after, PAGE);
          if (page.length === 0) break;
          after = page[page.length - 1]?.seq ?? after;
          const eligible: StoredWrite[] = [];
          for (const w of page) {
            const keys = laneKeys(w);
            if (!collections.has(w.collection)) continue;
            if (w.state === 'conflict' || w.state === 'failed' || keys.some((k) => blocked.has(k))) {
              keys.forEach((k) => blocked.add(k));
              continue;
            }
            const conf = this.ctx.config.collections.get(w.collection);
            if (conf?.blockSyncOnConflict && (await this.hasConflicts(w.collection))) {
              keys.forEach((k) => blocked.add(k));
              continue;
            }
            eligible.push(w);
          }
          const onSettled = (w: StoredWrite, o: Settled): void => {
            done += 1;
            if (o === 'ok') result.pushed += 1;
            if (o === 'conflict') result.conflicts += 1;
            if (o === 'failed') result.failed += 1;
            if (o === 'resolved') {
              result.conflicts += 1;
              resolvedAny = true;
            }
            if (o !== 'ok') laneKeys(w).forEach((k) => blocked.add(k));
            // Progress is for a bar, not a log: at most every 50 ms (and the last one), not 1,000 events per replay.
            const now = this.ctx.deps.now();
            if (now - lastProgressAt >= 50 || done >= total) {
              lastProgressAt = now;
              onProgress({ phase: 'push', done, total, collection: w.collection });
            }
          };
          const batch = this.ctx.config.batch ? discovery?.batch : null;
          if (batch) {
            // Forms and binary bodies (a photo) cannot ride in a batch; they go one by one beside the batches, so a
            // large upload does not hold up the rest. Whole lanes move together, so per-record order still holds.
            const lanes = groupLanes(eligible);
            const alone = lanes.filter((lane) =>
              lane.some((w) => !isJsonType(w.contentType) && w.body !== null),
            );
            const batched = lanes
              .filter((lane) => !alone.includes(lane))
              .flat()
              .sort((a, b) => a.seq - b.seq);
            // A lane sent alone may share a record with a chunk still settling from an earlier page.
            if (alone.length > 0) await pipe.drain();
            const stops = await Promise.all([
              this.pushBatches(batched, batch, onSettled, pipe),
              this.pushSingles(
                alone.flat().sort((a, b) => a.seq - b.seq),
                onSettled,
              ),
            ]);
            result.stop = stops.find((st) => st?.kind === 'auth') ?? stops.find((st) => st !== null) ?? null;
          } else {
            result.stop = await this.pushSingles(eligible, onSettled);
          }
          if (result.stop) return result;
        }
      } finally {
        await pipe.drain();
      }
      if (!resolvedAny) break;
      blocked.clear();
    }
    return result;
  }

  private async hasConflicts(collection: string): Promise<boolean> {
    const conflicts = await this.ctx.queue.inState('conflict');
    return conflicts.some((w) => w.collection === collection);
  }

  /** Lanes: writes sharing a record (or a temporary parent) go one after another; lanes run side by side. */
  private async pushSingles(
    writes: StoredWrite[],
    onSettled: (w: StoredWrite, o: Settled) => void,
  ): Promise<Stop | null> {
    const lanes = groupLanes(writes);
    let stop: Stop | null = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!stop && next < lanes.length) {
        const lane = lanes[next++] ?? [];
        for (const w of lane) {
          if (stop) return;
          const settled = await this.sendOne(w);
          if (typeof settled === 'object') {
            stop ??= settled;
            return;
          }
          onSettled(w, settled);
          if (settled !== 'ok') break;
        }
      }
    };
    const workers = Array.from({ length: Math.min(this.ctx.config.concurrency, lanes.length) }, () =>
      worker(),
    );
    await Promise.all(workers);
    return stop;
  }

  /**
   * Batch push, pipelined: while chunk N is on the wire the next chunk is chosen and marked `sending`, and once N's
   * answer is in, N is settled in the background while that next chunk goes out. Chunks still go out one after the
   * other, each only once the previous one was answered, so the server applies them in queue order.
   *
   * Contract of the overlap: a chunk never carries a write whose record (or temporary id) has a write in a chunk that
   * is sent but not yet settled (`BatchPipeline.busy`); the chunk ends just before it. So a settle running in the
   * background never rebases, renames or rechecks a row of a chunk being prepared, and a prepared chunk's rows (base
   * versions, ids) are the ones on disk. A chunk whose answer is not all 2xx stops the overlap: the chunk prepared
   * meanwhile goes back to `pending` uncounted, every settle in flight is awaited, and the chunk is settled in line.
   */
  private async pushBatches(
    writes: StoredWrite[],
    batch: NonNullable<Discovery['batch']>,
    onSettled: (w: StoredWrite, o: Settled) => void,
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
          await this.outbox.acknowledgeMany(acks);
          this.announceAcknowledged(acks);
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
          await this.failAll(
            chunk.map((c) => c.write),
            { kind: 'transient', error, retryAfterMs: null },
          );
          return { kind: 'transient', error, retryAfterMs: null, network: false };
        }
        if (answer.kind === 'refused') {
          const stop = await this.failAll(
            chunk.map((c) => c.write),
            answer.outcome,
          );
          if (stop) return stop;
        } else if (answer.kind === 'error') {
          await this.failAll(
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
    batch: NonNullable<Discovery['batch']>,
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
      if (fresh.method !== 'POST' && base !== null && this.detects(fresh)) entry.ifMatch = base;
      if (fresh.tempId) entry.tempId = fresh.tempId;
      if (body !== undefined) entry.body = body;
      const size = JSON.stringify(entry).length;
      if (chunk.length > 0 && bytes + size > batch.maxBytes) {
        overflow.push(fresh);
        continue;
      }
      if (fresh.method === 'POST') expected.set(recordKey, 1);
      else if (base !== null) expected.set(recordKey, base + 1);
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
  private async sendChunk(batch: NonNullable<Discovery['batch']>, chunk: ChunkEntry[]): Promise<ChunkAnswer> {
    let answer;
    try {
      const response = await this.send(batch.path, {
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
      const outcome = classify(write, r.status, r.body, null);
      if (outcome.kind === 'ok')
        sorted.acks.push({
          write,
          record: outcome.record,
          deleted: outcome.deleted,
          status: outcome.status,
          json,
        });
      else sorted.others.push({ write, outcome });
    }
    return sorted;
  }

  /** A chunk answered with some non-2xx results, settled while nothing else settles. */
  private async settleInLine(
    answer: Extract<ChunkAnswer, { kind: 'answered' }>,
    state: ChunkSource,
    onSettled: (w: StoredWrite, o: Settled) => void,
  ): Promise<Stop | null> {
    const { acks, others, unsent } = answer;
    // The unsent go back to pending first, so acknowledging an earlier write of their record rebases them (a
    // `sending` row is left as it is): sent again, they carry the version that write produced.
    await this.ctx.queue.unmarkSending(unsent.map((w) => w.id));
    // Every 2xx of the chunk is settled in one commit; the rare others one by one, in order.
    await this.outbox.acknowledgeMany(acks);
    this.announceAcknowledged(acks);
    for (const a of acks) onSettled(a.write, 'ok');
    for (const { write, outcome } of others) {
      const settled = await this.settle(write, outcome);
      if (typeof settled === 'object') return settled;
      onSettled(write, settled);
      if (settled !== 'ok') laneKeys(write).forEach((k) => state.blocked.add(k));
    }
    for (const w of unsent) if (!laneKeys(w).some((k) => state.blocked.has(k))) state.rest.push(w);
    state.rest.sort((a, b) => a.seq - b.seq);
    return null;
  }

  /** Per-write events for settled 2xx answers, built from what is in hand; one `data-changed` per collection. */
  private announceAcknowledged(acks: readonly (Ack & { json: unknown })[]): void {
    const changed = new Map<string, string[]>();
    for (const a of acks) {
      this.ctx.deps.emit({
        type: 'write-acknowledged',
        write: this.outbox.viewOf(a.write, a.json),
        record: a.record,
      });
      const ids = changed.get(a.write.collection) ?? [];
      ids.push(a.record?.id ?? a.write.recordId);
      changed.set(a.write.collection, ids);
    }
    for (const [collection, ids] of changed) this.ctx.deps.emit({ type: 'data-changed', collection, ids });
  }

  private async failAll(writes: StoredWrite[], outcome: WriteOutcome): Promise<Stop | null> {
    let stop: Stop | null = null;
    for (const w of writes) {
      if (outcome.kind === 'transient' || outcome.kind === 'auth') {
        const s = await this.settle(w, outcome);
        if (typeof s === 'object') stop = s;
      } else {
        await this.ctx.queue.unmarkSending([w.id]);
      }
    }
    if (!stop && outcome.kind !== 'ok') {
      const error =
        'error' in outcome ? outcome.error : { code: 'bad_response' as const, message: 'batch refused' };
      stop = { kind: 'transient', error, retryAfterMs: null, network: false };
    }
    return stop;
  }

  private detects(w: StoredWrite): boolean {
    return this.ctx.config.collections.get(w.collection)?.detectConflicts ?? false;
  }

  private async sendOne(w: StoredWrite): Promise<Settled | Stop> {
    // `sending` is persisted (and the attempt counted) before anything goes out.
    const [fresh] = await this.ctx.queue.markSending([w.id]);
    if (!fresh) return 'skipped';
    if (!isSameOriginPath(fresh.url)) {
      // A queue row can be altered (devtools, another script on the origin): its url must not carry the user's
      // credentials to another origin. Kept, failed, for a person to see and discard.
      return this.markFailed(fresh, null, {
        code: 'rejected',
        message: `not sent: ${JSON.stringify(fresh.url)} is not a path on this origin`,
        details: { url: fresh.url },
      });
    }
    // Filtered again here: rows queued by an older version kept every header but Authorization and Cookie.
    const headers = new Headers(storableHeaders(fresh.headers, this.ctx.config.replayHeaders));
    headers.set(HEADERS.idempotencyKey, fresh.id);
    if (fresh.baseVersion !== null && this.detects(fresh))
      headers.set(HEADERS.ifMatch, `"${fresh.baseVersion}"`);
    if (fresh.tempId) headers.set(HEADERS.tempId, fresh.tempId);
    if (fresh.contentType) headers.set('content-type', fresh.contentType);
    const body = await this.ctx.codec.openBytes(fresh.body);
    const json = parseJsonBody(body, fresh.contentType);
    this.ctx.deps.emit({ type: 'write-sent', write: this.outbox.viewOf(fresh, json) });
    let outcome: WriteOutcome;
    try {
      const response = await this.send(fresh.url, { method: fresh.method, headers, body });
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.ctx.deps.now());
      outcome = classify(fresh, response.status, await readJson(response), retryAfter);
    } catch (error) {
      const info = toErrorInfo(error);
      outcome = {
        kind: 'transient',
        error: error instanceof TypeError ? { code: 'network', message: info.message } : info,
        retryAfterMs: null,
      };
    }
    if (outcome.kind === 'ok') {
      const ack = {
        write: fresh,
        record: outcome.record,
        deleted: outcome.deleted,
        status: outcome.status,
        json,
      };
      await this.acks.add(ack);
      this.announceAcknowledged([ack]);
      return 'ok';
    }
    return this.settle(fresh, outcome);
  }

  private async markFailed(w: StoredWrite, status: number | null, error: ErrorInfo): Promise<'failed'> {
    const stored: StoredWrite = {
      ...w,
      state: 'failed',
      lastStatus: status,
      lastError: error,
      nextAttemptAt: null,
      rev: w.rev + 1,
    };
    await this.ctx.queue.put(stored);
    await this.log(w, 'failed', status, error);
    this.ctx.deps.emit({ type: 'write-failed', write: await this.outbox.view(stored) });
    return 'failed';
  }

  /** Applies an answer to a write. Returns how it settled, or a Stop that ends the push. */
  private async settle(w: StoredWrite, outcome: WriteOutcome): Promise<Settled | Stop> {
    const { ctx, outbox } = this;
    const now = ctx.deps.now();
    const status = 'status' in outcome ? outcome.status : (outcome.error.status ?? null);
    switch (outcome.kind) {
      case 'ok': {
        const json = parseJsonBody(await ctx.codec.openBytes(w.body), w.contentType);
        const ack = {
          write: w,
          record: outcome.record,
          deleted: outcome.deleted,
          status: outcome.status,
          json,
        };
        await outbox.acknowledgeMany([ack]);
        this.announceAcknowledged([ack]);
        return 'ok';
      }
      case 'conflict': {
        // A 409 without the server's copy: read the record again. Still unknown, it waits for a person — a rule
        // (server-wins, client-wins, a merge) deciding against a copy it does not have would drop or duplicate data.
        const known =
          outcome.server || outcome.serverDeleted
            ? { server: outcome.server, deleted: outcome.serverDeleted }
            : await this.refetch(w);
        const server = known?.server ?? null;
        const stored: StoredWrite = {
          ...w,
          state: 'conflict',
          lastStatus: 409,
          lastError: { code: 'conflict', message: 'the server holds a newer version', status: 409 },
          conflict: {
            server: await ctx.codec.sealJson(server),
            serverDeleted: known?.deleted ?? false,
            detectedAt: now,
          },
          rev: w.rev + 1,
        };
        await ctx.queue.put(stored);
        if (server) await this.storeServerCopy(w.collection, w.recordId, server);
        await this.log(w, 'conflict', 409, stored.lastError);
        const auto = known !== null && (await this.resolver.applyStrategy(stored));
        if (auto) return 'resolved';
        const view = await outbox.conflictView(stored);
        if (view) ctx.deps.emit({ type: 'write-conflicted', conflict: view });
        return 'conflict';
      }
      case 'auth': {
        await ctx.queue.put({
          ...w,
          state: 'pending',
          lastStatus: 401,
          lastError: outcome.error,
          rev: w.rev + 1,
        });
        return { kind: 'auth', error: outcome.error };
      }
      case 'failed':
        return this.markFailed(w, status, outcome.error);
      case 'transient': {
        const max = ctx.config.retry.maxAttempts;
        // Out of attempts: kept as failed, visible with its last error, for a person to retry, edit or discard.
        if (max > 0 && w.attempts >= max) return this.markFailed(w, status, outcome.error);
        const delay = outcome.retryAfterMs ?? backoffDelay(w.attempts, ctx.config.retry, ctx.deps.random);
        await ctx.queue.put({
          ...w,
          state: 'pending',
          lastStatus: status,
          lastError: outcome.error,
          nextAttemptAt: now + delay,
          rev: w.rev + 1,
        });
        return {
          kind: 'transient',
          error: outcome.error,
          retryAfterMs: outcome.retryAfterMs,
          network: outcome.error.code === 'network',
        };
      }
    }
  }

  private async log(
    w: StoredWrite,
    event: 'conflict' | 'failed',
    status: number | null,
    error: ErrorInfo | null,
  ): Promise<void> {
    await this.ctx.history.add({
      kind: 'write',
      at: this.ctx.deps.now(),
      event,
      writeId: w.id,
      collection: w.collection,
      recordId: w.recordId,
      method: w.method,
      status,
      error,
    });
  }

  /**
   * The server's current copy of a conflicted write's record, read again (`GET`); null when it cannot be known (an
   * error, a network failure, an answer that is not this record).
   */
  private async refetch(w: StoredWrite): Promise<{ server: ServerRecord | null; deleted: boolean } | null> {
    try {
      const response = await this.send(
        this.api(`/${encodeURIComponent(w.collection)}/${encodeURIComponent(w.recordId)}`),
        { method: 'GET', headers: { accept: 'application/json' } },
      );
      const json = await readJson(response);
      if (response.status === 200 && isServerRecord(json) && json.id === w.recordId)
        return { server: json, deleted: false };
      // PROTOCOL.md §4: a deleted record reads as 404 with `"error": "deleted"`.
      if (response.status === 404 && isObject(json) && json.error === 'deleted')
        return { server: null, deleted: true };
      return null;
    } catch {
      return null;
    }
  }

  private async storeServerCopy(collection: string, id: string, server: ServerRecord): Promise<void> {
    await this.ctx.locks.run([id], async () => {
      const existing = await this.ctx.records.get(collection, id);
      if (!existing) return;
      await this.ctx.records.putMany([
        { row: { ...existing.row, version: server.version, fromServer: true }, data: existing.data, server },
      ]);
    });
  }

  // ---- pull ----

  async pull(
    collections: readonly string[],
    mark: string,
    onProgress: (p: Omit<SyncProgress, 'runId' | 'unit'>) => void,
  ): Promise<PullResult> {
    const result: PullResult = { pulled: 0, failed: 0, stop: null, error: null };
    for (const name of collections) {
      const conf = this.ctx.config.collections.get(name);
      if (!conf) continue;
      try {
        // The protocol announces no count: `total` stays null while pages keep coming and becomes the run's count
        // once a collection's last page is stored (see SyncProgress).
        result.pulled += await this.pullCollection(conf, mark, (done, last) =>
          onProgress({
            phase: 'pull',
            done: result.pulled + done,
            total: last ? result.pulled + done : null,
            collection: name,
          }),
        );
      } catch (error) {
        const stop = stopFor(error);
        if (
          stop.kind === 'auth' ||
          stop.error.code === 'network' ||
          stop.error.code === 'server_error' ||
          stop.error.code === 'bad_response'
        ) {
          result.stop = stop;
          return result;
        }
        result.failed += 1;
        result.error = stop.error;
      }
    }
    return result;
  }

  /**
   * Pages of one collection, fetched ahead of the store (`readAhead`) and stored one at a time in order. A delta cursor
   * is saved in the transaction that stores its page, so a killed sync resumes after the last stored page — except on
   * a full pull over records already here, which must sweep what the server no longer has: its cursor waits for the
   * sweep (resuming as a delta would skip it).
   */
  private async pullCollection(
    conf: ResolvedCollection,
    mark: string,
    onPage: (done: number, last: boolean) => void,
  ): Promise<number> {
    const { ctx } = this;
    const delta = conf.policy === 'read-only-delta';
    let since = delta ? await ctx.meta.cursor(conf.name) : null;
    const full = since === null;
    const sweep = full && (await ctx.records.count(conf.name)) > 0;
    const startedAt = ctx.deps.now();
    let count = 0;
    const next = readAhead((cursor) => this.fetchPage(conf, cursor), since, PULL_AHEAD);
    for (;;) {
      const answer = await next();
      if (answer === 'expired') {
        if (delta && !full) {
          // The server no longer keeps tombstones that old: start again from nothing (and sweep at the end).
          await ctx.meta.setCursor(conf.name, null);
          return this.pullCollection(conf, mark, onPage);
        }
        throw new OfflineKitError('rejected', `pull of ${conf.name} answered 410`, { status: 410 });
      }
      const more = hasNext(answer);
      if (answer.cursor !== null) since = answer.cursor;
      const meta: [string, unknown][] = [];
      if (delta && !sweep && answer.cursor !== null) meta.push([cursorKey(conf.name), answer.cursor]);
      // With no sweep to wait for, the last page's transaction also dates the collection's sync: one commit less.
      if (!more && !sweep) meta.push([syncedAtKey(conf.name), ctx.deps.now()]);
      await this.applyPage(
        conf.name,
        answer.records,
        answer.deleted.map((d) => d.id),
        new Set(),
        mark,
        meta.length > 0 ? { meta } : {},
      );
      count += answer.records.length + answer.deleted.length;
      onPage(count, !more);
      if (!more) break;
    }
    if (sweep) {
      const keep = await ctx.queue.recordIdsWithWrites(conf.name);
      const removed = await ctx.records.sweep(conf.name, mark, startedAt, keep);
      if (removed.length)
        ctx.deps.emit({ type: 'data-changed', collection: conf.name, ids: removed.slice(0, 1000) });
      if (delta) await ctx.meta.setCursor(conf.name, since);
      await ctx.meta.setCollectionSyncedAt(conf.name, ctx.deps.now());
    }
    // Without a sweep every cursor was saved with its page already.
    return count;
  }

  /** One pull page, read and narrowed; `expired` for 410 (the cursor is older than the server's tombstones). */
  private async fetchPage(conf: ResolvedCollection, since: string | null): Promise<ListPage | 'expired'> {
    const params = new URLSearchParams({ limit: String(conf.pageSize) });
    if (since !== null) params.set('since', since);
    const response = await this.send(this.api(`/${encodeURIComponent(conf.name)}?${params.toString()}`), {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    if (response.status === 410 && since !== null) {
      await response.body?.cancel();
      return 'expired';
    }
    const json = await readJson(response);
    if (response.status === 401)
      throw new OfflineKitError('unauthorized', 'the server asks for credentials', { status: 401 });
    if (response.status === 429 || response.status >= 500) {
      throw new OfflineKitError('server_error', `pull answered ${response.status}`, {
        status: response.status,
      });
    }
    if (response.status !== 200) {
      throw new OfflineKitError('rejected', `pull of ${conf.name} answered ${response.status}`, {
        status: response.status,
        details: json,
      });
    }
    return parseListPage(json);
  }

  /**
   * Stores server records (a pull page, a read's answer, an acknowledged write) in one transaction; versions decide
   * against what is already stored. Records with queued writes keep their overlay: only their server copy changes, then
   * the overlay is rebuilt on it. `keep` names records known to have writes (the store also reads them itself, inside
   * its transaction). `announce: false` is for a page's own read: it already has the data, and a `data-changed` would
   * only make it read again. Returns the ids whose local copy changed.
   */
  async applyPage(
    collection: string,
    records: ServerRecord[],
    deletedIds: string[],
    keep: ReadonlySet<string>,
    mark: string | null,
    options: { announce?: boolean; meta?: [string, unknown][] } = {},
  ): Promise<string[]> {
    const { ctx } = this;
    // Locked on the page's records: a write captured meanwhile must not commit a version older than the page's.
    const ids = [...records.map((r) => r.id), ...deletedIds];
    const stored = await ctx.locks.run(ids, async () => {
      const page = await ctx.records.storeServerPage({
        collection,
        records,
        deletedIds,
        mark,
        now: ctx.deps.now(),
        meta: options.meta,
      });
      const rebuild = new Set(page.withWrites);
      for (const id of keep) if (page.changed.includes(id)) rebuild.add(id);
      for (const id of rebuild) await this.outbox.rebuild(collection, id);
      return page;
    });
    if (stored.changed.length && options.announce !== false)
      ctx.deps.emit({ type: 'data-changed', collection, ids: stored.changed });
    return stored.changed;
  }
}

type Settled = 'ok' | 'conflict' | 'resolved' | 'failed' | 'skipped';

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
      acks: (Ack & { json: unknown })[];
      others: { write: StoredWrite; outcome: WriteOutcome }[];
      unsent: StoredWrite[];
    };

/**
 * Batch chunks sent and not yet settled, across the pages of one push pass. `busy` holds their lane keys (records and
 * temporary ids): a chunk prepared meanwhile stops before a write with one of them, so its rows are never rows a
 * settle in flight still rebases or renames. Settles run one after another, in the order the chunks were sent.
 */
class BatchPipeline {
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

const hasNext = (page: ListPage): boolean => page.hasMore && page.cursor !== null;

/**
 * Pull pages in order, each fetched as soon as the one before it arrived (it only needs that page's cursor), not after
 * the page before it was stored: the network chain and the stores overlap, and a slow page on one side is absorbed by
 * the other instead of stalling both. At most `ahead` pages wait unstored. Each call takes the next page; a failed
 * fetch ends the chain and rejects when its turn comes, so a page stored before it still counts and its own failure
 * is reported first. Call it only while the previous page had more (`hasNext`).
 *
 * Bounded by progress: a page that says "more" must bring a record or a tombstone and a cursor not seen before in this
 * chain. One that does not (the same cursor again, cursors going round, empty pages) is a `bad_response` failure:
 * following it would fetch for as long as the server answers so.
 */
export function readAhead(
  fetch: (since: string | null) => Promise<ListPage | 'expired'>,
  since: string | null,
  ahead: number,
): () => Promise<ListPage | 'expired'> {
  const waiting: Promise<ListPage | 'expired'>[] = [];
  let inFlight = false;
  /** The cursor the next fetch starts from; undefined once the last page (or a failure, or `expired`) arrived. */
  let cursor: string | null | undefined = since;
  const seen = new Set<string | null>([since]);
  const checked = async (from: string | null): Promise<ListPage | 'expired'> => {
    const answer = await fetch(from);
    if (answer === 'expired' || !hasNext(answer)) return answer;
    if (seen.has(answer.cursor))
      throw new OfflineKitError(
        'bad_response',
        `a pull page said "more" but its cursor ${answer.cursor} was seen before`,
      );
    if (answer.records.length === 0 && answer.deleted.length === 0)
      throw new OfflineKitError('bad_response', 'a pull page said "more" but held nothing');
    seen.add(answer.cursor);
    return answer;
  };
  const pump = (): void => {
    if (inFlight || cursor === undefined || waiting.length >= ahead) return;
    inFlight = true;
    const page = checked(cursor);
    waiting.push(page);
    page.then(
      (answer) => {
        inFlight = false;
        cursor = answer !== 'expired' && hasNext(answer) ? answer.cursor : undefined;
        pump();
      },
      () => {
        inFlight = false;
        cursor = undefined;
      },
    );
  };
  pump();
  return () => {
    const page = waiting.shift();
    pump();
    return page ?? Promise.reject(new Error('no further pull page'));
  };
}

/** A write that does not ride in a batch: a form or binary body, or a url that is not a path on this origin. */
function goesAlone(w: StoredWrite): boolean {
  return (!isJsonType(w.contentType) && w.body !== null) || !isSameOriginPath(w.url);
}

function stopFor(error: unknown): Stop {
  const info = toErrorInfo(error);
  if (info.code === 'unauthorized') return { kind: 'auth', error: info };
  if (error instanceof TypeError) {
    return {
      kind: 'transient',
      error: { code: 'network', message: info.message },
      retryAfterMs: null,
      network: true,
    };
  }
  return { kind: 'transient', error: info, retryAfterMs: null, network: info.code === 'network' };
}

/** The keys that order a write: its record, and any temporary id it refers to (a child waits for its parent). */
export function laneKeys(w: StoredWrite): string[] {
  const keys = new Set<string>([
    w.recordId.startsWith(TEMP_PREFIX) ? w.recordId : `${w.collection}/${w.recordId}`,
  ]);
  for (const tmp of referencedTempIds(w.url, null)) keys.add(tmp);
  for (const tmp of w.refs) keys.add(tmp);
  return [...keys];
}

function groupLanes(writes: StoredWrite[]): StoredWrite[][] {
  // Union of writes sharing any key, kept in seq order inside a lane.
  const laneOf = new Map<string, StoredWrite[]>();
  const lanes: StoredWrite[][] = [];
  for (const w of writes) {
    const keys = laneKeys(w);
    const found = [...new Set(keys.map((k) => laneOf.get(k)).filter((l): l is StoredWrite[] => !!l))];
    let lane: StoredWrite[];
    if (found.length === 0) {
      lane = [];
      lanes.push(lane);
    } else {
      lane = found[0] ?? [];
      for (const other of found.slice(1)) {
        lane.push(...other);
        lanes.splice(lanes.indexOf(other), 1);
        for (const ow of other) for (const k of laneKeys(ow)) laneOf.set(k, lane);
      }
      lane.sort((a, b) => a.seq - b.seq);
    }
    lane.push(w);
    for (const k of keys) laneOf.set(k, lane);
  }
  return lanes;
}
