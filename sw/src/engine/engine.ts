/**
 * The sync engine of one user's partition, as a small state machine:
 *
 *        sync(unit, trigger) ──▶ waiting (one entry per unit; duplicates join it)
 *                                   │ nothing running
 *                                   ▼
 *   idle ◀── completed/failed ── running: push ─▶ pull   (one run at a time)
 *     │                               │ transient failure
 *     └──── retry timer (back-off) ◀──┘
 *
 * A run never starts another run itself: the only re-entry is the retry timer after a transient failure, with
 * back-off. Writes queued during a run ask for a `write` run, which waits its turn. Every side effect (fetch, clock,
 * timers, randomness, events) comes from `EngineDeps`, so this runs in node under fake timers and fake-indexeddb.
 */
import type {
  CollectionInfo,
  ConflictView,
  ErrorInfo,
  HistoryEntry,
  HistoryExport,
  LocalRecordView,
  Page,
  QueuedWriteView,
  RecordSyncMeta,
  QueueQuery,
  RecordQuery,
  Resolution,
  SyncOutcome,
  SyncProgress,
  SyncRunSummary,
  SyncStatus,
  SyncTrigger,
  UnitStatus,
} from '../protocol/api.js';
import type { JsonRecord } from '../protocol/config.js';
import { OfflineKitError, toErrorInfo } from '../protocol/errors.js';
import { isObject } from '../protocol/wire-guards.js';
import type { ResolvedConfig } from './config.js';
import { backoffDelay } from './backoff.js';
import { decodeText, encodeJson, isTextType } from './bodies.js';
import { AppKeyCodec, aesCodec, lockedError, plainCodec, type Codec } from './codec.js';
import { ConflictResolver } from './conflicts.js';
import type { EngineContext, EngineDeps } from './context.js';
import type { Db, StoredWrite } from './db.js';
import { HistoryStore } from './history-store.js';
import { MetaStore } from './meta-store.js';
import { RecordLocks } from './record-locks.js';
import { Outbox, type Enqueued, type WriteInput } from './outbox.js';
import { QueueStore } from './queue-store.js';
import { RecordStore } from './record-store.js';
import { SYNC_FIELD } from './records.js';
import { Replicator, type PushResult, type Stop } from './replicator.js';
import type { ServerRecord } from '../protocol/wire.js';
import { isTempId } from './temp-ids.js';

/** While writes wait and the server is unreachable, retry at least this often, so they land within seconds of its return. */
export const NETWORK_RETRY_CAP_MS = 3000;

interface Waiting {
  unit: string;
  trigger: SyncTrigger;
  force: boolean;
  resolvers: ((s: SyncRunSummary) => void)[];
}

export class Engine {
  readonly ctx: EngineContext;
  readonly outbox: Outbox;
  readonly conflicts: ConflictResolver;
  readonly replicator: Replicator;
  private waiting: Waiting[] = [];
  private running: Promise<void> | null = null;
  private progress: SyncProgress | null = null;
  private retryTimer: unknown = null;
  private retryAt: number | null = null;
  private failures = 0;
  private serverReachable = true;
  private pausedReason: ErrorInfo | null = null;
  private closed = false;
  /** Calls of `clearLocalData` in progress: captures are refused meanwhile. */
  private clearing = 0;
  simulatedOffline = false;

  private constructor(
    config: ResolvedConfig,
    deps: EngineDeps,
    readonly db: Db,
    codec: Codec,
    readonly user: string | null,
  ) {
    const queue = new QueueStore(db, codec);
    this.ctx = {
      config,
      deps,
      codec,
      queue,
      records: new RecordStore(db, codec),
      meta: new MetaStore(db),
      history: new HistoryStore(db, config.historyLimit, codec),
      locks: new RecordLocks(),
    };
    this.outbox = new Outbox(this.ctx);
    this.conflicts = new ConflictResolver(this.ctx, this.outbox);
    this.replicator = new Replicator(this.ctx, this.outbox, this.conflicts);
  }

  static async open(config: ResolvedConfig, deps: EngineDeps, db: Db, user: string | null): Promise<Engine> {
    // The app's key never touches the disk: the partition opens locked and waits for `unlock`.
    const codec = !config.encryptAtRest
      ? plainCodec
      : config.encryptionKey === 'app'
        ? new AppKeyCodec(db)
        : await aesCodec(db);
    const engine = new Engine(config, deps, db, codec, user);
    await engine.sealLegacy();
    engine.pausedReason = await engine.ctx.meta.paused();
    engine.simulatedOffline = await engine.ctx.meta.flag('simulatedOffline');
    return engine;
  }

  get paused(): boolean {
    return this.pausedReason !== null;
  }

  /** Encrypted with the app's key, which has not been handed over (or was taken back at sign-out). */
  get locked(): boolean {
    return this.ctx.codec instanceof AppKeyCodec && this.ctx.codec.locked;
  }

  /**
   * The app's key (`encryptAtRest: { key: 'app' }`), kept in memory only. A key that does not open this partition
   * rejects with `locked` (`details.wrongKey`) and leaves it locked, its data untouched. Queued writes then replay.
   */
  async unlock(key: CryptoKey): Promise<void> {
    if (!(this.ctx.codec instanceof AppKeyCodec)) return;
    const was = this.ctx.codec.locked;
    await this.ctx.codec.unlock(key);
    if (was) {
      await this.sealLegacy();
      this.statusSoon();
      if (this.online && (await this.ctx.queue.countUnsent()) > 0) void this.sync('all', 'login');
    }
  }

  /**
   * Once per partition (again after `clearLocalData`): seals what rows written in the clear still hold — queue rows and
   * history entries of a version before schema 3, and everything of a partition that was plain before `encryptAtRest`
   * was turned on (bodies, records). A failure is logged and retried at the next start.
   */
  private async sealLegacy(): Promise<void> {
    if (!this.ctx.codec.encrypted || this.locked) return;
    try {
      if (await this.ctx.meta.flag('sealed-v3')) return;
      await this.ctx.queue.sealPlainRows();
      await this.ctx.history.sealPlainEntries();
      await this.ctx.records.sealPlainRows();
      await this.ctx.meta.setFlag('sealed-v3', true);
    } catch (error) {
      console.warn(
        '[offline-kit] could not seal rows stored in the clear; trying again at the next start',
        error,
      );
    }
  }

  lock(): void {
    if (this.ctx.codec instanceof AppKeyCodec) this.ctx.codec.lock();
  }

  get online(): boolean {
    return this.ctx.deps.browserOnline() && !this.simulatedOffline;
  }

  // ---------- writes ----------

  reserveSeq(): Promise<number> {
    return this.outbox.reserveSeq();
  }

  /** Whether a write must go through the queue rather than straight to the server, so per-record order holds. */
  async mustQueue(collection: string, recordId: string | null, refs: string[]): Promise<boolean> {
    if (!this.online || this.paused) return true;
    if (recordId && (await this.ctx.queue.hasForRecord(collection, recordId))) return true;
    for (const ref of refs) if (isTempId(ref)) return true;
    for (const ref of refs) {
      for (const c of this.ctx.config.collections.values()) {
        if (await this.ctx.queue.hasForRecord(c.name, ref)) return true;
      }
    }
    return false;
  }

  /**
   * Answers as soon as the write, its record and its history entry are committed; the events (built from what the
   * outbox had in hand) and the history trim run after the answer is out.
   */
  async enqueue(input: WriteInput): Promise<Enqueued> {
    // While the partition is being wiped a write would be accepted (202) and then cleared with it: refused instead,
    // so the page learns at once that the change was not kept.
    if (this.clearing)
      throw new OfflineKitError('invalid_state', 'local data is being cleared: the change was not kept', {
        details: { clearing: true },
      });
    if (this.locked) throw lockedError();
    const result = await this.outbox.enqueue(input);
    const { write } = result;
    // Pages learn of the write from its 202; the broadcasts and the history trim wait until that answer is out.
    this.ctx.deps.setTimer(() => {
      this.ctx.deps.emit({ type: 'write-queued', write: this.outbox.viewOf(write, result.json) });
      this.ctx.deps.emit({ type: 'data-changed', collection: write.collection, ids: [write.recordId] });
      this.statusSoon();
      if (this.closed) return;
      this.ctx.history.appendedElsewhere(1).catch((error: unknown) => {
        console.warn('[offline-kit] could not trim the sync history', error);
      });
    }, 0);
    return result;
  }

  /** An online write the server acknowledged directly: keep its record locally. */
  async storeAcknowledged(collection: string, record: ServerRecord): Promise<void> {
    await this.replicator.applyPage(collection, [record], [], new Set(), null);
  }

  async storeDeleted(collection: string, id: string): Promise<void> {
    await this.replicator.applyPage(collection, [], [id], new Set(), null);
  }

  /** Records a network read answered with (no sweep: a filtered or partial list says nothing about other records). */
  async storeRead(collection: string, records: ServerRecord[], deletedIds: string[]): Promise<void> {
    const keep = await this.ctx.queue.recordIdsWithWrites(collection);
    await this.replicator.applyPage(collection, records, deletedIds, keep, null);
  }

  // ---------- sync scheduling ----------

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

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.running = this.run(next)
      .then((summary) => next.resolvers.forEach((r) => r(summary)))
      .catch((error: unknown) => {
        console.error('[offline-kit] sync run crashed', error);
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
    const { ctx } = this;
    const collections = ctx.config.syncUnits.get(req.unit) ?? [];
    if (this.paused && !req.force)
      return this.skippedSummary(req.unit, req.trigger, 'paused: credentials needed');
    if (this.simulatedOffline) return this.skippedSummary(req.unit, req.trigger, 'offline (simulated)');
    if (this.locked) {
      // Nothing can be read or stored without the app's key: the queue waits, sealed, and pages are asked for it.
      ctx.deps.emit({ type: 'credentials-needed', reason: toErrorInfo(lockedError()) });
      return { ...this.skippedSummary(req.unit, req.trigger, 'locked'), error: toErrorInfo(lockedError()) };
    }
    // Offline the browser wakes us (Background Sync, the page's `online`): no point spinning a retry loop meanwhile.
    if (!ctx.deps.browserOnline()) return this.skippedSummary(req.unit, req.trigger, 'offline');
    if (req.force && this.paused) await this.setPaused(null);
    this.clearRetry();
    const runId = ctx.deps.uuid();
    const startedAt = ctx.deps.now();
    ctx.deps.emit({ type: 'sync-started', runId, unit: req.unit, trigger: req.trigger });
    const onProgress = (p: Omit<SyncProgress, 'runId' | 'unit'>): void => {
      this.progress = { runId, unit: req.unit, ...p };
      ctx.deps.emit({ type: 'sync-progress', progress: this.progress });
    };
    onProgress({ phase: 'push', done: 0, total: null });
    // Writes left `sending` by a worker that died mid-replay go again, with the same key.
    for (const w of await ctx.queue.inState('sending'))
      await ctx.queue.put({ ...w, state: 'pending', rev: w.rev + 1 });

    const missing = await this.missingCredentials();
    const push: PushResult = missing
      ? { pushed: 0, conflicts: 0, failed: 0, stop: { kind: 'auth', error: missing } }
      : await this.replicator.push(new Set(collections), onProgress);
    let pulled = 0;
    let pullFailed = 0;
    let stop: Stop | null = push.stop;
    let error: ErrorInfo | null = stop?.error ?? null;
    if (!stop) {
      const pull = await this.replicator.pull(collections, runId, onProgress);
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
    if (stop?.kind === 'auth') {
      await this.setPaused(stop.error);
    } else if (stop) {
      this.serverReachable = !stop.network;
      this.failures += 1;
      await this.scheduleRetry(stop);
    } else {
      this.serverReachable = true;
      this.failures = 0;
    }
    const unitMeta = await ctx.meta.unit(req.unit);
    await ctx.meta.setUnit(req.unit, {
      lastSyncAt: outcome === 'failed' ? unitMeta.lastSyncAt : ctx.deps.now(),
      lastOutcome: outcome,
    });
    await ctx.history.add({ kind: 'run', at: ctx.deps.now(), ...summary });
    ctx.deps.emit({ type: outcome === 'failed' ? 'sync-failed' : 'sync-completed', summary });
    this.statusSoon();
    return summary;
  }

  /**
   * Why nothing may be sent yet: a signed-in user (or a configured credentials hook) but no credentials in hand — a
   * restarted worker forgets what the page handed over. Sending anyway would earn a 401 that reads like a refused
   * token; instead the run pauses with `details.missing` and waits for `setCredentials`. An anonymous partition
   * without a hook relies on the origin's cookies and is sent as is.
   */
  private async missingCredentials(): Promise<ErrorInfo | null> {
    if (this.user === null && this.ctx.config.credentials === null) return null;
    if ((await this.ctx.deps.credentials()) !== null) return null;
    return {
      code: 'unauthorized',
      message: 'the service worker has no credentials',
      details: { missing: true },
    };
  }

  private async scheduleRetry(stop: Extract<Stop, { kind: 'transient' }>): Promise<void> {
    let delay = stop.retryAfterMs ?? backoffDelay(this.failures, this.ctx.config.retry, this.ctx.deps.random);
    const pending = await this.ctx.queue.count('pending');
    if (stop.network && pending > 0 && stop.retryAfterMs === null)
      delay = Math.min(delay, NETWORK_RETRY_CAP_MS);
    this.armRetry(delay);
  }

  private armRetry(delay: number): void {
    this.clearRetry();
    this.retryAt = this.ctx.deps.now() + delay;
    this.retryTimer = this.ctx.deps.setTimer(() => {
      this.retryTimer = null;
      this.retryAt = null;
      void this.sync('all', 'retry');
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
  async nudge(trigger: SyncTrigger): Promise<void> {
    if (this.running || this.paused || this.locked || !this.online) return;
    if (trigger === 'retry') {
      if (this.retryAt !== null && this.retryAt > this.ctx.deps.now()) return;
      const pending = await this.ctx.queue.countUnsent();
      if (pending === 0) return;
    }
    await this.sync('all', trigger);
  }

  async setPaused(reason: ErrorInfo | null): Promise<void> {
    this.pausedReason = reason;
    await this.ctx.meta.setPaused(reason);
    if (reason) this.ctx.deps.emit({ type: 'credentials-needed', reason });
    this.statusSoon();
  }

  async setSimulatedOffline(offline: boolean): Promise<void> {
    this.simulatedOffline = offline;
    await this.ctx.meta.setFlag('simulatedOffline', offline);
    this.statusSoon();
  }

  private statusTimer: unknown = null;

  /** Publishes the status once after a burst of changes (enqueueing 1,000 writes must not count the store 1,000 times). */
  statusSoon(): void {
    if (this.statusTimer !== null || this.closed) return;
    this.statusTimer = this.ctx.deps.setTimer(() => {
      this.statusTimer = null;
      this.status()
        .then((status) => this.ctx.deps.emit({ type: 'status', status }))
        .catch(() => undefined);
    }, 50);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting
      .splice(0)
      .forEach((w) => w.resolvers.forEach((r) => r(this.skippedSummary(w.unit, w.trigger, 'closed'))));
    await this.idle();
    this.clearRetry();
    if (this.statusTimer !== null) this.ctx.deps.clearTimer(this.statusTimer);
    this.db.close();
  }

  // ---------- views ----------

  async status(): Promise<SyncStatus> {
    const { ctx } = this;
    const units: UnitStatus[] = [];
    let lastSyncAt: number | null = null;
    for (const [name, collections] of ctx.config.syncUnits) {
      const meta = await ctx.meta.unit(name);
      units.push({ name, collections, lastSyncAt: meta.lastSyncAt, lastOutcome: meta.lastOutcome });
      if (meta.lastSyncAt !== null && (lastSyncAt === null || meta.lastSyncAt > lastSyncAt))
        lastSyncAt = meta.lastSyncAt;
    }
    const protocol = this.replicator.protocol;
    return {
      online: this.online,
      simulatedOffline: this.simulatedOffline,
      serverReachable: this.serverReachable,
      paused: this.paused,
      pausedReason: this.pausedReason,
      pending: await ctx.queue.countUnsent(),
      failed: await ctx.queue.count('failed'),
      conflicts: await ctx.queue.count('conflict'),
      syncing: this.progress,
      units,
      lastSyncAt,
      user: this.user,
      devtools: ctx.deps.devtools ?? false,
      storage: null,
      protocol: protocol ? { version: protocol.version, batch: protocol.batch !== null } : null,
    };
  }

  async listQueue(query: QueueQuery = {}): Promise<Page<QueuedWriteView>> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    // Without bodies a view is built from the row alone: no decryption, no JSON parse (the panel's long list).
    const view = (w: StoredWrite): Promise<QueuedWriteView> =>
      query.bodies === false ? Promise.resolve(this.outbox.viewOf(w, null)) : this.outbox.view(w);
    if (!query.collection && !query.state) {
      // The unfiltered list (the panel's first render): count by the store, read only the page asked for.
      const [total, page] = await Promise.all([this.ctx.queue.count(), this.ctx.queue.slice(offset, limit)]);
      const views = await Promise.all(page.map(view));
      return { items: views, total };
    }
    const items: QueuedWriteView[] = [];
    let total = 0;
    let after = 0;
    for (;;) {
      const page = await this.ctx.queue.page(after, 500);
      if (page.length === 0) break;
      for (const w of page) {
        after = w.seq;
        if (query.collection && w.collection !== query.collection) continue;
        if (query.state && w.state !== query.state) continue;
        if (total >= offset && items.length < limit) items.push(await view(w));
        total += 1;
      }
    }
    return { items, total };
  }

  async getWrite(id: string): Promise<{ write: QueuedWriteView; body: string | ArrayBuffer | null } | null> {
    const w = await this.ctx.queue.get(id);
    if (!w) return null;
    const bytes = await this.ctx.codec.openBytes(w.body);
    return {
      write: await this.outbox.view(w),
      body: bytes && isTextType(w.contentType) ? decodeText(bytes) : bytes,
    };
  }

  private async mustGet(id: string): Promise<StoredWrite> {
    const w = await this.ctx.queue.get(id);
    if (!w) throw new OfflineKitError('not_found', `no queued write ${id}`);
    return w;
  }

  /**
   * Runs `fn` holding the lock of the record write `id` belongs to (`record-locks.ts`), so a write captured meanwhile
   * sees its result. `fn` reads the write again: it may have changed while the lock was awaited.
   */
  private async underWriteLock(id: string, fn: () => Promise<void>): Promise<void> {
    const w = await this.mustGet(id);
    await this.ctx.locks.run([w.recordId], fn);
  }

  async retryWrite(id: string): Promise<void> {
    await this.underWriteLock(id, () => this.retryLocked(id));
  }

  private async retryLocked(id: string): Promise<void> {
    const w = await this.mustGet(id);
    if (w.state === 'conflict') throw new OfflineKitError('invalid_state', 'resolve the conflict instead');
    if (w.state === 'failed') {
      // The server stored its 4xx answer under the old key: a deliberate retry needs a new one. A write that failed
      // after too many transient attempts may have been committed, so it keeps its key.
      const definitive = w.lastStatus !== null && w.lastStatus >= 400 && w.lastStatus < 500;
      if (definitive) await this.outbox.replace(w, {});
      else
        await this.ctx.queue.put({
          ...w,
          state: 'pending',
          attempts: 0,
          nextAttemptAt: null,
          rev: w.rev + 1,
        });
    }
    await this.logWrite(w, 'retried');
    void this.sync('all', 'manual');
  }

  async editWrite(id: string, body: unknown): Promise<void> {
    await this.underWriteLock(id, () => this.editLocked(id, body));
  }

  private async editLocked(id: string, body: unknown): Promise<void> {
    const w = await this.mustGet(id);
    if (w.state === 'sending')
      throw new OfflineKitError('invalid_state', 'the write is being sent; try again');
    if (w.method === 'DELETE') throw new OfflineKitError('invalid_state', 'a delete has no body to edit');
    if (!isObject(body)) throw new OfflineKitError('invalid_message', 'the new body must be a JSON object');
    const bytes = encodeJson(body);
    const sealed = await this.ctx.codec.sealBytes(bytes);
    const patch = { body: sealed, bodySize: bytes.byteLength, contentType: 'application/json' };
    // A write the server may have seen keeps nothing of its old key: a changed body under it would be refused (422).
    if (w.attempts > 0 || w.state !== 'pending') await this.outbox.replace(w, patch);
    else {
      await this.ctx.queue.put({ ...w, ...patch, rev: w.rev + 1 });
      await this.outbox.rebuild(w.collection, w.recordId);
    }
    await this.logWrite(w, 'edited');
    this.ctx.deps.emit({ type: 'data-changed', collection: w.collection, ids: [w.recordId] });
    this.statusSoon();
  }

  async discardWrite(id: string): Promise<void> {
    await this.underWriteLock(id, () => this.discardLocked(id));
  }

  private async discardLocked(id: string): Promise<void> {
    const w = await this.mustGet(id);
    if (w.state === 'sending')
      throw new OfflineKitError('invalid_state', 'the write is being sent; try again');
    await this.ctx.queue.delete(id);
    await this.outbox.rebuild(w.collection, w.recordId);
    await this.logWrite(w, 'discarded');
    this.ctx.deps.emit({ type: 'write-discarded', writeId: id });
    this.ctx.deps.emit({ type: 'data-changed', collection: w.collection, ids: [w.recordId] });
    this.statusSoon();
  }

  private async logWrite(w: StoredWrite, event: 'retried' | 'edited' | 'discarded'): Promise<void> {
    await this.ctx.history.add({
      kind: 'write',
      at: this.ctx.deps.now(),
      event,
      writeId: w.id,
      collection: w.collection,
      recordId: w.recordId,
      method: w.method,
      status: null,
      error: null,
    });
  }

  async listConflicts(): Promise<ConflictView[]> {
    const out: ConflictView[] = [];
    for (const w of await this.ctx.queue.inState('conflict')) {
      const v = await this.outbox.conflictView(w);
      if (v) out.push(v);
    }
    return out;
  }

  async resolveConflict(writeId: string, resolution: Resolution): Promise<void> {
    await this.conflicts.resolve(writeId, resolution);
    this.statusSoon();
    void this.sync('all', 'manual');
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const out: CollectionInfo[] = [];
    for (const c of this.ctx.config.collections.values()) {
      out.push({
        name: c.name,
        policy: c.policy,
        count: await this.ctx.records.count(c.name),
        pending: await this.ctx.queue.countForCollection(c.name),
        lastSyncAt: await this.ctx.meta.collectionSyncedAt(c.name),
        cursor: await this.ctx.meta.cursor(c.name),
      });
    }
    return out;
  }

  async listRecords(query: RecordQuery): Promise<Page<LocalRecordView>> {
    if (!this.ctx.config.collections.has(query.collection)) {
      throw new OfflineKitError('not_found', `no collection "${query.collection}"`);
    }
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const needle = query.search?.toLowerCase() ?? '';
    const meta = await this.syncMetaOf(query.collection);
    const items: LocalRecordView[] = [];
    let total = 0;
    let after: string | null = null;
    for (;;) {
      const rows = await this.ctx.records.page(query.collection, after, 500);
      if (rows.length === 0) break;
      for (const raw of rows) {
        after = raw.id;
        const open = await this.ctx.records.open(raw);
        if (
          needle &&
          !JSON.stringify(open.data ?? open.server ?? { id: raw.id })
            .toLowerCase()
            .includes(needle)
        )
          continue;
        if (total >= offset && items.length < limit) {
          const m = meta.get(raw.id);
          items.push({
            collection: query.collection,
            id: raw.id,
            data: open.data,
            version: raw.version,
            fromServer: raw.fromServer,
            pending: m !== undefined,
            deleted: raw.deleted,
            conflict: m?.state === 'conflict',
            syncedAt: raw.syncedAt,
          });
        }
        total += 1;
      }
    }
    return { items, total };
  }

  /** Per record with queued writes: the state its `_sync` metadata shows (conflict > failed > pending). */
  async syncMetaOf(
    collection: string,
  ): Promise<Map<string, { state: RecordSyncMeta['state']; writeId: string }>> {
    const out = new Map<string, { state: RecordSyncMeta['state']; writeId: string }>();
    if ((await this.ctx.queue.countForCollection(collection)) === 0) return out;
    for (const id of await this.ctx.queue.recordIdsWithWrites(collection)) {
      const writes = await this.ctx.queue.forRecord(collection, id);
      const last = writes[writes.length - 1];
      if (!last) continue;
      const state = writes.some((w) => w.state === 'conflict')
        ? 'conflict'
        : writes.some((w) => w.state === 'failed')
          ? 'failed'
          : 'pending';
      out.set(id, { state, writeId: last.id });
    }
    return out;
  }

  /** A record as pages get it from the local copy: data plus `_sync`. */
  withMeta(
    data: JsonRecord,
    row: { version: number | null; syncedAt: number | null; fromServer: boolean },
    m: { state: RecordSyncMeta['state']; writeId: string } | undefined,
  ): JsonRecord {
    const meta: RecordSyncMeta = {
      state: m?.state ?? (row.fromServer ? 'synced' : 'local'),
      pending: m !== undefined,
      version: row.version,
      syncedAt: row.syncedAt,
    };
    if (m) meta.writeId = m.writeId;
    return { ...data, [SYNC_FIELD]: meta };
  }

  async getHistory(options: { limit?: number; beforeId?: number } = {}): Promise<HistoryEntry[]> {
    return this.ctx.history.list(options.limit, options.beforeId);
  }

  async exportHistory(): Promise<HistoryExport> {
    return this.ctx.history.export(this.ctx.deps.origin, this.ctx.deps.now());
  }

  /**
   * Wipes this partition. `refuse` (default) rejects while writes are unsynced; `discard` drops them.
   *
   * Contract: from the call on, new captures are refused (`invalid_state`); the running sync is awaited; then the
   * unsynced writes are counted in the same transaction that clears, so no write accepted meanwhile can be counted
   * before and cleared after.
   */
  async clearLocalData(unsynced: 'refuse' | 'discard' = 'refuse'): Promise<void> {
    this.clearing += 1;
    try {
      await this.idle();
      const stores = ['queue', 'records', 'meta', 'history'] as const;
      const tx = this.db.transaction(stores, 'readwrite');
      const left = await tx.objectStore('queue').count();
      if (left > 0 && unsynced !== 'discard') {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw new OfflineKitError(
          'invalid_state',
          `${left} writes are not synced yet; pass { unsynced: 'discard' } to drop them`,
          { details: { unsynced: left } },
        );
      }
      await Promise.all([...stores.map((name) => tx.objectStore(name).clear()), tx.done]);
      // Nothing sealed with the old key is left: a user who lost their secret can start over with a new one.
      if (this.ctx.codec instanceof AppKeyCodec) await this.ctx.codec.rebind();
    } finally {
      this.clearing -= 1;
    }
    this.pausedReason = null;
    this.simulatedOffline = false;
    this.statusSoon();
  }

  /** What was read while nobody was signed in is dropped once someone signs in; unsynced writes keep everything. */
  async dropCachedReads(): Promise<void> {
    try {
      await this.clearLocalData('refuse');
    } catch (error) {
      if (!(error instanceof OfflineKitError && error.code === 'invalid_state')) throw error;
    }
  }
}
