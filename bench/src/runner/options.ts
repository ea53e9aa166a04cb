/**
 * What a run measures and how often, from the environment: `BENCH_REPS` (default 5), `BENCH_LATENCY_MS` (default
 * 20), `BENCH_QUICK=1` (a tenth of the writes, fewer repetitions, results in results/quick/), `BENCH_ONLY`.
 */
import { join } from 'node:path';

export interface ScaleOptions {
  /** Queued writes replayed at scale. */
  writes: number;
  /** Local records held at scale (the parts catalogue pulled into IndexedDB). */
  records: number;
}

export type StepName =
  'online-get' | 'cold-start' | 'offline-read' | 'sequential' | 'burst' | 'first-sync' | 'scale' | 'firefox';

/** What `BENCH_ONLY` can name: the steps, with `scale` also in its two halves (`scale` names both). */
export type SelectableStep =
  | Exclude<StepName, 'scale'>
  | 'scale-first-sync'
  | 'scale-queue'
  /** The plain-REST rows (json-server as the backend, `rest.ts`), with their own time budgets. */
  | 'rest';

const STEP_NAMES: readonly string[] = [
  'online-get',
  'cold-start',
  'offline-read',
  'sequential',
  'burst',
  'first-sync',
  'scale',
  'scale-first-sync',
  'scale-queue',
  'rest',
  'firefox',
];

/** Whether a run limited to `only` (null: everything) runs `step`. */
export function selected(only: readonly string[] | null, step: SelectableStep): boolean {
  if (only === null || only.includes(step)) return true;
  return step.startsWith('scale-') && only.includes('scale');
}

/** The Firefox pass (`firefox`): its page-side steps, kept short (well under 90 s in a full run). */
export interface FirefoxOptions {
  /** Most repetitions of its online GET and offline read (the replay runs once). */
  reps: number;
  /** Writes queued offline one after another, then replayed. */
  writes: number;
  /**
   * Firefox stops a service worker this long after its last event (`dom.serviceWorkers.idle_timeout`, 30 s by
   * default), set short so that a stop and the next start fit in the pass.
   */
  workerIdleMs: number;
  /** How long the page keeps making requests after the server returns, waiting for the Workbox replay, ms. */
  inUseMs: number;
}

export interface BenchOptions {
  /** Most repetitions of each measurement. */
  reps: number;
  /**
   * Time each step may take, ms: a step repeats (up to `reps`, at least once) while its budget lasts, so that a full
   * run stays under 10 minutes on 2 cores however slow a variant is. The slow ones (a replay of 1,000 writes over
   * 20 ms round trips takes the Workbox recipe about 40 s) get fewer repetitions; the report gives their count.
   */
  budgetsMs: Record<StepName, number>;
  /** Longest wait for one replay to finish, ms; past it the replay is reported INCOMPLETE (how far it got). */
  replayCapMs: number;
  /** Server latency of the "mobile round trip" replay, ms. */
  latencyMs: number;
  /** Writes per queue measurement. */
  writes: number;
  /** Records in the offline-read collection. */
  readRecords: number;
  /** Timed requests per repetition of the online GET and offline read. */
  requests: number;
  /** Parts in the catalogue of the first sync after sign-in. */
  catalogue: number;
  /** Null: skip the scale measurements. */
  scale: ScaleOptions | null;
  firefox: FirefoxOptions;
  /**
   * Run only these steps (`BENCH_ONLY=online-get,scale`); null: all. For working on one measurement: such a run writes
   * results/only/ and not RESULTS.md, whose figures must all come from one full run.
   */
  only: string[] | null;
  quick: boolean;
  /** Where latest.json, latest.svg, latest.png go. */
  resultsDir: string;
  /** Where RESULTS.md goes (null: don't write it). */
  resultsMarkdown: string | null;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
  return value;
}

export function readOptions(env: NodeJS.ProcessEnv, benchDir: string): BenchOptions {
  const quick = env.BENCH_QUICK === '1';
  const reps = Math.max(1, positiveInt(env, 'BENCH_REPS', quick ? 2 : 5));
  const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((step) => step.trim()) : null;
  const unknown = only?.filter((step) => !STEP_NAMES.includes(step)) ?? [];
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY names no step "${unknown.join('", "')}"; steps: ${STEP_NAMES.join(', ')}`);
  return {
    reps,
    budgetsMs: quick
      ? {
          'online-get': 15_000,
          'cold-start': 15_000,
          'offline-read': 15_000,
          sequential: 30_000,
          burst: 30_000,
          'first-sync': 15_000,
          scale: 60_000,
          firefox: 20_000,
        }
      : {
          'online-get': 30_000,
          'cold-start': 40_000,
          'offline-read': 40_000,
          sequential: 140_000,
          burst: 110_000,
          'first-sync': 20_000,
          // Scale runs once; its replay has its own cap.
          scale: 0,
          // The Firefox pass's reads; its replay runs once, bounded by `firefox.inUseMs` and the idle wait.
          firefox: 25_000,
        },
    replayCapMs: quick ? 30_000 : 60_000,
    latencyMs: positiveInt(env, 'BENCH_LATENCY_MS', 20),
    writes: quick ? 100 : 1000,
    readRecords: quick ? 200 : 1000,
    requests: quick ? 30 : 50,
    catalogue: quick ? 2000 : 10_000,
    scale: quick ? { writes: 500, records: 5000 } : { writes: 10_000, records: 100_000 },
    firefox: {
      reps: Math.min(reps, quick ? 1 : 2),
      writes: quick ? 100 : 200,
      workerIdleMs: 10_000,
      inUseMs: quick ? 10_000 : 20_000,
    },
    only,
    quick,
    // Quick and partial runs are for development: they must not overwrite the committed figures of the last full run.
    resultsDir: join(benchDir, 'results', quick ? 'quick' : only ? 'only' : ''),
    resultsMarkdown: quick || only ? null : join(benchDir, 'RESULTS.md'),
  };
}
