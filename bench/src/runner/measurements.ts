/**
 * Each measurement of issue #8, run for every variant in the same run, in alternating order, each repetition in a
 * fresh browser context. Timings come from the page (performance.now()); the runner only sets the stage (server
 * state, latency, connectivity) and checks what the server holds afterwards.
 */
import type { Browser } from 'playwright-core';
import {
  WORKBOX_QUEUE,
  WRITE_COLLECTION,
  isEnqueueResult,
  isReadResult,
  isSyncResult,
  isWaitResult,
  writeBody,
  type EnqueueResult,
  type WaitResult,
} from '../shared/page-api.js';
import {
  dispatchSync,
  isOurs,
  openSession,
  serviceWorkerHeap,
  stopServiceWorker,
  type BenchSession,
  type OpenSession,
  type Session,
  type VariantId,
} from './browser.js';
import { summariseStatuses, verify } from './correctness.js';
import type { BenchOptions, StepName } from './options.js';
import type { MeasurementId, Recorder, WorkerStartReplay } from './record.js';
import { quantile } from './stats.js';
import type { MockControl, ReplayBackend } from './server.js';

export interface BenchContext {
  browser: Browser;
  baseUrl: string;
  mock: MockControl;
  options: BenchOptions;
  recorder: Recorder;
  log(message: string): void;
}

export function expect<T>(value: unknown, guard: (v: unknown) => v is T, what: string): T {
  if (!guard(value)) throw new Error(`the bench page answered ${what} with an unexpected shape`);
  return value;
}

/** Variants in the order of repetition `rep`: reversed every other time, so neither always runs first. */
export function inOrder(variants: readonly VariantId[], rep: number): VariantId[] {
  return rep % 2 === 0 ? [...variants] : [...variants].reverse();
}

/** A session of `variant` from `open`, closed after `run` whatever happens. */
async function using<S extends BenchSession, T>(
  open: (variant: VariantId, options: { handCredentials?: boolean }) => Promise<S>,
  variant: VariantId,
  run: (s: S) => Promise<T>,
  options: { handCredentials?: boolean } = {},
): Promise<T> {
  const session = await open(variant, options);
  try {
    return await run(session);
  } finally {
    await session.close();
  }
}

/** A Chromium session (what the CDP-only measurements need). */
export function withSession<T>(
  ctx: BenchContext,
  variant: VariantId,
  run: (s: Session) => Promise<T>,
  options: { handCredentials?: boolean } = {},
): Promise<T> {
  return using((v, o) => openSession(ctx.browser, ctx.baseUrl, v, o), variant, run, options);
}

/**
 * Repetition numbers for `step`: up to `options.reps`, at least one, and a new one only if it should end within the
 * step's time budget (judged by the previous repetition's duration).
 */
function* repetitions(ctx: BenchContext, step: StepName, reps = ctx.options.reps): Generator<number> {
  const start = Date.now();
  let last = 0;
  for (let rep = 0; rep < reps; rep++) {
    const elapsed = Date.now() - start;
    if (rep > 0 && elapsed + last > ctx.options.budgetsMs[step]) return;
    const repStart = Date.now();
    yield rep;
    last = Date.now() - repStart;
  }
}

let runCounter = 0;
export const newTag = (variant: VariantId, what: string): string =>
  `${variant}-${what}-${Date.now()}-${runCounter++}`;

/**
 * One engine's pass of the engine-neutral steps: where its sessions come from, and which step's budget and how many
 * repetitions it runs under (each step is also given the ids its figures go under: the Firefox pass has its own).
 */
export interface EnginePass<S extends BenchSession = BenchSession> {
  open: (variant: VariantId, options: { handCredentials?: boolean }) => Promise<S>;
  step: StepName;
  reps: number;
}

const chromiumPass = (ctx: BenchContext, step: StepName): EnginePass<Session> => ({
  open: (variant, options) => openSession(ctx.browser, ctx.baseUrl, variant, options),
  step,
  reps: ctx.options.reps,
});

/** Every engine's session opener fits an `EnginePass`. */
export const passOf = (open: OpenSession, step: StepName, reps: number): EnginePass => ({ open, step, reps });

/** Online GET of a 100-record page, p50 of `requests` sequential requests, with no service worker as the baseline. */
export function onlineGet(ctx: BenchContext): Promise<void> {
  return measureOnlineGet(ctx, chromiumPass(ctx, 'online-get'), 'get-p50');
}

export async function measureOnlineGet(
  ctx: BenchContext,
  pass: EnginePass,
  id: 'get-p50' | 'firefox-get-p50',
): Promise<void> {
  const { options, recorder } = ctx;
  await ctx.mock.reset();
  for (const rep of repetitions(ctx, pass.step, pass.reps)) {
    for (const variant of inOrder(['none', 'workbox', 'ours'], rep)) {
      await using(pass.open, variant, async (s) => {
        const result = expect(
          await s.call('timeGets', '/api/parts?limit=100', 10, options.requests),
          isReadResult,
          'timeGets',
        );
        if (result.records !== 100)
          throw new Error(`${variant}: GET answered ${result.records} records, not 100`);
        recorder.add(id, variant, rep, quantile(result.durationsMs, 0.5));
      });
    }
    ctx.log(`${pass.step === 'firefox' ? 'Firefox: ' : ''}online GET: repetition ${rep + 1}`);
  }
}

/** Cold starts timed per repetition: each stops the worker, then times the page's next API read. */
const COLD_STARTS = 5;

/**
 * Cold start: the browser stopped the idle service worker (as it does after about 30 s without events), and the app
 * reads its API again: the worker starts, evaluates its script, and answers. Timed from the page's `fetch` to the
 * parsed body of a 100-record list, after one warm read (so each variant has what it caches), the worker stopped
 * through the DevTools protocol before each timed read.
 */
export async function coldStart(ctx: BenchContext): Promise<void> {
  await ctx.mock.reset();
  for (const rep of repetitions(ctx, 'cold-start')) {
    for (const variant of inOrder(['workbox', 'ours'], rep)) {
      await withSession(ctx, variant, async (s) => {
        const warm = expect(await s.call('timeGets', '/api/parts?limit=100', 1, 1), isReadResult, 'timeGets');
        if (warm.records !== 100)
          throw new Error(`${variant}: GET answered ${warm.records} records, not 100`);
        const coldStarts = async (): Promise<number> => {
          const times: number[] = [];
          for (let i = 0; i < COLD_STARTS; i++) {
            await stopServiceWorker(s);
            const cold = expect(
              await s.call('timeGets', '/api/parts?limit=100', 0, 1),
              isReadResult,
              'timeGets',
            );
            if (cold.records !== 100)
              throw new Error(`${variant}: a cold GET answered ${cold.records} records, not 100`);
            times.push(...cold.durationsMs);
          }
          return quantile(times, 0.5);
        };
        ctx.recorder.add('cold-start-p50', variant, rep, await coldStarts());
        // Over a mobile round trip the worker's own start (opening the user's partition) overlaps the request or not.
        await ctx.mock.latency(ctx.options.latencyMs);
        try {
          ctx.recorder.add('cold-start-latency-p50', variant, rep, await coldStarts());
        } finally {
          await ctx.mock.latency(0);
        }
      });
    }
    ctx.log(`cold start: repetition ${rep + 1}`);
  }
}

/**
 * Offline read of the whole work-order list (`readRecords` records of ~200 bytes), after one online read, with ten
 * writes queued offline first: ours must answer them overlaid on the list, Workbox serves its cached answer.
 */
export function offlineRead(ctx: BenchContext): Promise<void> {
  return measureOfflineRead(ctx, chromiumPass(ctx, 'offline-read'), ['workbox', 'ours', 'ours-encrypted'], {
    p50: 'offline-read-p50',
    missing: 'offline-read-missing',
  });
}

export async function measureOfflineRead(
  ctx: BenchContext,
  pass: EnginePass,
  variants: readonly VariantId[],
  ids: { p50: MeasurementId; missing: MeasurementId },
): Promise<void> {
  const { options, recorder, mock } = ctx;
  const pendingWrites = 10;
  await mock.reset();
  const setupTag = 'offline-read-setup';
  // The list plus the pending creates must fit in one page (the server caps `limit` at 1,000), so that the offline
  // answer can show every pending create overlaid.
  const visible = await mock.visibleCount(WRITE_COLLECTION);
  const toCreate = Math.max(0, options.readRecords - pendingWrites - visible);
  await mock.createRecords(WRITE_COLLECTION, toCreate, (i) => writeBody(setupTag, i));
  const url = `/api/${WRITE_COLLECTION}?limit=1000`;
  for (const rep of repetitions(ctx, pass.step, pass.reps)) {
    for (const variant of inOrder(variants, rep)) {
      await using(pass.open, variant, async (s) => {
        // What the user saw online: the list the offline read must still show.
        const online = expect(await s.call('timeGets', url, 0, 1), isReadResult, 'timeGets');
        await s.goOffline();
        expect(
          await s.call('enqueueSequential', newTag(variant, 'overlay'), pendingWrites),
          isEnqueueResult,
          'enqueue',
        );
        const result = expect(await s.call('timeGets', url, 2, options.requests), isReadResult, 'timeGets');
        const expected = online.records + (isOurs(variant) ? pendingWrites : 0);
        if (result.status !== 200 || result.records < online.records) {
          throw new Error(
            `${variant}: offline read answered ${result.status} with ${result.records} records`,
          );
        }
        recorder.add(ids.missing, variant, rep, expected - result.records);
        recorder.add(ids.p50, variant, rep, quantile(result.durationsMs, 0.5));
      });
    }
    ctx.log(`${pass.step === 'firefox' ? 'Firefox: ' : ''}offline read: repetition ${rep + 1}`);
  }
}

/** How a replay's wait went: the page's wait result, and how the runner had to help or what it saw on the way. */
export interface ReplayWait {
  waited: WaitResult;
  nudged: boolean;
  workerStart?: WorkerStartReplay;
}

/** Waits, once the server is back, until it holds `target` writes of the collection (or gives up). */
export type AwaitReplay<S extends BenchSession> = (
  s: S,
  target: number,
  timeoutMs: number,
  before: number,
) => Promise<ReplayWait>;

interface ReplayPlan<S extends BenchSession> {
  mode: 'sequential' | 'burst';
  writes: number;
  latencyMs: number;
  rep: number;
  enqueue: { p50?: MeasurementId; total: MeasurementId };
  /** Null: enqueue only. */
  replay: MeasurementId | null;
  /** Give up waiting for the replay after this long, ms (default: generous for Workbox's pace). */
  timeoutMs?: number;
  /** More to measure once every write is queued, before going online. */
  afterEnqueue?: (s: S) => Promise<void>;
  /** How to wait for the replay in this engine. */
  awaitReplay: AwaitReplay<S>;
  /** The server the writes go to, when not server-mock (the plain-REST rows: json-server, `rest.ts`). */
  backend?: ReplayBackend;
}

/**
 * Chromium: the page polls the server. Watchdog: if the browser's own sync event never came, fire it as the browser
 * would (counted in the time).
 */
export const chromiumReplayWait =
  (ctx: BenchContext, server: ReplayBackend = ctx.mock): AwaitReplay<Session> =>
  async (s, target, timeoutMs, before) => {
    let nudged = false;
    const watchdog = setTimeout(() => {
      if (s.variant !== 'workbox') return;
      void (async () => {
        if ((await server.count(WRITE_COLLECTION)) !== before) return;
        nudged = true;
        await dispatchSync(s, `workbox-background-sync:${WORKBOX_QUEUE}`);
      })().catch((error: unknown) =>
        ctx.log(`watchdog: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, 5000);
    try {
      const waited = expect(
        await s.call('waitServerCount', WRITE_COLLECTION, target, timeoutMs),
        isWaitResult,
        'waitServerCount',
      );
      return { waited, nudged };
    } finally {
      clearTimeout(watchdog);
    }
  };

/**
 * Queue `writes` writes offline (one after another, or all at once), go online with the server at `latencyMs`, and
 * time until the server holds the last one. Then check that it holds each once, in issue order.
 */
export async function queueAndReplay<S extends BenchSession>(
  ctx: BenchContext,
  s: S,
  plan: ReplayPlan<S>,
): Promise<void> {
  const { recorder } = ctx;
  const mock = plan.backend ?? ctx.mock;
  const tag = newTag(s.variant, plan.mode);
  const before = await mock.count(WRITE_COLLECTION);
  await s.goOffline();
  const enqueued: EnqueueResult = expect(
    await s.call(plan.mode === 'sequential' ? 'enqueueSequential' : 'enqueueBurst', tag, plan.writes),
    isEnqueueResult,
    'enqueue',
  );
  if (plan.enqueue.p50)
    recorder.add(plan.enqueue.p50, s.variant, plan.rep, quantile(enqueued.durationsMs, 0.5));
  recorder.add(plan.enqueue.total, s.variant, plan.rep, enqueued.totalMs);
  await plan.afterEnqueue?.(s);
  if (plan.replay === null) return;
  const replayId = plan.replay;

  await mock.latency(plan.latencyMs);
  // Generous: the Workbox recipe sends one write per round trip, plus its own per-write IndexedDB work.
  const timeoutMs = plan.timeoutMs ?? ctx.options.replayCapMs;
  const waitStart = Date.now();
  await s.reconnect();
  let result: ReplayWait;
  try {
    result = await plan.awaitReplay(s, before + plan.writes, timeoutMs, before);
  } finally {
    await mock.latency(0);
  }
  const { waited, nudged, workerStart } = result;
  if (waited.ms !== null) recorder.add(replayId, s.variant, plan.rep, waited.ms);

  const expectedStatus = isOurs(s.variant) ? 202 : 0;
  const verdict = await verify(mock, tag, plan.writes);
  recorder.checks.push({
    measurement: replayId,
    variant: s.variant,
    rep: plan.rep,
    issued: plan.writes,
    completed: waited.ms !== null,
    waitedMs: Date.now() - waitStart,
    ...verdict,
    answered: summariseStatuses(enqueued.statuses),
    answeredAsPromised: enqueued.statuses.every((st) => st === expectedStatus),
    nudged,
    ...(workerStart ? { workerStart } : {}),
  });
}

/** Offline enqueue one after another, then replay at 0 ms server latency. */
export function sequentialQueue(ctx: BenchContext): Promise<void> {
  return measureSequential(
    ctx,
    chromiumPass(ctx, 'sequential'),
    ['workbox', 'ours', 'ours-encrypted'],
    { p50: 'enqueue-seq-p50', total: 'enqueue-seq-total', replay: 'replay-0' },
    { writes: ctx.options.writes, timeoutMs: ctx.options.replayCapMs, awaitReplay: chromiumReplayWait(ctx) },
  );
}

export async function measureSequential<S extends BenchSession>(
  ctx: BenchContext,
  pass: EnginePass<S>,
  variants: readonly VariantId[],
  ids: { p50: MeasurementId; total: MeasurementId; replay: MeasurementId },
  replay: { writes: number; timeoutMs: number; awaitReplay: AwaitReplay<S> },
): Promise<void> {
  await ctx.mock.reset();
  for (const rep of repetitions(ctx, pass.step, pass.reps)) {
    for (const variant of inOrder(variants, rep)) {
      await using(pass.open, variant, (s) =>
        queueAndReplay(ctx, s, {
          mode: 'sequential',
          writes: replay.writes,
          latencyMs: 0,
          rep,
          enqueue: { p50: ids.p50, total: ids.total },
          // Encryption's cost is on enqueue and reads; its replay is ours again, so it is not timed twice.
          replay: variant === 'ours-encrypted' ? null : ids.replay,
          timeoutMs: replay.timeoutMs,
          awaitReplay: replay.awaitReplay,
        }),
      );
    }
    ctx.log(
      `${pass.step === 'firefox' ? 'Firefox: ' : ''}sequential enqueue + replay at 0 ms: repetition ${rep + 1}`,
    );
  }
}

/**
 * Where the browser has no Background Sync (Firefox), the Workbox recipe replays its queue only when its worker
 * starts. So, once the server is back: the page goes on making requests for `inUseMs` (the page's 5 ms polls of the
 * server are fetch events, which keep the worker running, as an app in use does); then nothing touches the page for
 * `idleMs` (the browser stops the idle worker; the runner polls the server from outside the browser); then the page
 * makes one API read, as a person coming back to the app, which starts the worker again, and the page waits up to
 * `restartCapMs` for the replay. The time recorded is from the server's return to the last write held, whatever phase
 * it ended in; the phases are in the check. Ours (its own retry loop) is waited for in the same way: it is expected
 * to be done in the first phase.
 */
export const workerStartReplayWait =
  (
    ctx: BenchContext,
    phases: { inUseMs: number; idleMs: number; restartCapMs: number },
  ): AwaitReplay<BenchSession> =>
  async (s, target, _timeoutMs, before) => {
    const wait = async (timeoutMs: number): Promise<WaitResult> =>
      expect(
        await s.call('waitServerCount', WRITE_COLLECTION, target, timeoutMs),
        isWaitResult,
        'waitServerCount',
      );
    const inUse = await wait(phases.inUseMs);
    const record = (
      idleMs: number,
      heldAfterIdle: number,
      afterRestartMs: number | null,
    ): WorkerStartReplay => ({
      inUseMs: phases.inUseMs,
      heldAfterUse: inUse.count - before,
      idleMs,
      heldAfterIdle: heldAfterIdle - before,
      afterRestartMs,
    });
    if (inUse.ms !== null) return { waited: inUse, nudged: false, workerStart: record(0, inUse.count, null) };
    const idleStart = Date.now();
    let held = await ctx.mock.count(WRITE_COLLECTION);
    while (held < target && Date.now() - idleStart < phases.idleMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      held = await ctx.mock.count(WRITE_COLLECTION);
    }
    const idleMs = Date.now() - idleStart;
    if (held >= target) {
      // Done while nobody touched the page: timed by the page's clock (started at the server's return) now, so to
      // within the runner's 100 ms poll.
      const waited = await wait(0);
      return { waited, nudged: false, workerStart: record(idleMs, held, null) };
    }
    const restartAt = Date.now();
    expect(await s.call('timeGets', '/api/parts?limit=100', 0, 1), isReadResult, 'timeGets');
    const waited = await wait(phases.restartCapMs);
    return {
      waited,
      nudged: false,
      workerStart: record(idleMs, held, waited.ms === null ? null : Date.now() - restartAt),
    };
  };

/** Every write issued at once, then replay over a mobile round trip (`latencyMs`), with and without batch push. */
export async function burstQueue(ctx: BenchContext): Promise<void> {
  const { options } = ctx;
  await ctx.mock.reset();
  for (const rep of repetitions(ctx, 'burst')) {
    for (const variant of inOrder(['workbox', 'ours', 'ours-nobatch'], rep)) {
      await withSession(ctx, variant, (s) =>
        queueAndReplay(ctx, s, {
          mode: 'burst',
          writes: options.writes,
          latencyMs: options.latencyMs,
          rep,
          enqueue: { total: 'enqueue-burst-total' },
          replay: 'replay-latency',
          awaitReplay: chromiumReplayWait(ctx),
        }),
      );
    }
    ctx.log(`burst enqueue + replay at ${options.latencyMs} ms: repetition ${rep + 1}`);
  }
}

/**
 * First sync after sign-in: the parts catalogue (paged delta pull) into IndexedDB; then reads of a 1,000-part page
 * offline from that local copy. Ours only: the Workbox recipe has no equivalent.
 */
async function catalogue(
  ctx: BenchContext,
  parts: number,
  /** Null: once. */
  step: StepName | null,
  ids: { rate: MeasurementId; read: MeasurementId; heap?: MeasurementId },
): Promise<void> {
  const { mock, recorder, options } = ctx;
  await mock.reset();
  await mock.seedParts(parts);
  for (const rep of step === null ? [0] : repetitions(ctx, step)) {
    await withSession(
      ctx,
      'ours',
      async (s) => {
        const synced = expect(await s.call('firstSync'), isSyncResult, 'firstSync');
        if (synced.outcome !== 'completed' || synced.pulled < parts) {
          throw new Error(`first sync ended ${synced.outcome} with ${synced.pulled} of ${parts} parts`);
        }
        recorder.add(ids.rate, 'ours', rep, (synced.pulled / synced.ms) * 1000);
        if (ids.heap) recorder.add(ids.heap, 'ours', rep, await serviceWorkerHeap(ctx.browser, ctx.baseUrl));
        await s.goOffline();
        const read = expect(
          await s.call('timeGets', '/api/parts?limit=1000', 2, options.requests),
          isReadResult,
          'read',
        );
        if (read.status !== 200 || read.records !== 1000) {
          throw new Error(
            `offline read of 1,000 of ${parts} parts answered ${read.status} with ${read.records} records`,
          );
        }
        recorder.add(ids.read, 'ours', rep, quantile(read.durationsMs, 0.5));
      },
      { handCredentials: false },
    );
  }
  await mock.seedParts(1000);
}

export async function firstSync(ctx: BenchContext): Promise<void> {
  await catalogue(ctx, ctx.options.catalogue, 'first-sync', {
    rate: 'first-sync-rate',
    read: 'catalogue-read-p50',
  });
  ctx.log(`first sync of ${ctx.options.catalogue} parts: done`);
}

/** At scale: the first sync of 100,000 records, and the service worker's heap holding them. */
export async function scaleFirstSync(ctx: BenchContext): Promise<void> {
  const scaleOptions = ctx.options.scale;
  if (scaleOptions === null) return;
  await catalogue(ctx, scaleOptions.records, null, {
    rate: 'scale-first-sync-rate',
    read: 'scale-catalogue-read-p50',
    heap: 'scale-heap-records',
  });
  ctx.log(`scale: ${scaleOptions.records} local records: done`);
}

/** At scale: 10,000 queued writes (the heap, the devtools panel's first render, their replay). */
export async function scaleQueue(ctx: BenchContext): Promise<void> {
  const scaleOptions = ctx.options.scale;
  if (scaleOptions === null) return;
  await ctx.mock.reset();
  await withSession(ctx, 'ours', (s) =>
    queueAndReplay(ctx, s, {
      mode: 'burst',
      writes: scaleOptions.writes,
      latencyMs: 0,
      rep: 0,
      enqueue: { total: 'scale-enqueue-total' },
      replay: 'scale-replay',
      // Bounded so that a replay slower than linear shows as a failure instead of stretching the run past 10 min.
      timeoutMs: 45_000,
      awaitReplay: chromiumReplayWait(ctx),
      afterEnqueue: async (session) => {
        const heap = await serviceWorkerHeap(ctx.browser, ctx.baseUrl);
        ctx.recorder.add('scale-heap-queue', 'ours', 0, heap);
        const rendered = await session.call('panelRender', scaleOptions.writes);
        if (typeof rendered !== 'number') throw new Error('panelRender answered an unexpected shape');
        ctx.recorder.add('panel-render', 'ours', 0, rendered);
      },
    }),
  );
  ctx.log(`scale: ${scaleOptions.writes} queued writes: done`);
}
