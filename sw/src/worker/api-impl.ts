/** `OfflineKitApi` as the service worker implements it, for pages (comlink) and the devtools panel (bridge). */
import type {
  CollectionInfo,
  Credentials,
  ConflictView,
  HistoryEntry,
  HistoryExport,
  LocalRecordView,
  OfflineKitApi,
  Page,
  QueuedWriteView,
  QueueQuery,
  RecordQuery,
  Resolution,
  SyncRunSummary,
  SyncStatus,
} from '../protocol/api.js';
import { OfflineKitError } from '../protocol/errors.js';
import { isObject } from '../protocol/wire-guards.js';
import { isAppKey } from '../core/storage/codec.js';
import type { Runtime } from './runtime.js';

function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new OfflineKitError('invalid_message', `${name} must be a string`);
  return value;
}

function optObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new OfflineKitError('invalid_message', `${name} must be an object`);
  return value;
}

function optInt(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new OfflineKitError('invalid_message', `${name} must be a non-negative integer`);
  }
  return value;
}

/** Anything but an explicit `discard` refuses: dropping a person's queued writes is never a default. */
function unsyncedOption(options: unknown): 'refuse' | 'discard' {
  const o = optObject(options, 'options');
  if (o.unsynced !== undefined && o.unsynced !== 'refuse' && o.unsynced !== 'discard')
    throw new OfflineKitError('invalid_message', "unsynced must be 'refuse' or 'discard'");
  return o.unsynced === 'discard' ? 'discard' : 'refuse';
}

function isResolution(value: unknown): value is Resolution {
  if (!isObject(value)) return false;
  if (value.choice === 'local' || value.choice === 'server') return true;
  return value.choice === 'merged' && isObject(value.record);
}

/**
 * Every argument is checked here: calls arrive from pages and from a devtools panel as plain data, and a malformed
 * one must be refused with `invalid_message`, never crash the worker.
 */
export class WorkerApi implements OfflineKitApi {
  constructor(
    private readonly runtime: Runtime,
    private readonly onLogin: () => void,
  ) {}

  private engine() {
    return this.runtime.engine();
  }

  async getStatus(): Promise<SyncStatus> {
    const status = await (await this.engine()).status();
    status.devtools = this.runtime.devtools;
    status.storage = await this.storageEstimate();
    return status;
  }

  /** The last storage estimate that came, kept for when the browser fails one (and for status events). */
  lastStorage: { usage: number; quota: number } | null = null;

  /**
   * The origin's storage use, or null where the browser has no estimate (WebKit has no `navigator.storage`). Firefox
   * sometimes rejects an estimate asked while it is busy with the origin's storage (seen under load): asked again
   * shortly it answers; if it still fails, the last estimate stands rather than "this browser does not report".
   */
  private async storageEstimate(): Promise<{ usage: number; quota: number } | null> {
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (typeof storage?.estimate !== 'function') return null;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const estimate = await storage.estimate();
        this.lastStorage = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
        return this.lastStorage;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    if (this.lastStorage === null) this.estimateLater();
    return this.lastStorage;
  }

  private estimating = false;

  /**
   * No estimate yet, and the browser refused three: ask again in the background (a few times, seconds apart), and
   * publish the status when one comes, so a panel showing "unknown" gets the numbers without asking.
   */
  private estimateLater(): void {
    if (this.estimating) return;
    this.estimating = true;
    void (async () => {
      for (let attempt = 1; attempt <= 5 && this.lastStorage === null; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        try {
          const estimate = await navigator.storage.estimate();
          this.lastStorage = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
          (await this.engine()).statusSoon();
        } catch {
          // Asked again after a longer pause.
        }
      }
      this.estimating = false;
    })();
  }

  async syncNow(options?: { unit?: string; discardPending?: boolean }): Promise<SyncRunSummary> {
    const o = optObject(options, 'options');
    const unit = o.unit === undefined ? 'all' : str(o.unit, 'unit');
    return (await this.engine()).sync(unit, 'manual', { discardPending: o.discardPending === true });
  }

  async listQueue(query?: QueueQuery): Promise<Page<QueuedWriteView>> {
    const q = optObject(query, 'query');
    const out: QueueQuery = {};
    if (q.collection !== undefined) out.collection = str(q.collection, 'collection');
    if (q.state !== undefined) {
      if (typeof q.state !== 'string' || !['pending', 'sending', 'conflict', 'failed'].includes(q.state)) {
        throw new OfflineKitError('invalid_message', 'state must be pending, sending, conflict or failed');
      }
      out.state = q.state as QueueQuery['state'];
    }
    const offset = optInt(q.offset, 'offset');
    const limit = optInt(q.limit, 'limit');
    if (offset !== undefined) out.offset = offset;
    if (limit !== undefined) out.limit = limit;
    if (q.bodies !== undefined) {
      if (typeof q.bodies !== 'boolean')
        throw new OfflineKitError('invalid_message', 'bodies must be a boolean');
      out.bodies = q.bodies;
    }
    return (await this.engine()).listQueue(out);
  }

  async getWrite(id: string) {
    return (await this.engine()).getWrite(str(id, 'id'));
  }

  async retryWrite(id: string): Promise<void> {
    await (await this.engine()).retryWrite(str(id, 'id'));
  }

  async editWrite(id: string, body: unknown): Promise<void> {
    await (await this.engine()).editWrite(str(id, 'id'), body);
  }

  async discardWrite(id: string): Promise<void> {
    await (await this.engine()).discardWrite(str(id, 'id'));
  }

  async listConflicts(): Promise<ConflictView[]> {
    return (await this.engine()).listConflicts();
  }

  async resolveConflict(writeId: string, resolution: Resolution): Promise<void> {
    if (!isResolution(resolution)) {
      throw new OfflineKitError(
        'invalid_message',
        'resolution must be { choice: local | server | merged, record? }',
      );
    }
    await (await this.engine()).resolveConflict(str(writeId, 'writeId'), resolution);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    return (await this.engine()).listCollections();
  }

  async listRecords(query: RecordQuery): Promise<Page<LocalRecordView>> {
    const q = optObject(query, 'query');
    const out: RecordQuery = { collection: str(q.collection, 'collection') };
    if (q.search !== undefined && q.search !== '') out.search = str(q.search, 'search');
    const offset = optInt(q.offset, 'offset');
    const limit = optInt(q.limit, 'limit');
    if (offset !== undefined) out.offset = offset;
    if (limit !== undefined) out.limit = limit;
    return (await this.engine()).listRecords(out);
  }

  async deleteLocalRecord(
    collection: string,
    id: string,
    options?: { unsynced?: 'refuse' | 'discard' },
  ): Promise<void> {
    const c = str(collection, 'collection');
    const recordId = str(id, 'id');
    await (await this.engine()).deleteLocalRecord(c, recordId, unsyncedOption(options));
  }

  async clearLocalCollection(
    collection: string,
    options?: { unsynced?: 'refuse' | 'discard' },
  ): Promise<void> {
    const c = str(collection, 'collection');
    await (await this.engine()).clearLocalCollection(c, unsyncedOption(options));
  }

  async getHistory(options?: { limit?: number; beforeId?: number }): Promise<HistoryEntry[]> {
    const o = optObject(options, 'options');
    const out: { limit?: number; beforeId?: number } = {};
    const limit = optInt(o.limit, 'limit');
    const beforeId = optInt(o.beforeId, 'beforeId');
    if (limit !== undefined) out.limit = limit;
    if (beforeId !== undefined) out.beforeId = beforeId;
    return (await this.engine()).getHistory(out);
  }

  async exportHistory(): Promise<HistoryExport> {
    return (await this.engine()).exportHistory();
  }

  async setSimulatedOffline(offline: boolean): Promise<void> {
    if (typeof offline !== 'boolean')
      throw new OfflineKitError('invalid_message', 'offline must be a boolean');
    const engine = await this.engine();
    await engine.setSimulatedOffline(offline);
    if (!offline) void engine.sync('all', 'online');
  }

  async setCredentials(credentials: Credentials | null): Promise<void> {
    if (credentials !== null) {
      if (!isObject(credentials) || !isObject(credentials.headers)) {
        throw new OfflineKitError('invalid_message', 'credentials must be { headers, user } or null');
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(credentials.headers)) headers[k] = str(v, `headers.${k}`);
      const user = str(credentials.user, 'user');
      const key: unknown = credentials.encryptionKey;
      if (key !== undefined && !isAppKey(key)) {
        throw new OfflineKitError(
          'invalid_message',
          'encryptionKey must be a non-extractable AES-GCM CryptoKey for encrypt and decrypt',
        );
      }
      const changed = await this.runtime.setCredentials({ headers, user, encryptionKey: key });
      const engine = await this.engine();
      const wasPaused = engine.paused;
      if (wasPaused) await engine.setPaused(null);
      if ((changed && this.runtime.config.triggers.afterLogin) || wasPaused) this.onLogin();
      return;
    }
    await this.runtime.setCredentials(null);
  }

  async clearLocalData(options?: { unsynced?: 'refuse' | 'discard' }): Promise<void> {
    const o = optObject(options, 'options');
    const unsynced = o.unsynced === 'discard' ? 'discard' : 'refuse';
    await (await this.engine()).clearLocalData(unsynced);
  }
}
