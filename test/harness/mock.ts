import { CONTROL_HEADER, CONTROL_HEADER_VALUE } from '../../server-mock/src/control-access.js';
import { describe, expectShape, isArrayOf, isNumber, isObject, isString } from './guards.js';

/** The `/__mock/*` control API of server-mock (docs/ARCHITECTURE.md), typed. */

export interface Faults {
  latencyMs?: number;
  failNext?: { count: number; status: number; pathPrefix?: string };
  dropNext?: { count: number; when: 'before-commit' | 'after-commit'; pathPrefix?: string };
  /** The next `count` requests are answered `200 text/html` (a captive portal's login page). */
  htmlNext?: { count: number; pathPrefix?: string };
  /** Discovery announces this protocol version instead of the real one (0 or null: the real one). */
  protocolVersion?: number | null;
  unreachableForMs?: number;
}

/** A record as the server holds it; tombstones have `deleted: true`. */
export interface ServerRecord {
  id: string;
  version: number;
  updatedAt: string;
  deleted?: boolean;
  [field: string]: unknown;
}

export interface LogEntry {
  seq: number;
  at: string;
  method: string;
  /** For a write inside a batch: the write's own path. */
  path: string;
  /** What the client received; 0 when the connection was dropped without an answer. */
  status: number;
  user: string | null;
  key: string | null;
  durationMs: number;
  /** `latency`, `fail`, `html`, `drop-before-commit`, `drop-after-commit`, `unreachable`. */
  fault: string | null;
  /** Answered from the idempotency store: not applied again. */
  replay: boolean;
  via?: 'batch';
  /** For `drop-after-commit`: the status of the committed answer the client never saw. */
  committedStatus?: number;
}

/**
 * How many times the server applied the write with Idempotency-Key `key`, from its request log: successful answers
 * that were not replays, counting commits whose answer was dropped. Exactly-once means 1.
 */
export function timesApplied(log: readonly LogEntry[], key: string): number {
  const ok = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;
  return log.filter((e) => e.key === key && !e.replay && (ok(e.status) || ok(e.committedStatus))).length;
}

export interface MockState {
  faults: unknown;
  counts: Record<string, number>;
  users: unknown;
}

function isServerRecord(value: unknown): value is ServerRecord {
  return isObject(value) && isString(value.id) && isNumber(value.version);
}

function isLogEntry(value: unknown): value is LogEntry {
  return (
    isObject(value) &&
    isNumber(value.seq) &&
    isString(value.method) &&
    isString(value.path) &&
    isNumber(value.status) &&
    typeof value.replay === 'boolean'
  );
}

function isMockState(value: unknown): value is MockState {
  return isObject(value) && isObject(value.counts);
}

export interface MockClient {
  state(): Promise<MockState>;
  reset(): Promise<void>;
  /** Merged with the faults already set. */
  faults(faults: Faults): Promise<void>;
  clearFaults(): Promise<void>;
  /** "Another user edits this record": bumps its version on the server. */
  edit(edit: { collection: string; id: string; patch: Record<string, unknown>; as?: string }): Promise<void>;
  /** Another user deletes it. */
  remove(target: { collection: string; id: string }): Promise<void>;
  seed(options: { parts?: number }): Promise<void>;
  touch(options: { collection: string; count: number; deleteCount?: number }): Promise<void>;
  /** Current tokens (of `user`, or everyone's) answer 401 until a new sign-in. */
  expireTokens(user?: string): Promise<void>;
  /** Everything the server holds in `collection`, tombstones included, ordered by id. */
  records(collection: string): Promise<ServerRecord[]>;
  /** Live records only. */
  liveRecords(collection: string): Promise<ServerRecord[]>;
  log(since?: number): Promise<LogEntry[]>;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      [CONTROL_HEADER]: CONTROL_HEADER_VALUE,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${method} ${path} answered non-JSON: ${text.slice(0, 300)}`);
  }
}

/** Lists come either bare or wrapped (`{ records: [...] }`, `{ entries: [...] }`); both are accepted. */
function listIn(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value[key])) return value[key];
  throw new Error(`expected a list under "${key}": ${describe(value)}`);
}

export function mockClient(baseUrl: string): MockClient {
  return {
    async state() {
      return expectShape(await call(baseUrl, 'GET', '/__mock/state'), isMockState, '/__mock/state answer');
    },
    async reset() {
      await call(baseUrl, 'POST', '/__mock/reset', {});
    },
    async faults(faults) {
      await call(baseUrl, 'POST', '/__mock/faults', faults);
    },
    async clearFaults() {
      await call(baseUrl, 'DELETE', '/__mock/faults');
    },
    async edit(edit) {
      await call(baseUrl, 'POST', '/__mock/edit', edit);
    },
    async remove(target) {
      await call(baseUrl, 'POST', '/__mock/delete', target);
    },
    async seed(options) {
      await call(baseUrl, 'POST', '/__mock/seed', options);
    },
    async touch(options) {
      await call(baseUrl, 'POST', '/__mock/touch', options);
    },
    async expireTokens(user) {
      await call(baseUrl, 'POST', '/__mock/expire-tokens', user === undefined ? {} : { user });
    },
    async records(collection) {
      const answer = await call(baseUrl, 'GET', `/__mock/records/${encodeURIComponent(collection)}`);
      return expectShape(listIn(answer, 'records'), (v) => isArrayOf(v, isServerRecord), 'records');
    },
    async liveRecords(collection) {
      return (await this.records(collection)).filter((r) => r.deleted !== true);
    },
    async log(since) {
      const answer = await call(baseUrl, 'GET', `/__mock/log${since === undefined ? '' : `?since=${since}`}`);
      return expectShape(listIn(answer, 'entries'), (v) => isArrayOf(v, isLogEntry), 'log entries');
    },
  };
}
