/**
 * The push of one sync run: the queue, page by page, in `seq` order. Writes of one record (or of a parent and its
 * children, see `lanes.ts`) go strictly one after another; independent lanes go side by side, up to `concurrency`
 * requests, or in batch chunks when the server announces a batch endpoint (`push-batch.ts`).
 *
 * Contract: a write leaves the queue only in the acknowledgement (`outbox/acknowledge.ts`), after a 2xx. It is
 * persisted as `sending` before it goes out; one found `sending` later (the worker was killed) is simply sent again
 * with the same Idempotency-Key.
 */
import type { SyncProgress, SyncTrigger } from '../../protocol/api.js';
import { toErrorInfo } from '../../protocol/errors.js';
import { isSameOriginPath } from '../../protocol/wire-guards.js';
import { HEADERS, type Discovery } from '../../protocol/wire.js';
import { parseRetryAfter } from '../model/backoff.js';
import { isJsonType, parseJsonBody } from '../model/bodies.js';
import { classify, readJson, type WriteOutcome } from '../model/classify.js';
import { groupLanes, laneKeys } from '../model/lanes.js';
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import { acknowledge } from '../outbox/acknowledge.js';
import { GroupCommit } from '../storage/group-commit.js';
import { storableHeaders } from '../outbox/capture.js';
import type { Outbox } from '../outbox/outbox.js';
import { BatchPipeline, BatchPush, detectsConflicts } from './push-batch.js';
import type { AckWithBody, Settled, Settler } from './settle.js';
import { stopFor, type Stop, type Transport } from './transport.js';

export interface PushResult {
  pushed: number;
  conflicts: number;
  failed: number;
  stop: Stop | null;
  /** The earliest `nextAttemptAt` of a write held back by its back-off (null: none): the run's next wake-up. */
  deferredUntil: number | null;
}

/**
 * Runs the engine starts on its own honour each write's back-off (`nextAttemptAt`): the retry timer, the interval,
 * a new write. A person's sync, a login, the network or the worker coming back send every write at once.
 */
const HONOURS_BACKOFF: ReadonlySet<SyncTrigger> = new Set<SyncTrigger>(['retry', 'interval', 'write']);

const PAGE = 200;

export class Push {
  /**
   * Acknowledgements of writes sent one by one, stored in groups (one acknowledgement, one transaction). The lanes
   * never hold two writes of a record (or of a parent and its child) in flight at once, so a group never orders two
   * acknowledgements that depend on each other.
   */
  private readonly acks = new GroupCommit<AckWithBody>((acks) => acknowledge(this.ctx, acks), {
    retryAlone: false,
  });
  private readonly batches: BatchPush;

  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
    private readonly transport: Transport,
    private readonly settler: Settler,
  ) {
    this.batches = new BatchPush(ctx, outbox, transport, settler, (w) => this.sendOne(w));
  }

  async push(
    collections: ReadonlySet<string>,
    onProgress: (p: Omit<SyncProgress, 'runId' | 'unit'>) => void,
    trigger: SyncTrigger = 'manual',
  ): Promise<PushResult> {
    const result: PushResult = { pushed: 0, conflicts: 0, failed: 0, stop: null, deferredUntil: null };
    const backoff = HONOURS_BACKOFF.has(trigger);
    let discovery: Discovery | null;
    try {
      discovery = await this.transport.discover();
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
            // A write whose last try got no answer at all is not held by its own back-off: the outage was the
            // queue's, not the write's, and the engine's retry after it paces the queue as a whole. Held, it let later
            // writes of other records go first at that retry, and the server applied the queue out of order.
            const unanswered = w.lastError?.code === 'network';
            if (backoff && !unanswered && w.nextAttemptAt !== null && w.nextAttemptAt > this.ctx.deps.now()) {
              // Not before its time; the record's later writes wait behind it.
              keys.forEach((k) => blocked.add(k));
              result.deferredUntil = Math.min(result.deferredUntil ?? Infinity, w.nextAttemptAt);
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
              this.batches.push(batched, batch, onSettled, pipe),
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
    // A lane's last acknowledgement commits while its worker takes the next lane (another record, independent by how
    // lanes are made): the next write's `sending` mark then queues behind it in IndexedDB instead of waiting for its
    // commit here. Everything is committed before this returns (the next page is read after), and a failed commit
    // still fails the push.
    const committing: Promise<void>[] = [];
    const worker = async (): Promise<void> => {
      while (!stop && next < lanes.length) {
        const lane = lanes[next++] ?? [];
        for (const [i, w] of lane.entries()) {
          if (stop) return;
          const settled = await this.sendOne(w, i === lane.length - 1 ? committing : null);
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
    await Promise.all(committing);
    return stop;
  }

  /**
   * One write, one request: marked `sending`, sent, settled. With `committing`, an acknowledgement's commit is not
   * awaited but added there, for the caller to await.
   */
  async sendOne(w: StoredWrite, committing: Promise<void>[] | null = null): Promise<Settled | Stop> {
    // `sending` is persisted (and the attempt counted) before anything goes out.
    const [fresh] = await this.ctx.queue.markSending([w.id]);
    if (!fresh) return 'skipped';
    if (!isSameOriginPath(fresh.url)) {
      // A queue row can be altered (devtools, another script on the origin): its url must not carry the user's
      // credentials to another origin. Kept, failed, for a person to see and discard.
      return this.settler.markFailed(fresh, 'rejected', null, {
        code: 'rejected',
        message: `not sent: ${JSON.stringify(fresh.url)} is not a path on this origin`,
        details: { url: fresh.url },
      });
    }
    // Filtered again here: rows queued by an older version kept every header but Authorization and Cookie.
    const headers = new Headers(storableHeaders(fresh.headers, this.ctx.config.replayHeaders));
    headers.set(HEADERS.idempotencyKey, fresh.id);
    const adapter = this.ctx.wire.for(fresh.collection);
    const ifMatch = detectsConflicts(this.ctx, fresh) ? adapter.ifMatch(fresh.baseVersion) : null;
    if (ifMatch !== null) headers.set(HEADERS.ifMatch, ifMatch);
    if (fresh.tempId) headers.set(HEADERS.tempId, fresh.tempId);
    if (fresh.contentType) headers.set('content-type', fresh.contentType);
    const body = await this.ctx.codec.openBytes(fresh.body);
    const json = parseJsonBody(body, fresh.contentType);
    this.ctx.deps.emit({ type: 'write-sent', write: this.outbox.viewOf(fresh, json) });
    let outcome: WriteOutcome;
    try {
      const response = await this.transport.send(fresh.url, { method: fresh.method, headers, body });
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.ctx.deps.now());
      outcome = answeredElsewhere(response)
        ? {
            kind: 'transient',
            error: {
              code: 'bad_response',
              message: `answered by another page (${response.status} after a redirect): not the API, the write is kept`,
              status: response.status,
            },
            retryAfterMs: null,
          }
        : classify(
            fresh,
            response.status,
            await readJson(response),
            retryAfter,
            response.headers.get('location'),
            adapter,
            response.headers.get('etag'),
          );
    } catch (error) {
      const info = toErrorInfo(error);
      outcome = {
        kind: 'transient',
        error: error instanceof TypeError ? { code: 'network', message: info.message } : info,
        retryAfterMs: null,
      };
    }
    if (outcome.kind === 'ok') {
      const ack = await this.settler.ackOf(fresh, outcome, json);
      const committed = this.acks.add(ack).then(() => this.settler.announceAcknowledged([ack]));
      if (committing) {
        // Seen by the caller's await; until then a failure must not count as unhandled.
        committed.catch(() => undefined);
        committing.push(committed);
      } else await committed;
      return 'ok';
    }
    return this.settler.settle(fresh, outcome);
  }
}

/**
 * A write's answer that came through a redirect and is not JSON: a captive portal's login page, not the API. Such a
 * 2xx is no delivery (the write never reached the API), so the write stays queued. An API's own redirect to the
 * record (`303 See Other`) answers JSON and is read as usual.
 */
function answeredElsewhere(response: Response): boolean {
  return response.redirected && !isJsonType(response.headers.get('content-type'));
}
