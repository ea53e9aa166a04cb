/**
 * When sync runs happen, one at a time (the run state machine of `run-state.ts`), and what one run does: push the
 * unit's writes, then pull its collections, then record the outcome (unit meta, history, events) and choose what
 * comes next (idle, a back-off retry, or paused for credentials).
 *
 *        sync(unit, trigger) ──▶ waiting (one entry per unit; duplicates join it)
 *                                   │ nothing running
 *                                   ▼
 *                                running: push ─▶ pull
 *
 * A run never starts another run itself: the only re-entry is the retry timer after a transient failure, with
 * back-off. Writes queued during a run ask for a `write` run, which waits its turn. Every side effect (fetch, clock,
 * timers, randomness, events) comes from `EngineDeps`, so this runs in node under fake timers and fake-indexeddb.
 */
import type {
  ErrorInfo,
  SyncOutcome,
  SyncProgress,
  SyncRunSummary,
  SyncTrigger,
} from '../../protocol/api.js';
import { OfflineKitError, toErrorInfo } from '../../protocol/errors.js';
import type { EngineContext } from '../deps.js';
import { NETWORK_RETRY_CAP_MS, backoffDelay } from '../model/backoff.js';
import { lockedError } from '../storage/codec.js';
import type { PullResult, PushResult, Stop } from './replicator.js';
import { nextQueuedState } from '../model/write-state.js';
import { nextRunState, type RunEvent, type RunState } from './run-state.js';

export { NETWORK_RETRY_CAP_MS } from '../model/backoff.js';

type Progress = (p: Omit<SyncProgress, 'runId' | 'unit'>) => void;

/** How soon a worker told "online" by a page, but not seeing the network itself, looks again. */
const NEWS_RECHECK_MS = 1_000;

/** Why a run paused when the worker holds no credentials: its memory lost what a page handed over. */
const MISSING_CREDENTIALS: ErrorInfo = {
  code: 'unauthorized',
  message: 'the service worker has no credentials',
  details: { missing: true },
};

function isMissingCredentials(reason: ErrorInfo): boolean {
  const details: unknown = reason.details;
  return (
    reason.code === 'unauthorized' &&
    typeof details === 'object' &&
    details !== null &&
    'missing' in details &&
    details.missing === true
  );
}

/** What a run needs from the rest of the engine. */
export interface RunHost {
  readonly locked: boolean;
  readonly simulatedOffline: boolean;
  readonly user: string | null;
  /** `trigger` decides whether writes backing off (`nextAttemptAt`) wait (see `sync/push.ts`). */
  push(collections: ReadonlySet<string>, onProgress: Progress, trigger: SyncTrigger): Promise<PushResult>;
  pull(collections: readonly string[], runId: string, onProgress: Progress): Promise<PullResult>;
  statusSoon(): void;
}

interface Waiting {
  unit: string;
  trigger: SyncTrigger;
  force: boolean;
  resolvers: ((s: SyncRunSummary) => void)[];
}

export class Scheduler {
  private state: RunState;
  private waiting: Waiting[] = [];
  private running: Promise<void> | null = null;
  private retryTimer: unknown = null;
  private retryAt: number | null = null;
  private failures = 0;
  /** Set by `close`: no run starts any more, even one asked for while the last one finishes. */
  private closing = false;
  /** The run in progress, for the status. */
  progress: SyncProgress | null = null;
  serverReachable = true;
  /**
   * The server announced a protocol version this module does not speak (`server_incompatible`): runs still ask it
   * again (a rolled-back server resumes the queue), but nothing is sent meanwhile. Kept in memory only: a new worker —
   * the app's update — asks afresh.
   */
  incompatible: ErrorInfo | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly host: RunHost,
    reason: ErrorInfo | null,
  ) {
    // A pause for credentials this worker's memory lacked is not carried over: the new worker lacks them too, and its
    // first run must ask the pages again. Carried over, every run was skipped without asking (a worker stopped after
    // pausing, before the page's answer arrived, left the queue waiting for good).
    this.reason = reason !== null && !isMissingCredentials(reason) ? reason : null;
    this.state = this.reason ? 'paused' : 'idle';
  }

  private reason: ErrorInfo | null;

  get runState(): RunState {
    return this.state;
  }

  get paused(): boolean {
    return this.state === 'paused';
  }

  get pausedReason(): ErrorInfo | null {
    return this.paused ? this.reason : null;
  }

  private move(event: RunEvent): void {
    this.state = nextRunState(this.state, event);
  }

  /**
   * Asks for a sync of `unit`. Resolves when the run ends. One run at a time; a request for a unit already waiting
   * joins that request. `discardPending` drops every run still waiting (they resolve as `skipped`).
   */
  sync(
    unit = 'all',
    trigger: SyncTrigger = 'manual',
    options: { discardPending?: boolean } = {},
  ): Promise<SyncRunSummary> {
    if (!this.ctx.config.syncUnits.has(unit)) {
      return Promise.reject(
        new OfflineKitError('not_found', `no sync unit "${unit}"`, { details: { unit } }),
      );
    }
    // A write captured while the server is known not to answer and the retry after that outage is armed: that retry
    // (at most NETWORK_RETRY_CAP_MS away) sends it. A run per write meanwhile only tried the dead server once more
    // per write (a request, a failed run, its history entry and events beside each capture).
    if (trigger === 'write' && !this.serverReachable && this.retryAt !== null && !options.discardPending) {
      // A retry armed by a run with nothing to send may be a long back-off away: a write waits no longer than the cap.
      if (this.retryAt - this.ctx.deps.now() > NETWORK_RETRY_CAP_MS) this.armRetry(NETWORK_RETRY_CAP_MS);
      return Promise.resolve(
        this.skippedSummary(unit, trigger, 'the server is unreachable; the retry sends it'),
      );
    }
    if (options.discardPending) {
      for (const w of this.waiting.splice(0)) {
        const skipped = this.skippedSummary(w.unit, w.trigger, 'discarded');
        w.resolvers.forEach((r) => r(skipped));
      }
    }
    return new Promise((resolve) => {
      const force = trigger === 'manual' || trigger === 'login';
      const existing = this.waiting.find((w) => w.unit === unit);
      if (existing) {
        existing.resolvers.push(resolve);
        existing.force ||= force;
      } else {
        this.waiting.push({ unit, trigger, force, resolvers: [resolve] });
      }
      this.pump();
    });
  }

  /** Resolves when no run is going on or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private pump(): void {
    if (this.running || this.closing) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.running = this.run(next)
      .then((summary) => next.resolvers.forEach((r) => r(summary)))
      .catch((error: unknown) => {
        console.error('[offline-kit] sync run crashed', error);
        // The machine is back where a failed run leaves it, so the next request can start.
        if (this.state === 'running') this.move('transient-failure');
        const summary = this.skippedSummary(next.unit, next.trigger, 'internal error');
        next.resolvers.forEach((r) => r({ ...summary, outcome: 'failed' }));
      })
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }

  private skippedSummary(unit: string, trigger: SyncTrigger, why: string): SyncRunSummary {
    return {
      runId: this.ctx.deps.uuid(),
      unit,
      trigger,
      startedAt: this.ctx.deps.now(),
      durationMs: 0,
      outcome: 'skipped',
      pushed: 0,
      pulled: 0,
      conflicts: 0,
      failed: 0,
      error: { code: 'invalid_state', message: why },
    };
  }

  private async run(req: Waiting): Promise<SyncRunSummary> {
    const { ctx, host } = this;
    const collections = ctx.config.syncUnits.get(req.unit) ?? [];
    if (this.state === 'closed') return this.skippedSummary(req.unit, req.trigger, 'closed');
    if (this.paused && !req.force)
      return this.skippedSummary(req.unit, req.trigger, 'paused: credentials needed');
    if (host.simulatedOffline) return this.skippedSummary(req.unit, req.trigger, 'offline (simulated)');
    if (host.locked) {
      // Nothing can be read or stored without the app's key: the queue waits, sealed, and pages are asked for it.
      ctx.deps.emit({ type: 'credentials-needed', reason: toErrorInfo(lockedError()) });
      return { ...this.skippedSummary(req.unit, req.trigger, 'locked'), error: toErrorInfo(lockedError()) };
    }
    // Offline the browser wakes us (Background Sync, the page's `online`): no point spinning a retry loop meanwhile.
    if (!ctx.deps.browserOnline()) return this.skippedSummary(req.unit, req.trigger, 'offline');
    if (this.paused) await this.ctx.meta.setPaused(null);
    this.move(req.force ? 'forced-run' : 'run');
    this.clearRetry();
    const runId = ctx.deps.uuid();
    const startedAt = ctx.deps.now();
    ctx.deps.emit({ type: 'sync-started', runId, unit: req.unit, trigger: req.trigger });
    const onProgress: Progress = (p) => {
      this.progress = { runId, unit: req.unit, ...p };
      ctx.deps.emit({ type: 'sync-progress', progress: this.progress });
    };
    onProgress({ phase: 'push', done: 0, total: null });
    // Writes left `sending` by a worker that died mid-replay go again, with the same key.
    for (const w of await ctx.queue.inState('sending'))
      await ctx.queue.put({ ...w, state: nextQueuedState(w.state, 'worker-restart'), rev: w.rev + 1 });

    const missing = await this.missingCredentials();
    const push: PushResult = missing
      ? { pushed: 0, conflicts: 0, failed: 0, stop: { kind: 'auth', error: missing }, deferredUntil: null }
      : await host.push(new Set(collections), onProgress, req.trigger);
    let pulled = 0;
    let pullFailed = 0;
    let stop: Stop | null = push.stop;
    let error: ErrorInfo | null = stop?.error ?? null;
    if (!stop) {
      const pull = await host.pull(collections, runId, onProgress);
      pulled = pull.pulled;
      pullFailed = pull.failed;
      stop = pull.stop;
      error = stop?.error ?? pull.error;
    }
    this.progress = null;
    const outcome: SyncOutcome = stop
      ? 'failed'
      : push.failed + pullFailed > 0 || push.conflicts > 0
        ? 'partial'
        : 'completed';
    const summary: SyncRunSummary = {
      runId,
      unit: req.unit,
      trigger: req.trigger,
      startedAt,
      durationMs: ctx.deps.now() - startedAt,
      outcome,
      pushed: push.pushed,
      pulled,
      conflicts: push.conflicts,
      failed: push.failed + pullFailed,
      error,
    };
    if (stop?.kind !== 'incompatible' && !(stop?.kind === 'transient' && stop.network) && this.incompatible) {
      this.incompatible = null;
      host.statusSoon();
    }
    if (stop?.kind === 'auth') {
      this.move('auth-failure');
      await this.pause(stop.error);
    } else if (stop?.kind === 'incompatible') {
      // Asked again with back-off, like a server that is down: the answer changes when the server is rolled back.
      this.move('transient-failure');
      this.failures += 1;
      if (!this.incompatible) ctx.deps.emit({ type: 'error', error: stop.error });
      this.incompatible = stop.error;
      this.armRetry(backoffDelay(this.failures, ctx.config.retry, ctx.deps.random));
    } else if (stop) {
      this.move('transient-failure');
      this.serverReachable = !stop.network;
      this.failures += 1;
      await this.scheduleRetry(stop);
    } else {
      this.move('succeeded');
      this.serverReachable = true;
      this.failures = 0;
      // Writes held back by their back-off: the engine wakes itself when the first is due.
      if (push.deferredUntil !== null) this.armRetry(Math.max(0, push.deferredUntil - ctx.deps.now()));
    }
    const unitMeta = await ctx.meta.unit(req.unit);
    await ctx.meta.setUnit(req.unit, {
      lastSyncAt: outcome === 'failed' ? unitMeta.lastSyncAt : ctx.deps.now(),
      lastOutcome: outcome,
    });
    await ctx.history.add({ kind: 'run', at: ctx.deps.now(), ...summary });
    ctx.deps.emit({ type: outcome === 'failed' ? 'sync-failed' : 'sync-completed', summary });
    host.statusSoon();
    return summary;
  }

  /**
   * Why nothing may be sent yet: a signed-in user (or a configured credentials hook) but no credentials in hand — a
   * restarted worker forgets what the page handed over. Sending anyway would earn a 401 that reads like a refused
   * token; instead the run pauses with `details.missing` and waits for `setCredentials`. An anonymous partition
   * without a hook relies on the origin's cookies and is sent as is.
   */
  private async missingCredentials(): Promise<ErrorInfo | null> {
    if (this.host.user === null && this.ctx.config.credentials === null) return null;
    if ((await this.ctx.deps.credentials()) !== null) return null;
    return MISSING_CREDENTIALS;
  }

  private async scheduleRetry(stop: Extract<Stop, { kind: 'transient' }>): Promise<void> {
    let delay = stop.retryAfterMs ?? backoffDelay(this.failures, this.ctx.config.retry, this.ctx.deps.random);
    const pending = await this.ctx.queue.count('pending');
    if (stop.network && pending > 0 && stop.retryAfterMs === null)
      delay = Math.min(delay, NETWORK_RETRY_CAP_MS);
    this.armRetry(delay);
  }

  private armRetry(delay: number, trigger: SyncTrigger = 'retry'): void {
    this.clearRetry();
    this.retryAt = this.ctx.deps.now() + delay;
    this.retryTimer = this.ctx.deps.setTimer(() => {
      this.retryTimer = null;
      this.retryAt = null;
      void this.sync('all', trigger);
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.ctx.deps.clearTimer(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
  }

  /**
   * A page's heartbeat or nudge: timers die with an idle service worker, so pages remind it. Starts the retry run if
   * it is due (or was lost with a restarted worker) and writes wait.
   */
  async nudge(trigger: SyncTrigger, online: boolean): Promise<void> {
    if (this.paused || this.host.locked) return;
    // A page says the network is back (or it is shown again): that is news the worker acts on, not a reminder it may
    // skip. A run going on may have started in the outage and fail; the request waits behind it (joining one already
    // waiting). A worker that does not see the network yet — pages and the worker learn it at slightly different
    // moments — looks again in a second, once; later nudges and the heartbeat cover the rest.
    const news = trigger === 'online' || trigger === 'resume';
    if (!online) {
      const now = this.ctx.deps.now();
      if (news && (this.retryAt === null || this.retryAt > now + NEWS_RECHECK_MS))
        this.armRetry(NEWS_RECHECK_MS, trigger);
      return;
    }
    if (this.running) {
      if (news) void this.sync('all', trigger);
      return;
    }
    if (trigger === 'retry') {
      if (this.retryAt !== null && this.retryAt > this.ctx.deps.now()) return;
      const pending = await this.ctx.queue.countUnsent();
      if (pending === 0) return;
    }
    await this.sync('all', trigger);
  }

  private async pause(reason: ErrorInfo): Promise<void> {
    this.reason = reason;
    await this.ctx.meta.setPaused(reason);
    this.ctx.deps.emit({ type: 'credentials-needed', reason });
    this.host.statusSoon();
  }

  /** Credentials were handed over: a paused partition may sync again. */
  async resume(): Promise<void> {
    if (!this.paused) return;
    this.move('resume');
    this.reason = null;
    await this.ctx.meta.setPaused(null);
    this.host.statusSoon();
  }

  /** After the partition was wiped: nothing waits for credentials any more. */
  forgetPause(): void {
    if (this.paused) this.move('resume');
    this.reason = null;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.state !== 'closed' && this.state !== 'running') this.move('close');
    this.waiting
      .splice(0)
      .forEach((w) => w.resolvers.forEach((r) => r(this.skippedSummary(w.unit, w.trigger, 'closed'))));
    await this.idle();
    if (this.state !== 'closed') this.move('close');
    this.clearRetry();
  }
}
