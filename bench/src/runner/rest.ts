/**
 * The "Plain REST" rows: most apps' API knows nothing of our protocol, so the module speaks plain REST to it (no
 * discovery, no batch endpoint: one write per request). The same measurements as the protocol rows, against
 * json-server (`rest-backend.ts`), the Workbox recipe beside `ours-rest` on the same backend in the same run.
 */
import { partFields } from '../../../server-mock/src/seed/parts.js';
import { WRITE_COLLECTION, isEnqueueResult, isReadResult, writeBody } from '../shared/page-api.js';
import { isOurs, type VariantId } from './browser.js';
import {
  chromiumReplayWait,
  expect,
  inOrder,
  newTag,
  queueAndReplay,
  withSession,
  type BenchContext,
} from './measurements.js';
import { startRestBackend, type RestBackend } from './rest-backend.js';
import { quantile } from './stats.js';

/** Time each part of the step may take, ms (as `BenchOptions.budgetsMs`): about 2 minutes in a full run. */
export interface RestBudgets {
  get: number;
  read: number;
  sequential: number;
  latency: number;
}

export function restBudgets(quick: boolean): RestBudgets {
  // A full run: the 20 ms replay of 1,000 writes takes the Workbox recipe ~27 s and ours a few, so 75 s holds two
  // repetitions on a quiet machine (one on a loaded one); the 0 ms replays take a few seconds each.
  return quick
    ? { get: 12_000, read: 8_000, sequential: 15_000, latency: 20_000 }
    : { get: 20_000, read: 10_000, sequential: 35_000, latency: 75_000 };
}

/**
 * Repetition numbers: up to `reps`, at least one, a new one only if it should end within `budgetMs` judged by the
 * previous one's duration (the rule of `measurements.ts`, with the budget given rather than named).
 */
export function* budgeted(reps: number, budgetMs: number, now: () => number = Date.now): Generator<number> {
  const start = now();
  let last = 0;
  for (let rep = 0; rep < reps; rep++) {
    if (rep > 0 && now() - start + last > budgetMs) return;
    const repStart = now();
    yield rep;
    last = now() - repStart;
  }
}

/** Pending creates the offline read shows overlaid (ours), as in the protocol row. */
const PENDING_WRITES = 10;

/**
 * What json-server holds at the start of each session: the parts catalogue the online GET reads (1,000, as
 * server-mock is seeded) and a work-order list that, with the pending creates, is `readRecords` long. Numeric ids
 * from 1, as json-server's own.
 */
export function restSeed(readRecords: number): Record<string, Record<string, unknown>[]> {
  return {
    parts: Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, ...partFields(i + 1) })),
    [WRITE_COLLECTION]: Array.from({ length: Math.max(0, readRecords - PENDING_WRITES) }, (_, i) => ({
      id: i + 1,
      ...writeBody('rest-seed', i),
    })),
  };
}

const QUEUE_VARIANTS: readonly VariantId[] = ['workbox', 'ours-rest'];

async function onlineGet(ctx: BenchContext, budgetMs: number): Promise<void> {
  for (const rep of budgeted(ctx.options.reps, budgetMs)) {
    for (const variant of inOrder(['none', ...QUEUE_VARIANTS], rep)) {
      await withSession(ctx, variant, async (s) => {
        // json-server's own paging parameter; the answer is a bare array.
        const result = expect(
          await s.call('timeGets', '/api/parts?_limit=100', 10, ctx.options.requests),
          isReadResult,
          'timeGets',
        );
        if (result.records !== 100)
          throw new Error(
            `${variant}: GET answered ${result.status} with ${result.records} records, not 100`,
          );
        ctx.recorder.add('rest-get-p50', variant, rep, quantile(result.durationsMs, 0.5));
      });
    }
    ctx.log(`plain REST, online GET: repetition ${rep + 1}`);
  }
}

async function offlineRead(ctx: BenchContext, budgetMs: number): Promise<void> {
  const url = `/api/${WRITE_COLLECTION}`;
  for (const rep of budgeted(ctx.options.reps, budgetMs)) {
    for (const variant of inOrder(QUEUE_VARIANTS, rep)) {
      await withSession(ctx, variant, async (s) => {
        const online = expect(await s.call('timeGets', url, 0, 1), isReadResult, 'timeGets');
        await s.context.setOffline(true);
        expect(
          await s.call('enqueueSequential', newTag(variant, 'rest-overlay'), PENDING_WRITES),
          isEnqueueResult,
          'enqueue',
        );
        const result = expect(
          await s.call('timeGets', url, 2, ctx.options.requests),
          isReadResult,
          'timeGets',
        );
        if (result.status !== 200 || result.records < online.records)
          throw new Error(
            `${variant}: offline read answered ${result.status} with ${result.records} records`,
          );
        const expected = online.records + (isOurs(variant) ? PENDING_WRITES : 0);
        ctx.recorder.add('rest-offline-read-missing', variant, rep, expected - result.records);
        ctx.recorder.add('rest-offline-read-p50', variant, rep, quantile(result.durationsMs, 0.5));
      });
    }
    ctx.log(`plain REST, offline read: repetition ${rep + 1}`);
  }
}

/**
 * Queue `writes` offline and replay them, each variant against a json-server reset to the same seed (so both pull
 * the same list at sign-in and json-server's `max + 1` id costs the same).
 */
async function replays(
  ctx: BenchContext,
  backend: RestBackend,
  seed: Record<string, Record<string, unknown>[]>,
  which: 'sequential' | 'latency',
  budgetMs: number,
): Promise<void> {
  const latencyMs = which === 'latency' ? ctx.options.latencyMs : 0;
  for (const rep of budgeted(ctx.options.reps, budgetMs)) {
    for (const variant of inOrder(QUEUE_VARIANTS, rep)) {
      backend.reset(seed);
      await withSession(ctx, variant, (s) =>
        queueAndReplay(ctx, s, {
          mode: which === 'sequential' ? 'sequential' : 'burst',
          writes: ctx.options.writes,
          latencyMs,
          rep,
          enqueue:
            which === 'sequential'
              ? { p50: 'rest-enqueue-seq-p50', total: 'rest-enqueue-seq-total' }
              : { total: 'rest-enqueue-burst-total' },
          replay: which === 'sequential' ? 'rest-replay-0' : 'rest-replay-latency',
          backend,
          awaitReplay: chromiumReplayWait(ctx, backend),
        }),
      );
    }
    ctx.log(`plain REST, replay at ${latencyMs} ms: repetition ${rep + 1}`);
  }
}

/** The step `rest`: json-server started for it, every plain-REST measurement, json-server stopped. */
export async function plainRest(ctx: BenchContext, wwwDir: string): Promise<void> {
  const seed = restSeed(ctx.options.readRecords);
  const backend = await startRestBackend(wwwDir, seed);
  const budgets = restBudgets(ctx.options.quick);
  // The same browser, options and recorder; the pages are served by json-server's origin.
  const rest: BenchContext = { ...ctx, baseUrl: backend.url };
  try {
    await onlineGet(rest, budgets.get);
    backend.reset(seed);
    await offlineRead(rest, budgets.read);
    await replays(rest, backend, seed, 'sequential', budgets.sequential);
    await replays(rest, backend, seed, 'latency', budgets.latency);
  } finally {
    await backend.close();
  }
}
