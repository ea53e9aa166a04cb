/**
 * What the bench page (`src/page/`) answers the runner (`src/runner/`). The page runs in Chromium and Firefox; the
 * runner gets its answers through `page.evaluate`, so every answer reaches the runner as `unknown` and is narrowed by the guards
 * below before a figure is used.
 */

/** How a burst or a sequence of writes was answered, as the page saw it. */
export interface EnqueueResult {
  /** Time of each write, from `fetch()` to its answer (or rejection), ms. */
  durationsMs: number[];
  /** From the first `fetch()` to the last answer, ms. */
  totalMs: number;
  /** HTTP status per write, in issue order; 0 when `fetch()` rejected (Workbox's page sees a failed fetch). */
  statuses: number[];
}

export interface ReadResult {
  durationsMs: number[];
  /** Records in the last answer (the `records` array of a list answer). */
  records: number;
  /** HTTP status of the last answer. */
  status: number;
}

export interface WaitResult {
  /** From the page's `online` event to the poll that saw the server hold every write, ms. Null on timeout. */
  ms: number | null;
  /** What the server held at the end. */
  count: number;
}

export interface SyncResult {
  ms: number;
  /** Records the pull brought into IndexedDB, as the module's summary reports them. */
  pulled: number;
  outcome: string;
}

/** The methods of `window.__bench`, by name, with their arguments. */
export interface BenchPageApi {
  /** Register the service worker at `swUrl` (null: none) and wait until it controls the page. */
  install(swUrl: string | null): Promise<void>;
  /**
   * Sign in as the demo user. With our module, also hand it the credentials and wait for the sync that starts, so
   * it does not run under a measurement. Answers the token.
   */
  login(withModule: boolean): Promise<string>;
  timeGets(url: string, warmup: number, count: number): Promise<ReadResult>;
  enqueueSequential(tag: string, n: number): Promise<EnqueueResult>;
  enqueueBurst(tag: string, n: number): Promise<EnqueueResult>;
  /** Start listening for the `online` event that begins a replay measurement. */
  armReplayClock(): void;
  /** Start the replay clock now (Firefox: the runner is about to make the API reachable again; no event comes). */
  startReplayClock(): void;
  waitServerCount(collection: string, expected: number, timeoutMs: number): Promise<WaitResult>;
  /** Hand our module the credentials (a first sign-in) and time the sync it starts. Needs `login(false)` first. */
  firstSync(): Promise<SyncResult>;
  /** Mount the devtools panel inline on its Queue view; ms until it shows `expectedTotal` writes, painted. */
  panelRender(expectedTotal: number): Promise<number>;
}

export type BenchMethod = keyof BenchPageApi;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

export function isEnqueueResult(value: unknown): value is EnqueueResult {
  return (
    isRecord(value) &&
    isNumberArray(value.durationsMs) &&
    typeof value.totalMs === 'number' &&
    isNumberArray(value.statuses)
  );
}

export function isReadResult(value: unknown): value is ReadResult {
  return (
    isRecord(value) &&
    isNumberArray(value.durationsMs) &&
    typeof value.records === 'number' &&
    typeof value.status === 'number'
  );
}

export function isWaitResult(value: unknown): value is WaitResult {
  return (
    isRecord(value) && (value.ms === null || typeof value.ms === 'number') && typeof value.count === 'number'
  );
}

export function isSyncResult(value: unknown): value is SyncResult {
  return (
    isRecord(value) &&
    typeof value.ms === 'number' &&
    typeof value.pulled === 'number' &&
    typeof value.outcome === 'string'
  );
}

/** The title of the i-th benchmark write of a run: the tag says which run, the index says the issue order. */
export function writeTitle(tag: string, index: number): string {
  return `bench ${tag} #${String(index).padStart(6, '0')}`;
}

/** The inverse of `writeTitle`: the issue index, or null for a record of another run. */
export function parseWriteTitle(tag: string, title: unknown): number | null {
  if (typeof title !== 'string') return null;
  const prefix = `bench ${tag} #`;
  if (!title.startsWith(prefix)) return null;
  const index = Number(title.slice(prefix.length));
  return Number.isInteger(index) ? index : null;
}

/** Records in a list answer: the protocol's `{ records: [...] }`, or a bare array. */
export function listLength(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (isRecord(body) && Array.isArray(body.records)) return body.records.length;
  return -1;
}

/** The Workbox recipe's Background Sync queue; its sync tag is `workbox-background-sync:<name>`. */
export const WORKBOX_QUEUE = 'bench-writes';

/** The collection every benchmark write goes to, and the one the offline read lists. */
export const WRITE_COLLECTION = 'work-orders';

/** A work order of about 200 bytes, like the field-service app's. */
export function writeBody(tag: string, index: number): Record<string, string> {
  return {
    title: writeTitle(tag, index),
    description: `Replace the pressure relief valve on boiler ${index}; check the expansion vessel and flue seals.`,
    status: 'open',
  };
}
