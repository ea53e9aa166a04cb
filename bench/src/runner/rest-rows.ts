/**
 * The report's "Plain REST" rows (`rest.ts` measures them): ours configured for a plain REST API (`ours-rest`)
 * against the Workbox recipe, both in front of json-server in the same run. Same targets as the protocol rows where
 * the issue sets one for plain REST; the replays go one by one (the only way for plain REST), so the 20 ms replay has
 * the one-by-one target (≥ 4× faster) and the 0 ms replay is reported.
 */
import type { Check, Recorder } from './record.js';
import { selected, type BenchOptions } from './options.js';
import { checksPass, paired, ratioRow, type Row } from './targets.js';

/** Empty when the run did not include the `rest` step (a `BENCH_ONLY` run of other steps). */
export function restRows(rec: Recorder, options: BenchOptions): Row[] {
  if (!selected(options.only, 'rest')) return [];
  const n = options.writes.toLocaleString('en');
  const v = (id: Parameters<Recorder['values']>[0], variant: 'ours-rest' | 'workbox'): number[] =>
    rec.values(id, variant);
  const c = (id: Parameters<Recorder['checksOf']>[0], variant: 'ours-rest' | 'workbox'): Check[] =>
    rec.checksOf(id, variant);
  // Creates of distinct records, sent `concurrency` at a time: the order promised is per record (as in the protocol
  // row "without batch push"), so inversions of the server's id order are reported, not failed.
  const oneByOne = (
    id: 'rest-replay-0' | 'rest-replay-latency',
  ): {
    ours: Check[];
    workbox: Check[];
    orderMatters: boolean;
  } => ({ ours: c(id, 'ours-rest'), workbox: c(id, 'workbox'), orderMatters: false });

  const read = ratioRow(
    `Plain REST: offline read of ${options.readRecords.toLocaleString('en')} records, p50 (ours with 10 pending writes overlaid)`,
    'ms',
    v('rest-offline-read-p50', 'ours-rest'),
    v('rest-offline-read-p50', 'workbox'),
    1.0,
    'ratio ≤ 1.0',
  );
  const missing = (variant: 'ours-rest' | 'workbox'): number =>
    Math.max(0, ...v('rest-offline-read-missing', variant));
  if (read.ours !== null) {
    const ours = missing('ours-rest');
    const workbox = missing('workbox');
    read.correctness =
      `ours: ${ours === 0 ? 'list + pending creates, complete' : `MISSING ${ours} records`}; ` +
      `Workbox: ${workbox === 0 ? 'list complete (no pending writes shown)' : `missing ${workbox} records`}`;
    if (ours > 0 && read.pass !== null) read.pass = false;
  }

  const replay0 = ratioRow(
    `Plain REST: replay of ${n} queued writes, server latency 0 ms, one by one`,
    'ms',
    v('rest-replay-0', 'ours-rest'),
    v('rest-replay-0', 'workbox'),
    Number.POSITIVE_INFINITY,
    'reported',
    { checks: oneByOne('rest-replay-0') },
  );
  // No target of its own: only a wrong answer fails it.
  const correct0 = checksPass(oneByOne('rest-replay-0').ours, false);
  replay0.pass = replay0.ratio === null ? null : correct0 ? null : false;
  replay0.chart = null;

  return [
    ratioRow(
      'Plain REST: online GET of 100 records: extra p50 latency over no service worker',
      'ms',
      paired(rec, 'rest-get-p50', 'ours-rest', 'none'),
      paired(rec, 'rest-get-p50', 'workbox', 'none'),
      1.0,
      'ratio ≤ 1.0 (aim ≤ 0.7)',
      { aim: 0.7 },
    ),
    read,
    ratioRow(
      `Plain REST: offline enqueue of ${n} writes one after another: p50 per write`,
      'ms',
      v('rest-enqueue-seq-p50', 'ours-rest'),
      v('rest-enqueue-seq-p50', 'workbox'),
      0.5,
      'ratio ≤ 0.5',
    ),
    ratioRow(
      `Plain REST: offline enqueue of ${n} writes one after another: total`,
      'ms',
      v('rest-enqueue-seq-total', 'ours-rest'),
      v('rest-enqueue-seq-total', 'workbox'),
      0.5,
      'ratio ≤ 0.5',
    ),
    replay0,
    ratioRow(
      `Plain REST: replay of ${n} queued writes, server latency ${options.latencyMs} ms, one by one`,
      'ms',
      v('rest-replay-latency', 'ours-rest'),
      v('rest-replay-latency', 'workbox'),
      0.25,
      '≥ 4× faster, order per record kept',
      { checks: oneByOne('rest-replay-latency') },
    ),
  ];
}
