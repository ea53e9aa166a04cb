/**
 * The core of one user's partition, as the worker sees it: the only file `worker/` imports from `core/` (besides
 * pure helpers). It builds the parts and hands each call to the one that owns it:
 *
 *   worker ──▶ Engine ──┬─ outbox/ (capture, acknowledge, commands, conflicts)   what the queue holds
 *                       ├─ sync/   (scheduler ─▶ replicator: push, pull)           when and how it reaches the server
 *                       ├─ local-reads.ts                                         what reads are answered with
 *                       ├─ queries.ts                                             what the page and the panel see
 *                       └─ storage/ (one class per IndexedDB store, write stamps)
 *
 * Every side effect (fetch, clock, timers, randomness, events) comes from `EngineDeps`, so this runs in node under
 * fake timers and fake-indexeddb. `ctx` is public for tests only: an ESLint rule keeps `worker/` from reaching it.
 */
import type { Version } from '../protocol/api.js';
import { Adapters } from './adapter/adapters.js';
import type { WireAdapter } from './adapter/adapter.js';
import type {
  CollectionInfo,
  ConflictView,
  ErrorInfo,
  HistoryEntry,
  HistoryExport,
  LocalDropRefusal,
  LocalRecordView,
  Page,
  QueuedWriteView,
  QueueQuery,
  RecordQuery,
  Resolution,
  SyncRunSummary,
  SyncStatus,
  SyncTrigger,
} from '../protocol/api.js';
import { OfflineKitError } from '../protocol/errors.js';
import type { ResolvedConfig } from './config.js';
import type { EngineContext, EngineDeps } from './deps.js';
import { LocalReads } from './local-reads.js';
import { isTempId } from './model/temp-ids.js';
import { Commands } from './outbox/commands.js';
import { ConflictResolver } from './outbox/conflicts.js';
import { Migrations } from './outbox/migrate.js';
import { Outbox, type Enqueued, type WriteInput } from './outbox/outbox.js';
import { Queries } from './queries.js';
import { AppKeyCodec, aesCodec, lockedError, plainCodec, type Codec } from './storage/codec.js';
import { closePartition, type Db } from './storage/db.js';
import { HistoryStore } from './storage/history-store.js';
import { RecordLocks } from './storage/locks.js';
import { MetaStore, startupMetaKeys } from './storage/meta-store.js';
import { QueueStore } from './storage/queue-store.js';
import { RecordStore } from './storage/record-store.js';
import { sealLegacy } from './storage/seal-legacy.js';
import { dropLocal, partitionStamp, wipePartition, type DropLocalOutcome } from './storage/wipe.js';
import { writeEntry } from './storage/history-store.js';
import { Replicator } from './sync/replicator.js';
import { Scheduler } from './sync/scheduler.js';
import type { CoreRecord } from './model/records.js';

export { NETWORK_RETRY_CAP_MS } from './sync/scheduler.js';

export class Engine {
  /** The partition's stores and the outside world. For tests only (see the file comment). */
  readonly ctx: EngineContext;
  readonly reads: LocalReads;
  private readonly outbox: Outbox;
  private readonly replicator: Replicator;
  private readonly scheduler: Scheduler;
  private readonly queries: Queries;
  private readonly commands: Commands;
  private readonly migrations: Migrations;
  /** The start-up migrations (`outbox/migrate.ts`): done once per worker, before its first push. */
  private migrating: Promise<void> | null = null;
  private migrated = false;
  private closed = false;
  /** Calls of `clearLocalData` in progress: captures are refused meanwhile. */
  private clearing = 0;
  /** The partition's write stamp right after `clearLocalData` emptied it; null until then. */
  private wipedStamp: number | null = null;
  simulatedOffline = false;

  private constructor(
    config: ResolvedConfig,
    deps: EngineDeps,
    /** For tests only, as `ctx`. */
    readonly db: Db,
    codec: Codec,
    readonly user: string | null,
    paused: ErrorInfo | null,
    meta: MetaStore,
  ) {
    const queue = new QueueStore(db, codec);
    this.ctx = {
      config,
      deps,
      codec,
      queue,
      records: new RecordStore(db, codec),
      meta,
      wire: new Adapters(config, meta, codec),
      history: new HistoryStore(db, config.historyLimit, codec),
      locks: new RecordLocks(),
    };
    this.outbox = new Outbox(this.ctx);
    const conflicts = new ConflictResolver(this.ctx, this.outbox);
    this.replicator = new Replicator(this.ctx, this.outbox, conflicts);
    // A page's own read: it already shows these records, so no `data-changed` (it would only read again).
    this.reads = new LocalReads(this.ctx, db, (collection, records, deleted) =>
      this.replicator.applyPage(collection, records, deleted, new Set(), null, { announce: false }),
    );
    this.queries = new Queries(this.ctx, this.outbox);
    this.migrations = new Migrations(this.ctx, this.outbox);
    this.commands = new Commands(this.ctx, this.outbox, conflicts, this.migrations, {
      statusSoon: () => this.statusSoon(),
      syncSoon: () => void this.sync('all', 'manual'),
    });
    const isLocked = (): boolean => this.locked;
    const isSimulatedOffline = (): boolean => this.simulatedOffline;
    this.scheduler = new Scheduler(
      this.ctx,
      {
        get locked() {
          return isLocked();
        },
        get simulatedOffline() {
          return isSimulatedOffline();
        },
        user,
        push: async (collections, onProgress, trigger) => {
          // Never a write in an older shape on the wire: the migrations end before the first push.
          await this.migrate();
          return this.replicator.push(collections, onProgress, trigger);
        },
        pull: (collections, runId, onProgress) => this.replicator.pull(collections, runId, onProgress),
        statusSoon: () => this.statusSoon(),
      },
      paused,
    );
  }

  static async open(config: ResolvedConfig, deps: EngineDeps, db: Db, user: string | null): Promise<Engine> {
    // The app's key never touches the disk: the partition opens locked and waits for `unlock`.
    const codec = !config.encryptAtRest
      ? plainCodec
      : config.encryptionKey === 'app'
        ? new AppKeyCodec(db)
        : await aesCodec(db);
    const meta = new MetaStore(db);
    // What the start reads of meta, read at once: the first request of a cold start waits for all of it.
    await meta.preload(startupMetaKeys(config.collections.keys()));
    try {
      const engine = new Engine(config, deps, db, codec, user, await meta.paused(), meta);
      await engine.ctx.wire.init();
      await engine.sealLegacy();
      engine.simulatedOffline = await meta.flag('simulatedOffline');
      // A failure here is tried again before the first push (which waits for it); reads go on meanwhile.
      await engine.migrate().catch((error: unknown) => {
        console.error('[offline-kit] schema migration failed; it is tried again before the next sync', error);
      });
      return engine;
    } finally {
      meta.endPreload();
    }
  }

  /**
   * Brings writes and records made under older `schemaVersion`s to the configured ones, once; a partition locked
   * without the app's key waits for `unlock` (nothing can be read, nor sent, before).
   */
  private migrate(): Promise<void> {
    if (this.migrated || this.locked) return Promise.resolve();
    this.migrating ??= this.migrations.run().then(
      () => {
        this.migrated = true;
        this.statusSoon();
      },
      (error: unknown) => {
        this.migrating = null;
        throw error;
      },
    );
    return this.migrating;
  }

  get config(): ResolvedConfig {
    return this.ctx.config;
  }

  /** Nothing is sent: credentials are awaited, or the server speaks a protocol version this module does not. */
  get paused(): boolean {
    return this.scheduler.paused || this.scheduler.incompatible !== null;
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
      await this.migrate();
      this.statusSoon();
      if (this.online && (await this.ctx.queue.countUnsent()) > 0) void this.sync('all', 'login');
    }
  }

  private async sealLegacy(): Promise<void> {
    if (!this.locked) await sealLegacy(this.ctx);
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
  async storeAcknowledged(collection: string, record: CoreRecord): Promise<void> {
    await this.replicator.applyPage(collection, [record], [], new Set(), null);
  }

  async storeDeleted(collection: string, id: string): Promise<void> {
    await this.replicator.applyPage(collection, [], [id], new Set(), null);
  }

  /** Records a network read answered with (no sweep: a filtered or partial list says nothing about other records). */
  async storeRead(collection: string, records: CoreRecord[], deletedIds: string[]): Promise<void> {
    const keep = await this.ctx.queue.recordIdsWithWrites(collection);
    await this.replicator.applyPage(collection, records, deletedIds, keep, null);
  }

  /** A request sent for the page, with this partition's user's credentials binding (`EngineDeps.fetch`). */
  fetch(request: Request): Promise<Response> {
    return this.ctx.deps.fetch(request);
  }

  /** A new Idempotency-Key. */
  newKey(): string {
    return this.ctx.deps.uuid();
  }

  /** The server version the local copy of a record is based on, when known. */
  /** How a collection's API is spoken: its answers read into the core's form, `If-Match` values (`adapter/`). */
  wire(collection: string): WireAdapter {
    return this.ctx.wire.for(collection);
  }

  async knownVersion(collection: string, id: string): Promise<Version | null> {
    return (await this.ctx.records.get(collection, id))?.row.version ?? null;
  }

  /** Whether a collection's local records were dropped by a `'repull'` migration and wait for a pull. */
  async resyncing(): Promise<boolean> {
    for (const name of this.ctx.config.collections.keys())
      if (await this.ctx.meta.resyncing(name)) return true;
    return false;
  }

  /** Writes in the queue, whatever their state. */
  queuedWrites(): Promise<number> {
    return this.ctx.queue.count();
  }

  // ---------- sync scheduling (sync/scheduler.ts) ----------

  sync(
    unit = 'all',
    trigger: SyncTrigger = 'manual',
    options: { discardPending?: boolean } = {},
  ): Promise<SyncRunSummary> {
    return this.scheduler.sync(unit, trigger, options);
  }

  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  nudge(trigger: SyncTrigger): Promise<void> {
    return this.scheduler.nudge(trigger, this.online);
  }

  /** Credentials were handed over (`null`): a paused partition may sync again. */
  async setPaused(reason: null): Promise<void> {
    if (reason === null) await this.scheduler.resume();
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
    await this.scheduler.close();
    if (this.statusTimer !== null) this.ctx.deps.clearTimer(this.statusTimer);
    closePartition(this.db);
  }

  // ---------- what the page and the panel see (queries.ts) and do (outbox/commands.ts) ----------

  status(): Promise<SyncStatus> {
    return this.queries.status({
      online: this.online,
      simulatedOffline: this.simulatedOffline,
      serverReachable: this.scheduler.serverReachable,
      paused: this.paused,
      pausedReason: this.scheduler.pausedReason ?? this.scheduler.incompatible,
      progress: this.scheduler.progress,
      user: this.user,
      protocol: this.replicator.protocol,
    });
  }

  listQueue(query: QueueQuery = {}): Promise<Page<QueuedWriteView>> {
    return this.queries.listQueue(query);
  }

  getWrite(id: string): Promise<{ write: QueuedWriteView; body: string | ArrayBuffer | null } | null> {
    return this.queries.getWrite(id);
  }

  listConflicts(): Promise<ConflictView[]> {
    return this.queries.listConflicts();
  }

  listCollections(): Promise<CollectionInfo[]> {
    return this.queries.listCollections();
  }

  listRecords(query: RecordQuery): Promise<Page<LocalRecordView>> {
    return this.queries.listRecords(query);
  }

  getHistory(options: { limit?: number; beforeId?: number } = {}): Promise<HistoryEntry[]> {
    return this.queries.getHistory(options);
  }

  exportHistory(): Promise<HistoryExport> {
    return this.queries.exportHistory();
  }

  retryWrite(id: string): Promise<void> {
    return this.commands.retryWrite(id);
  }

  editWrite(id: string, body: unknown): Promise<void> {
    return this.commands.editWrite(id, body);
  }

  discardWrite(id: string): Promise<void> {
    return this.commands.discardWrite(id);
  }

  resolveConflict(writeId: string, resolution: Resolution): Promise<void> {
    return this.commands.resolveConflict(writeId, resolution);
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
    // No network answer asked for before (or during) the clear is stored after it: a read's store is fenced off too.
    const fenced = this.reads.fence();
    try {
      await this.idle();
      await fenced;
      const refused = await wipePartition(this.db, unsynced);
      if (refused)
        throw new OfflineKitError(
          'invalid_state',
          `${refused.unsynced} writes are not synced yet; pass { unsynced: 'discard' } to drop them`,
          { details: refused },
        );
      // Nothing sealed with the old key is left: a user who lost their secret can start over with a new one.
      if (this.ctx.codec instanceof AppKeyCodec) await this.ctx.codec.rebind();
      // The versions went with the meta store: what is stored from now on is in the current shapes.
      await this.migrations.recordCurrent();
    } finally {
      this.clearing -= 1;
      this.reads.unfence();
    }
    this.scheduler.forgetPause();
    this.simulatedOffline = false;
    this.wipedStamp = partitionStamp(this.db);
    this.statusSoon();
  }

  /**
   * Deletes the local copy of one record, as Chrome's Application panel deletes an IndexedDB entry: the server is not
   * asked, and the next pull or online read may bring the record back. Its queued writes are counted in the same
   * transaction: `refuse` (default) rejects with `invalid_state` naming them (`details.writes`) and changes nothing;
   * `discard` drops them with the record (each logged `discarded`), unless one is being sent.
   */
  async deleteLocalRecord(
    collection: string,
    id: string,
    unsynced: 'refuse' | 'discard' = 'refuse',
  ): Promise<void> {
    this.mustHaveCollection(collection);
    await this.ctx.locks.run([id], async () => {
      const outcome = await dropLocal(this.db, collection, id, unsynced);
      if (outcome.kind === 'absent')
        throw new OfflineKitError('not_found', `no local record ${collection}/${id}`);
      await this.afterDrop(collection, `${collection}/${id}`, outcome);
    });
  }

  /**
   * Empties a collection's local copy and forgets its delta cursor, so the next pull brings it back whole; the server
   * is not asked. Queued writes of the collection: as for `deleteLocalRecord`. A running sync is awaited first, so a
   * pull half done cannot store its cursor after the clear.
   */
  async clearLocalCollection(collection: string, unsynced: 'refuse' | 'discard' = 'refuse'): Promise<void> {
    this.mustHaveCollection(collection);
    await this.idle();
    const outcome = await dropLocal(this.db, collection, null, unsynced);
    if (outcome.kind === 'absent') return;
    await this.afterDrop(collection, collection, outcome);
  }

  private mustHaveCollection(collection: string): void {
    if (!this.ctx.config.collections.has(collection))
      throw new OfflineKitError('not_found', `no collection ${collection} in the configuration`);
  }

  private async afterDrop(
    collection: string,
    what: string,
    outcome: Exclude<DropLocalOutcome, { kind: 'absent' }>,
  ): Promise<void> {
    if (outcome.kind === 'refused') {
      const named = outcome.writes.map((w) => `#${w.seq} ${w.method} ${w.recordId} ${w.state}`).join(', ');
      const more =
        outcome.total > outcome.writes.length ? `, and ${outcome.total - outcome.writes.length} more` : '';
      const message =
        outcome.reason === 'sending'
          ? `a write of ${what} is being sent (${named}${more}); try again once it is answered`
          : `${what} has ${outcome.total} queued write${outcome.total === 1 ? '' : 's'} not synced yet (${named}${more}); ` +
            `pass { unsynced: 'discard' } to discard ${outcome.total === 1 ? 'it' : 'them'} too`;
      const details: LocalDropRefusal = {
        reason: outcome.reason,
        unsynced: outcome.total,
        writes: outcome.writes,
      };
      throw new OfflineKitError('invalid_state', message, { details });
    }
    const now = this.ctx.deps.now();
    for (const w of outcome.discarded) {
      await this.ctx.history.add(writeEntry({ ...w, collection }, 'discarded', now));
      this.ctx.deps.emit({ type: 'write-discarded', writeId: w.id });
    }
    // A whole collection is announced with no ids, as a re-pull does: every list of it reads again.
    const ids = outcome.recordIds.length === 1 ? outcome.recordIds : [];
    this.ctx.deps.emit({ type: 'data-changed', collection, ids });
    this.statusSoon();
  }

  /** Nothing was written to this partition since `clearLocalData` emptied it: a sign-out may delete it whole. */
  get emptied(): boolean {
    return this.wipedStamp !== null && partitionStamp(this.db) === this.wipedStamp;
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
