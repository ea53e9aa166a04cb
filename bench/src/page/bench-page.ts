/**
 * The measuring half of the benchmark. The runner drives it through `window.__bench`; every timing is taken here,
 * in the page, with performance.now(), so it includes what an application sees: the service worker's work and the
 * structured clone of the answer, not only the network.
 */
import { connect } from '../../../sw/src/client/index.js';
import { EVENTS_CHANNEL, type SyncRunSummary } from '../../../sw/src/protocol/api.js';
import {
  type BenchPageApi,
  type EnqueueResult,
  type ReadResult,
  type SyncResult,
  type WaitResult,
  WRITE_COLLECTION,
  listLength,
  writeBody,
} from '../shared/page-api.js';
import { panelFirstRender } from './panel-render.js';

const USER = 'alice';
const PASSWORD = 'demo';

let token: string | null = null;
let onlineAt: number | null = null;
let client: Awaited<ReturnType<typeof connect>> | null = null;

function authHeaders(): Record<string, string> {
  return token === null ? {} : { Authorization: `Bearer ${token}` };
}

function controlled(): Promise<void> {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true });
  });
}

async function install(swUrl: string | null): Promise<void> {
  if (swUrl === null) return;
  await navigator.serviceWorker.register(swUrl, { scope: '/' });
  await controlled();
}

function isTokenAnswer(value: unknown): value is { token: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { token?: unknown }).token === 'string'
  );
}

async function login(withModule: boolean): Promise<string> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  });
  const body: unknown = await res.json();
  if (!res.ok || !isTokenAnswer(body)) throw new Error(`login answered ${res.status}`);
  token = body.token;
  if (withModule) {
    client = await connect();
    await client.setCredentials({ headers: authHeaders(), user: USER });
    // Signing in starts the module's own sync; let it finish so it does not run under the measurements.
    await client.syncNow({ unit: 'all' });
  }
  return token;
}

async function timeGets(url: string, warmup: number, count: number): Promise<ReadResult> {
  const durationsMs: number[] = [];
  let records = -1;
  let status = 0;
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    const res = await fetch(url, { headers: authHeaders() });
    const body: unknown = await res.json();
    const ms = performance.now() - start;
    if (i >= warmup) durationsMs.push(ms);
    records = listLength(body);
    status = res.status;
  }
  return { durationsMs, records, status };
}

function postWrite(tag: string, index: number): Promise<number> {
  return fetch(`/api/${WRITE_COLLECTION}`, {
    method: 'POST',
    headers: {
      ...authHeaders(),
      'Content-Type': 'application/json',
      // The server applies a write only with a key (PROTOCOL.md §5.2). Our module adds its own and ignores the
      // page's; the Workbox recipe replays the headers it stored, so a Workbox app has to send one itself.
      'Idempotency-Key': crypto.randomUUID(),
    },
    body: JSON.stringify(writeBody(tag, index)),
  }).then(
    async (res) => {
      // Read the answer as an application would: ours answers 202 with the record.
      await res.arrayBuffer();
      return res.status;
    },
    () => 0,
  );
}

async function enqueueSequential(tag: string, n: number): Promise<EnqueueResult> {
  const durationsMs: number[] = [];
  const statuses: number[] = [];
  const first = performance.now();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    statuses.push(await postWrite(tag, i));
    durationsMs.push(performance.now() - start);
  }
  return { durationsMs, statuses, totalMs: performance.now() - first };
}

async function enqueueBurst(tag: string, n: number): Promise<EnqueueResult> {
  const durationsMs: number[] = new Array<number>(n).fill(0);
  const first = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const start = performance.now();
      return postWrite(tag, i).then((status) => {
        durationsMs[i] = performance.now() - start;
        return status;
      });
    }),
  );
  return { durationsMs, statuses, totalMs: performance.now() - first };
}

function armReplayClock(): void {
  onlineAt = null;
  window.addEventListener(
    'online',
    () => {
      onlineAt = performance.now();
    },
    { once: true },
  );
}

/** Start the replay clock now: where connectivity returns with no `online` event (the API made reachable again). */
function startReplayClock(): void {
  onlineAt = performance.now();
}

function isState(value: unknown): value is { counts: Record<string, unknown> } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { counts?: unknown }).counts === 'object' &&
    (value as { counts?: unknown }).counts !== null
  );
}

async function serverCount(collection: string): Promise<number> {
  // server-mock's control API answers only requests with this header (server-mock/src/control-access.ts).
  const res = await fetch('/__mock/state', { cache: 'no-store', headers: { 'X-Offline-Kit-Mock': '1' } });
  const body: unknown = await res.json();
  if (!isState(body)) throw new Error('/__mock/state answered an unexpected shape');
  const count = body.counts[collection];
  return typeof count === 'number' ? count : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll the server until it holds `expected` records. The poll interval (5 ms) bounds the error of a replay time; it
 * is small beside the replays measured (hundreds of ms and more) and the poll itself is a cheap in-memory count.
 */
async function waitServerCount(collection: string, expected: number, timeoutMs: number): Promise<WaitResult> {
  const deadline = performance.now() + timeoutMs;
  let count = await serverCount(collection);
  while (count < expected && performance.now() < deadline) {
    await sleep(5);
    count = await serverCount(collection);
  }
  const end = performance.now();
  if (count < expected || onlineAt === null) return { ms: null, count };
  return { ms: end - onlineAt, count };
}

interface SyncEnd {
  type: 'sync-completed' | 'sync-failed';
  summary: SyncRunSummary;
}

function isSyncEnd(value: unknown): value is SyncEnd {
  if (typeof value !== 'object' || value === null) return false;
  const { type, summary } = value as { type?: unknown; summary?: unknown };
  if (type !== 'sync-completed' && type !== 'sync-failed') return false;
  if (typeof summary !== 'object' || summary === null) return false;
  const { unit, trigger, pulled, outcome } = summary as Record<string, unknown>;
  return (
    typeof unit === 'string' &&
    typeof trigger === 'string' &&
    typeof pulled === 'number' &&
    typeof outcome === 'string'
  );
}

/** The sync a sign-in starts: triggered by `login` (whatever unit it covers), or of the `login` unit. */
const isLoginSync = (summary: SyncRunSummary): boolean =>
  summary.trigger === 'login' || summary.unit === 'login';

/**
 * Hand the module the credentials of a user it has never seen and time the `login` sync that this starts, until
 * its end is published. If the module was configured not to sync on sign-in, ask for the sync explicitly.
 */
async function firstSync(): Promise<SyncResult> {
  client = await connect();
  const channel = new BroadcastChannel(EVENTS_CHANNEL);
  try {
    let started = false;
    const ended = new Promise<SyncRunSummary>((resolve) => {
      channel.addEventListener('message', (event: MessageEvent<unknown>) => {
        const data = event.data;
        if (
          typeof data === 'object' &&
          data !== null &&
          (data as { type?: unknown }).type === 'sync-started'
        ) {
          started = true;
        }
        if (isSyncEnd(data) && isLoginSync(data.summary)) resolve(data.summary);
      });
    });
    const start = performance.now();
    await client.setCredentials({ headers: authHeaders(), user: USER });
    const fallback = sleep(1000).then(() =>
      started ? ended : (client?.syncNow({ unit: 'login' }) ?? ended),
    );
    const timeout = sleep(300_000).then(() =>
      Promise.reject(new Error('the sign-in sync did not end within 300 s')),
    );
    const summary = await Promise.race([ended, fallback, timeout]);
    return { ms: performance.now() - start, pulled: summary.pulled, outcome: summary.outcome };
  } finally {
    channel.close();
  }
}

async function panelRender(expectedTotal: number): Promise<number> {
  if (client === null) throw new Error('panelRender needs login(true) first');
  return panelFirstRender(client, expectedTotal);
}

const api: BenchPageApi = {
  install,
  login,
  timeGets,
  enqueueSequential,
  enqueueBurst,
  armReplayClock,
  startReplayClock,
  waitServerCount,
  firstSync,
  panelRender,
};

declare global {
  interface Window {
    __bench: BenchPageApi;
  }
}
window.__bench = api;
