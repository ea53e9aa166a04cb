/**
 * What the page and the panel read about a partition: status, the queue, conflicts, collections, local records,
 * history. Reads only; nothing here changes the queue.
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
  QueueQuery,
  RecordQuery,
  RecordSyncMeta,
  SyncProgress,
  SyncStatus,
  UnitStatus,
} from '../protocol/api.js';
import type { JsonRecord } from '../protocol/config.js';
import { OfflineKitError } from '../protocol/errors.js';
import type { Discovery } from '../protocol/wire.js';
import type { EngineContext } from './deps.js';
import { decodeText, isTextType } from './model/bodies.js';
import type { Outbox } from './outbox/outbox.js';
import type { StoredWrite } from './storage/db.js';

/** What the status shows of the engine's moment-to-moment state (the scheduler's and the runtime's). */
export interface LiveState {
  online: boolean;
  simulatedOffline: boolean;
  serverReachable: boolean;
  paused: boolean;
  pausedReason: ErrorInfo | null;
  progress: SyncProgress | null;
  user: string | null;
  protocol: Discovery | null;
}

export class Queries {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
  ) {}

  async status(live: LiveState): Promise<SyncStatus> {
    const { ctx } = this;
    const units: UnitStatus[] = [];
    let lastSyncAt: number | null = null;
    for (const [name, collections] of ctx.config.syncUnits) {
      const meta = await ctx.meta.unit(name);
      units.push({ name, collections, lastSyncAt: meta.lastSyncAt, lastOutcome: meta.lastOutcome });
      if (meta.lastSyncAt !== null && (lastSyncAt === null || meta.lastSyncAt > lastSyncAt))
        lastSyncAt = meta.lastSyncAt;
    }
    const protocol = live.protocol;
    return {
      online: live.online,
      simulatedOffline: live.simulatedOffline,
      serverReachable: live.serverReachable,
      paused: live.paused,
      pausedReason: live.pausedReason,
      pending: await ctx.queue.countUnsent(),
      failed: await ctx.queue.count('failed'),
      conflicts: await ctx.queue.count('conflict'),
      syncing: live.progress,
      units,
      lastSyncAt,
      user: live.user,
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

  async listConflicts(): Promise<ConflictView[]> {
    const out: ConflictView[] = [];
    for (const w of await this.ctx.queue.inState('conflict')) {
      const v = await this.outbox.conflictView(w);
      if (!v) continue;
      // In the API's shape, as the app's own reads show the record (ids in their type).
      const adapter = this.ctx.wire.for(w.collection);
      const numeric = await this.ctx.wire.numericIds(w.collection);
      const shaped = (r: JsonRecord | null): JsonRecord | null => r && adapter.toApi(r, numeric);
      out.push({ ...v, base: shaped(v.base), local: shaped(v.local), server: shaped(v.server) });
    }
    return out;
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
        wire: this.ctx.wire.for(c.name).level(c.detectConflicts, this.ctx.config.batch),
        schemaVersion: (await this.ctx.meta.schemaOf(c.name)) ?? c.schemaVersion,
        resyncing: await this.ctx.meta.resyncing(c.name),
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

  async getHistory(options: { limit?: number; beforeId?: number } = {}): Promise<HistoryEntry[]> {
    return this.ctx.history.list(options.limit, options.beforeId);
  }

  async exportHistory(): Promise<HistoryExport> {
    return this.ctx.history.export(this.ctx.deps.origin, this.ctx.deps.now());
  }
}
