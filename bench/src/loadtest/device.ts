import type { OfflineKitConfig, ConflictStrategy } from '../../../sw/src/protocol/config.js';
import type { OfflineKitEvent } from '../../../sw/src/protocol/api.js';
import type { WriteMethod } from '../../../sw/src/protocol/wire.js';
import { validateConfig } from '../../../sw/src/core/config.js';
import { openPartition } from '../../../sw/src/core/storage/db.js';
import { Engine } from '../../../sw/src/core/engine.js';
import type { EngineDeps } from '../../../sw/src/core/deps.js';
import { teamOf, userOf } from './collections.js';

/** Merge by rule: the device's changed fields over the server's record (what the app would do for independent fields). */
const mergeByRule: ConflictStrategy = ({ base, local, server }) => {
  if (server === null || local === null) return null;
  const out: Record<string, unknown> = { ...server };
  for (const [field, value] of Object.entries(local)) {
    if (base === null || JSON.stringify(base[field]) !== JSON.stringify(value)) out[field] = value;
  }
  return out;
};

function config(strategy: 'rule' | 'manual'): OfflineKitConfig {
  const conflict: ConflictStrategy = strategy === 'rule' ? mergeByRule : 'manual';
  return {
    apiBase: '/api',
    collections: {
      projects: { policy: 'read-write-conflict', conflict },
      tasks: {
        policy: 'read-write-conflict',
        conflict,
        parents: [{ field: 'projectId', collection: 'projects' }],
      },
    },
  };
}

const TRACE = process.env.LOADTEST_TRACE === '1';

export interface DeviceReport {
  device: number;
  /** Write ids (= Idempotency-Keys) the engine saw acknowledged. */
  acknowledged: string[];
  /** Creates it made: their `op` markers. */
  creates: string[];
  conflicts: string[];
  resolvedByRule: string[];
  /** Conflicts still waiting for a person at the end (kept with the three versions). */
  kept: string[];
  /** Records with a kept conflict: later edits of them wait behind it, as they must. */
  keptRecords: string[];
  /** Writes left in the queue at the end, with their state. */
  leftInQueue: { id: string; record: string; state: string; why: string }[];
  /** Local records at the end: id → version and fields. */
  records: Record<string, { version: number | null; data: unknown; conflict: boolean; pending: boolean }>;
  pushLatenciesMs: number[];
  trace: string[];
  errors: string[];
}

/**
 * A simulated device: the real sync engine of `sw/` on fake-indexeddb, talking to the load balancer through `fetch`.
 * Offline is a fetch that throws as a browser's does and `browserOnline` false, as in a service worker.
 */
export class Device {
  online = true;
  private engine: Engine | null = null;
  private writes = 0;
  private readonly events: OfflineKitEvent[] = [];
  private readonly latencies: number[] = [];
  private readonly errors: string[] = [];
  private readonly trace: string[] = [];
  readonly user: string;
  readonly team: string;

  constructor(
    readonly index: number,
    private readonly origin: string,
    teams: number,
  ) {
    this.user = userOf(index);
    this.team = teamOf(index, teams);
  }

  async open(run: string): Promise<void> {
    const strategy = this.index % 2 === 0 ? 'rule' : 'manual';
    const authorization = `Bearer ${this.user}`;
    let uuid = 0;
    const deps: EngineDeps = {
      fetch: (request) => this.fetch(request),
      now: () => Date.now(),
      setTimer: (cb, ms) => setTimeout(cb, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: Math.random,
      uuid: () => `${run}-${this.user}-${++uuid}`,
      emit: (event) => {
        if (event.type !== 'status' && event.type !== 'sync-progress' && event.type !== 'data-changed')
          this.events.push(event);
      },
      credentials: () => Promise.resolve({ authorization }),
      origin: this.origin,
      browserOnline: () => this.online,
    };
    this.engine = await Engine.open(
      validateConfig(config(strategy)),
      deps,
      await openPartition(`loadtest-${run}-${this.user}`),
      this.user,
    );
  }

  private async fetch(request: Request): Promise<Response> {
    if (!this.online) throw new TypeError('Failed to fetch');
    const started = performance.now();
    const push = request.method !== 'GET' && request.method !== 'HEAD';
    if (!TRACE) {
      const response = await fetch(request);
      // Push latency as the device sees it: until the answer's head arrives.
      if (push) this.latencies.push(performance.now() - started);
      return response;
    }
    // LOADTEST_TRACE=1: every push and its answer, printed for the first device with a write left failed.
    const sent = push ? await request.clone().text() : '';
    const line = `${Date.now() % 100_000} ${request.method} ${new URL(request.url).pathname} key=${request.headers.get('idempotency-key') ?? ''} tmp=${request.headers.get('offline-kit-temp-id') ?? ''} ${sent.slice(0, 300)}`;
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      if (push) this.trace.push(`${line} → ${String(error)}`);
      throw error;
    }
    if (push) {
      this.latencies.push(performance.now() - started);
      const text = await response.clone().text();
      this.trace.push(`${line} → ${response.status} ${text.slice(0, 400)}`);
    }
    return response;
  }

  private get live(): Engine {
    if (!this.engine) throw new Error('device not open');
    return this.engine;
  }

  async sync(): Promise<void> {
    if (!this.online) return;
    try {
      await this.live.sync('all', 'manual');
    } catch (error) {
      this.errors.push(`sync: ${String(error)}`);
    }
  }

  goOffline(): void {
    this.online = false;
  }

  async goOnline(): Promise<void> {
    this.online = true;
    await this.live.nudge('online').catch((error: unknown) => this.errors.push(`nudge: ${String(error)}`));
  }

  /** One thing a person does: edit a shared project or a task, or create a project with a task, online or not. */
  async act(): Promise<void> {
    const roll = Math.random();
    try {
      if (roll < 0.5) await this.editProject();
      else if (roll < 0.7) await this.editTask();
      else await this.createProjectWithTask();
    } catch (error) {
      this.errors.push(`act: ${String(error)}`);
    }
    if (this.online) void this.live.sync('all', 'write').catch(() => undefined);
  }

  private async pick(collection: string): Promise<{ id: string; data: Record<string, unknown> } | null> {
    const page = await this.live.listRecords({ collection, limit: 500 });
    const usable = page.items.filter((r) => !r.deleted && !r.conflict && r.data !== null);
    const record = usable[Math.floor(Math.random() * usable.length)];
    return record && record.data ? { id: record.id, data: record.data } : null;
  }

  private async editProject(): Promise<void> {
    const project = await this.pick('projects');
    if (!project) return this.createProjectWithTask();
    const statuses = ['open', 'active', 'done'];
    const patch =
      Math.random() < 0.5
        ? { title: `${this.user} edit ${++this.writes}` }
        : { status: statuses[Math.floor(Math.random() * 3)] };
    await this.write('PATCH', `/api/projects/${project.id}`, 'projects', project.id, patch);
  }

  private async editTask(): Promise<void> {
    const task = await this.pick('tasks');
    if (!task) return this.createProjectWithTask();
    await this.write('PATCH', `/api/tasks/${task.id}`, 'tasks', task.id, { done: task.data.done !== true });
  }

  private async createProjectWithTask(): Promise<void> {
    const op = `${this.user}-${++this.writes}`;
    const parent = await this.write('POST', '/api/projects', 'projects', null, {
      team: this.team,
      title: `project ${op}`,
      op,
    });
    this.createdOps.push(op);
    const taskOp = `${this.user}-${++this.writes}`;
    await this.write('POST', '/api/tasks', 'tasks', null, {
      projectId: parent,
      title: `task ${taskOp}`,
      op: taskOp,
    });
    this.createdOps.push(taskOp);
  }

  private readonly createdOps: string[] = [];

  private async write(
    method: WriteMethod,
    url: string,
    collection: string,
    recordId: string | null,
    body: unknown,
  ): Promise<string> {
    const engine = this.live;
    const seq = await engine.reserveSeq();
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const result = await engine.enqueue({
      method,
      url,
      collection,
      recordId,
      headers: [['content-type', 'application/json']],
      body: bytes.buffer,
      contentType: 'application/json',
      ifMatch: null,
      idempotencyKey: null,
      seq,
    });
    return result.write.recordId;
  }

  /** The final sync: online, push and pull until the queue holds nothing a sync can still send. */
  async settle(): Promise<void> {
    this.online = true;
    for (let round = 0; round < 10; round++) {
      await this.sync();
      await this.live.idle().catch(() => undefined);
      const queue = await this.live.listQueue({ limit: 1000 });
      if (queue.items.every((write) => write.state === 'conflict')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // One more pull after every device pushed is done by the caller (`pullOnly`), so all see the last writes.
  }

  async report(): Promise<DeviceReport> {
    const engine = this.live;
    const records: DeviceReport['records'] = {};
    for (const collection of ['projects', 'tasks']) {
      const page = await engine.listRecords({ collection, limit: 100_000 });
      for (const r of page.items) {
        if (r.deleted) continue;
        records[`${collection}/${r.id}`] = {
          version: typeof r.version === 'number' ? r.version : r.version === null ? null : Number(r.version),
          data: r.data,
          conflict: r.conflict,
          pending: r.pending,
        };
      }
    }
    const queue = await engine.listQueue({ limit: 100_000 });
    const conflicts = await engine.listConflicts();
    const ids = (type: OfflineKitEvent['type']): string[] =>
      this.events.flatMap((e) => {
        if (e.type !== type) return [];
        if (e.type === 'write-acknowledged') return [e.write.id];
        if (e.type === 'write-conflicted') return [e.conflict.writeId];
        if (e.type === 'conflict-resolved') return [e.writeId];
        return [];
      });
    return {
      device: this.index,
      acknowledged: ids('write-acknowledged'),
      creates: this.createdOps,
      conflicts: ids('write-conflicted'),
      resolvedByRule: ids('conflict-resolved'),
      kept: conflicts.map((c) => c.writeId),
      keptRecords: conflicts.map((c) => `${c.collection}/${c.recordId}`),
      leftInQueue: queue.items.map((w) => ({
        id: w.id,
        record: `${w.collection}/${w.recordId}`,
        state: w.state,
        why: `${w.method} ${w.url} ${w.lastStatus ?? '-'} ${w.lastError?.code ?? ''} ${w.lastError?.message ?? ''}`,
      })),
      records,
      pushLatenciesMs: this.latencies,
      trace: this.trace,
      errors: this.errors,
    };
  }

  async close(): Promise<void> {
    await this.engine?.close();
  }
}
