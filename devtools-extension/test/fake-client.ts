/**
 * An in-memory Offline Kit behind the `PanelClient` seam: it keeps a queue, conflicts, records and history, changes
 * them when the panel calls, and pushes the same events the service worker would. Tests assert on what the panel
 * shows and on what this fake then holds, the way a person would see the effect of a click.
 */
import type {
  CollectionInfo,
  ConflictView,
  HistoryEntry,
  LocalRecordView,
  OfflineKitApi,
  OfflineKitEvent,
  OfflineKitMethod,
  QueuedWriteView,
  Resolution,
  SyncStatus,
} from '@offline-kit/sw/protocol';
import type { ApiResult } from '../src/protocol/api-guards.js';
import type { MockRequest, MockResponse } from '../src/protocol/relay.js';
import { PanelError, type ConnectionState, type PanelClient } from '../src/ui/client.js';

export function makeWrite(seq: number, overrides: Partial<QueuedWriteView> = {}): QueuedWriteView {
  return {
    id: `w-${seq}`,
    seq,
    collection: 'work-orders',
    recordId: `wo_${seq}`,
    method: 'PATCH',
    url: `/api/work-orders/wo_${seq}`,
    state: 'pending',
    baseVersion: 1,
    createdAt: Date.UTC(2026, 0, 1, 12, 0, seq % 60),
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    lastStatus: null,
    contentType: 'application/json',
    bodySize: 20,
    json: { status: 'done', seq },
    units: ['all'],
    schemaVersion: 1,
    ...overrides,
  };
}

export class FakeClient implements PanelClient {
  writes: QueuedWriteView[] = [];
  conflicts: ConflictView[] = [];
  records: LocalRecordView[] = [];
  history: HistoryEntry[] = [];
  resolutions: { writeId: string; resolution: Resolution }[] = [];
  mockRequests: MockRequest[] = [];
  /** null: the page's server is not server-mock. */
  mockFaults: Record<string, unknown> | null = null;
  simulatedOffline = false;
  calls: { method: OfflineKitMethod; params: unknown[] }[] = [];
  private state: ConnectionState;
  private readonly events = new Set<(event: OfflineKitEvent) => void>();
  private readonly connections = new Set<(state: ConnectionState) => void>();

  constructor(
    state: ConnectionState = {
      status: 'connected',
      moduleVersion: '0.1.0',
      origin: 'http://127.0.0.1:4000',
      scope: '/',
    },
  ) {
    this.state = state;
  }

  status(): SyncStatus {
    return {
      online: !this.simulatedOffline,
      simulatedOffline: this.simulatedOffline,
      serverReachable: true,
      paused: false,
      pausedReason: null,
      pending: this.writes.filter((w) => w.state === 'pending' || w.state === 'sending').length,
      failed: this.writes.filter((w) => w.state === 'failed').length,
      conflicts: this.conflicts.length,
      syncing: null,
      units: [
        {
          name: 'all',
          collections: ['work-orders', 'notes'],
          lastSyncAt: Date.UTC(2026, 0, 1, 12),
          lastOutcome: 'completed',
        },
        { name: 'login', collections: ['work-orders'], lastSyncAt: null, lastOutcome: null },
      ],
      lastSyncAt: Date.UTC(2026, 0, 1, 12),
      user: 'alice',
      devtools: true,
      storage: { usage: 5 * 1024 * 1024, quota: 100 * 1024 * 1024 },
      protocol: { version: 1, batch: true },
    };
  }

  connection(): ConnectionState {
    return this.state;
  }

  setConnection(state: ConnectionState): void {
    this.state = state;
    for (const listener of [...this.connections]) listener(state);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connections.add(listener);
    return () => this.connections.delete(listener);
  }

  subscribe(listener: (event: OfflineKitEvent) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  emit(event: OfflineKitEvent): void {
    for (const listener of [...this.events]) listener(event);
  }

  mock(request: MockRequest): Promise<MockResponse> {
    this.mockRequests.push(request);
    if (this.mockFaults === null) return Promise.resolve({ status: 404, body: null });
    if (request.method === 'POST') this.mockFaults = { ...this.mockFaults, ...request.body };
    if (request.method === 'DELETE') this.mockFaults = {};
    return Promise.resolve({ status: 200, body: { faults: this.mockFaults, counts: {}, users: [] } });
  }

  call<M extends OfflineKitMethod>(
    method: M,
    ...params: Parameters<OfflineKitApi[M]>
  ): Promise<ApiResult<M>> {
    this.calls.push({ method, params });
    try {
      return Promise.resolve(this.run(method, params as unknown[]) as ApiResult<M>);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private find(id: unknown): QueuedWriteView {
    const write = this.writes.find((w) => w.id === id);
    if (!write) throw new PanelError({ code: 'not_found', message: `no write ${String(id)}` });
    return write;
  }

  private changed(write: QueuedWriteView): void {
    this.emit({ type: write.state === 'failed' ? 'write-failed' : 'write-queued', write });
    this.emit({ type: 'status', status: this.status() });
  }

  private run(method: OfflineKitMethod, params: unknown[]): unknown {
    const arg = params[0] as Record<string, unknown> | undefined;
    switch (method) {
      case 'getStatus':
        return this.status();
      case 'listQueue': {
        const matching = this.writes.filter(
          (w) =>
            (!arg?.collection || w.collection === arg.collection) && (!arg?.state || w.state === arg.state),
        );
        const offset = typeof arg?.offset === 'number' ? arg.offset : 0;
        const limit = typeof arg?.limit === 'number' ? arg.limit : 100;
        const items = matching.slice(offset, offset + limit);
        // As the module does: `bodies: false` lists metadata only, so a panel that shows a listed row's body fails.
        return {
          items: arg?.bodies === false ? items.map((w) => ({ ...w, json: null })) : items,
          total: matching.length,
        };
      }
      case 'getWrite': {
        const write = this.writes.find((w) => w.id === params[0]);
        return write ? { write, body: JSON.stringify(write.json) } : null;
      }
      case 'retryWrite': {
        const write = this.find(params[0]);
        write.state = 'pending';
        write.attempts += 1;
        this.changed(write);
        return undefined;
      }
      case 'editWrite': {
        const write = this.find(params[0]);
        write.json = params[1];
        if (write.state === 'failed') write.state = 'pending';
        this.changed(write);
        return undefined;
      }
      case 'discardWrite': {
        const write = this.find(params[0]);
        this.writes = this.writes.filter((w) => w !== write);
        this.emit({ type: 'write-discarded', writeId: write.id });
        return undefined;
      }
      case 'listConflicts':
        return this.conflicts;
      case 'resolveConflict': {
        const writeId = params[0] as string;
        const resolution = params[1] as Resolution;
        this.resolutions.push({ writeId, resolution });
        this.conflicts = this.conflicts.filter((c) => c.writeId !== writeId);
        this.emit({ type: 'conflict-resolved', writeId, resolution: resolution.choice });
        return undefined;
      }
      case 'listCollections':
        return ['work-orders', 'notes'].map((name): CollectionInfo => ({
          name,
          policy: 'read-write-conflict',
          count: this.records.filter((r) => r.collection === name).length,
          pending: this.writes.filter((w) => w.collection === name).length,
          lastSyncAt: null,
          schemaVersion: 1,
          resyncing: false,
          cursor: null,
        }));
      case 'listRecords': {
        const search = typeof arg?.search === 'string' ? arg.search : '';
        const matching = this.records.filter(
          (r) => r.collection === arg?.collection && (!search || JSON.stringify(r.data).includes(search)),
        );
        const offset = typeof arg?.offset === 'number' ? arg.offset : 0;
        const limit = typeof arg?.limit === 'number' ? arg.limit : 100;
        const items = matching.slice(offset, offset + limit);
        // As the module does: `bodies: false` lists metadata only, so a panel that shows a listed row's body fails.
        return {
          items: arg?.bodies === false ? items.map((w) => ({ ...w, json: null })) : items,
          total: matching.length,
        };
      }
      case 'getHistory':
        return this.history;
      case 'exportHistory':
        return {
          format: 'offline-kit-history',
          version: 1,
          exportedAt: Date.UTC(2026, 0, 2),
          origin: 'http://127.0.0.1:4000',
          entries: this.history,
        };
      case 'setSimulatedOffline':
        this.simulatedOffline = params[0] === true;
        this.emit({ type: 'status', status: this.status() });
        return undefined;
      case 'syncNow':
        return {
          runId: 'run-9',
          unit: typeof arg?.unit === 'string' ? arg.unit : 'all',
          trigger: 'manual',
          startedAt: Date.UTC(2026, 0, 1, 13),
          durationMs: 42,
          outcome: 'completed',
          pushed: 2,
          pulled: 5,
          conflicts: 0,
          failed: 0,
          error: null,
        };
      case 'setCredentials':
      case 'clearLocalData':
      case 'deleteLocalRecord':
      case 'clearLocalCollection':
        return undefined;
    }
  }
}
