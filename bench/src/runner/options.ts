/** What a run measures and how often, from the environment (`BENCH_REPS`, `BENCH_LATENCY_MS`, `BENCH_QUICK=1`). */
import { join } from 'node:path';

export interface ScaleOptions {
  /** Queued writes replayed at scale. */
  writes: number;
  /** Local records held at scale (the parts catalogue pulled into IndexedDB). */
  records: number;
}

export interface BenchOptions {
  /** Repetitions of every measurement but the slow one below. */
  reps: number;
  /**
   * Repetitions of the burst + replay at `latencyMs`: the Workbox recipe needs about 30 s per repetition there, so a
   * full run does fewer of them to stay under 10 minutes on 2 cores.
   */
  slowReps: number;
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
  return {
    reps,
    slowReps: quick ? 1 : Math.max(1, Math.ceil(reps / 2)),
    latencyMs: positiveInt(env, 'BENCH_LATENCY_MS', 20),
    writes: quick ? 100 : 1000,
    readRecords: quick ? 200 : 1000,
    requests: quick ? 30 : 100,
    catalogue: quick ? 2000 : 10_000,
    scale: quick ? null : { writes: 10_000, records: 100_000 },
    quick,
    // A quick run is for development: it must not overwrite the committed figures of the last full run.
    resultsDir: join(benchDir, 'results', quick ? 'quick' : ''),
    resultsMarkdown: quick ? null : join(benchDir, 'RESULTS.md'),
  };
}
