/**
 * An answer to a sent write → the write's next state: acknowledged (it leaves the queue), conflict (kept with the
 * server's copy, or resolved by the collection's rule), failed (kept for a person), or pending again after a transient
 * failure (with its back-off). Events and history entries for settled writes are emitted here.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import { NETWORK_RETRY_CAP_MS, backoffDelay } from '../model/backoff.js';
import { parseJsonBody } from '../model/bodies.js';
import type { WriteOutcome } from '../model/classify.js';
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { nextQueuedState } from '../model/write-state.js';
import type { ConflictResolver } from '../outbox/conflicts.js';
import { acknowledge, type Ack } from '../outbox/acknowledge.js';
import type { Outbox } from '../outbox/outbox.js';
import type { ServerRecords } from '../outbox/server-records.js';
import type { Stop, Transport } from './transport.js';

/** How one write settled; `skipped`: it was gone, in conflict or failed by the time it was to be sent. */
export type Settled = 'ok' | 'conflict' | 'resolved' | 'failed' | 'skipped';

/** A 2xx answer with the write's JSON body in hand, for its events. */
export type AckWithBody = Ack & { json: unknown };

export type Delivered = Extract<WriteOutcome, { kind: 'ok' }>;

export class Settler {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
    private readonly resolver: ConflictResolver,
    private readonly transport: Transport,
    private readonly serverRecords: ServerRecords,
  ) {}

  /**
   * The acknowledgement of a 2xx. Without the server's record the new version is unknown: the record is read again
   * (best effort), so the record's later writes are rebased on it instead of meeting a 409 of their own making; when
   * that fails too, the local copy keeps the user's change until the next read or pull replaces it.
   */
  async ackOf(w: StoredWrite, o: Delivered, json: unknown): Promise<AckWithBody> {
    let record = o.record;
    if (!record && !o.deleted) {
      const id = o.id ?? (w.method === 'POST' ? null : w.recordId);
      const again = id === null ? null : await this.transport.refetch(w, id);
      record = again?.server ?? null;
    }
    const ack: AckWithBody = { write: w, record, deleted: o.deleted, status: o.status, json };
    if (o.id !== undefined) ack.id = o.id;
    if (o.unread)
      ack.warning = {
        ...o.unread,
        message: `${o.unread.message}; ${record ? 'the record was read again' : 'the next read or pull refreshes it'}`,
      };
    return ack;
  }

  /** 2xx answers: stored in one acknowledgement, then announced. */
  async acknowledge(acks: readonly AckWithBody[]): Promise<void> {
    await acknowledge(this.ctx, acks);
    this.announceAcknowledged(acks);
  }

  /** Per-write events for settled 2xx answers, built from what is in hand; one `data-changed` per collection. */
  announceAcknowledged(acks: readonly AckWithBody[]): void {
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

  /** A whole chunk answered as one (refused, or never answered): each write settles as the chunk did. */
  async failAll(writes: StoredWrite[], outcome: WriteOutcome): Promise<Stop | null> {
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

  /** Kept as failed, for a person to see, retry, edit or discard: `why` is `rejected` or `out-of-attempts`. */
  async markFailed(
    w: StoredWrite,
    why: 'rejected' | 'out-of-attempts',
    status: number | null,
    error: ErrorInfo,
  ): Promise<'failed'> {
    const stored: StoredWrite = {
      ...w,
      state: nextQueuedState(w.state, why),
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
  async settle(w: StoredWrite, outcome: WriteOutcome): Promise<Settled | Stop> {
    const { ctx } = this;
    const now = ctx.deps.now();
    const status = 'status' in outcome ? outcome.status : (outcome.error.status ?? null);
    switch (outcome.kind) {
      case 'ok': {
        const json = parseJsonBody(await ctx.codec.openBytes(w.body), w.contentType);
        await this.acknowledge([await this.ackOf(w, outcome, json)]);
        return 'ok';
      }
      case 'conflict':
        return this.conflict(w, outcome, now);
      case 'auth': {
        await ctx.queue.put({
          ...w,
          state: nextQueuedState(w.state, 'auth'),
          lastStatus: 401,
          lastError: outcome.error,
          rev: w.rev + 1,
        });
        return { kind: 'auth', error: outcome.error };
      }
      case 'failed':
        return this.markFailed(w, 'rejected', status, outcome.error);
      case 'transient': {
        const max = ctx.config.retry.maxAttempts;
        // Out of attempts: kept as failed, visible with its last error, for a person to retry, edit or discard.
        if (max > 0 && w.attempts >= max) return this.markFailed(w, 'out-of-attempts', status, outcome.error);
        let delay = outcome.retryAfterMs ?? backoffDelay(w.attempts, ctx.config.retry, ctx.deps.random);
        // No answer at all says nothing against this write: it goes with the first retry once the server is back,
        // which comes within the engine's network cap (a write's own back-off must not hold it longer).
        if (outcome.error.code === 'network' && outcome.retryAfterMs === null)
          delay = Math.min(delay, NETWORK_RETRY_CAP_MS);
        await ctx.queue.put({
          ...w,
          state: nextQueuedState(w.state, 'transient'),
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

  private async conflict(
    w: StoredWrite,
    outcome: Extract<WriteOutcome, { kind: 'conflict' }>,
    now: number,
  ): Promise<'conflict' | 'resolved'> {
    const { ctx } = this;
    // A 409 without the server's copy: read the record again. Still unknown, it waits for a person — a rule
    // (server-wins, client-wins, a merge) deciding against a copy it does not have would drop or duplicate data.
    const known =
      outcome.server || outcome.serverDeleted
        ? { server: outcome.server, deleted: outcome.serverDeleted }
        : await this.transport.refetch(w);
    const server = known?.server ?? null;
    const stored: StoredWrite = {
      ...w,
      state: nextQueuedState(w.state, 'conflict'),
      lastStatus: outcome.status,
      lastError: { code: 'conflict', message: 'the server holds a newer version', status: outcome.status },
      conflict: {
        server: await ctx.codec.sealJson(server),
        serverDeleted: known?.deleted ?? false,
        detectedAt: now,
      },
      rev: w.rev + 1,
    };
    await ctx.queue.put(stored);
    if (server) await this.serverRecords.storeServerCopy(w.collection, w.recordId, server);
    await this.log(w, 'conflict', outcome.status, stored.lastError);
    const auto = known !== null && (await this.resolver.applyStrategy(stored));
    if (auto) return 'resolved';
    const view = await this.outbox.conflictView(stored);
    if (view) ctx.deps.emit({ type: 'write-conflicted', conflict: view });
    return 'conflict';
  }

  private async log(
    w: StoredWrite,
    event: 'conflict' | 'failed',
    status: number | null,
    error: ErrorInfo | null,
  ): Promise<void> {
    await this.ctx.history.add(writeEntry(w, event, this.ctx.deps.now(), status, error));
  }
}
