import { describe, expect, it } from 'vitest';
import { firstLine, isExpectedLoadFailure } from '../src/runner/firefox.js';
import { readOptions, selected } from '../src/runner/options.js';
import { Recorder, type Check, type WorkerStartReplay } from '../src/runner/record.js';
import { buildRows, describeWorkerStart, firefoxRows } from '../src/runner/targets.js';

const check = (variant: 'ours' | 'workbox', over: Partial<Check> = {}): Check => ({
  measurement: 'firefox-replay-0',
  variant,
  rep: 0,
  issued: 200,
  completed: true,
  waitedMs: 3000,
  lost: 0,
  duplicated: 0,
  reordered: 0,
  answered: variant === 'ours' ? '202×200' : 'failed fetch×200',
  answeredAsPromised: true,
  nudged: false,
  ...over,
});

const neverInUse: WorkerStartReplay = {
  inUseMs: 20_000,
  heldAfterUse: 0,
  idleMs: 15_200,
  heldAfterIdle: 0,
  afterRestartMs: 2884,
};

describe('the Firefox pass: options', () => {
  it('is a step of a full run, selectable by itself, and short: fewer repetitions and writes', () => {
    expect(selected(null, 'firefox')).toBe(true);
    const only = readOptions({ BENCH_ONLY: 'firefox' }, '/bench');
    expect(selected(only.only, 'firefox')).toBe(true);
    expect(selected(only.only, 'online-get')).toBe(false);
    expect(only.resultsMarkdown).toBeNull();
    const full = readOptions({}, '/bench').firefox;
    expect(full.reps).toBeLessThanOrEqual(2);
    expect(full.writes).toBeLessThan(readOptions({}, '/bench').writes);
    // The Workbox wait (in use, then the worker's idle timeout and a margin) must leave room in ~90 s.
    expect(full.inUseMs + full.workerIdleMs).toBeLessThanOrEqual(40_000);
    expect(readOptions({ BENCH_QUICK: '1' }, '/bench').firefox.reps).toBe(1);
    expect(readOptions({ BENCH_REPS: '1' }, '/bench').firefox.reps).toBe(1);
  });

  it('says why Firefox did not start in one line, and keeps only unexpected page errors', () => {
    expect(
      firstLine(new Error('No Firefox found: `sudo apt-get install firefox-esr`\n    at findBinary')),
    ).toBe('No Firefox found: `sudo apt-get install firefox-esr`');
    expect(firstLine('')).toBe('unknown error');
    expect(
      isExpectedLoadFailure(
        'Failed to load ‘http://127.0.0.1:1/api/work-orders’. A ServiceWorker passed a promise to FetchEvent.respondWith() that rejected',
      ),
    ).toBe(true);
    expect(isExpectedLoadFailure('Failed to load ‘http://127.0.0.1:1/bench-page.js’.')).toBe(false);
    expect(isExpectedLoadFailure('TypeError: x is undefined')).toBe(false);
  });
});

describe('the Firefox pass: report rows', () => {
  it('tells phase by phase when a replay could only begin at the worker’s next start', () => {
    expect(describeWorkerStart(neverInUse, 200)).toBe(
      'not replayed in 20 s of use (0 of 200) nor 15 s idle (0 of 200); replayed 2.9 s after the next request restarted the worker',
    );
    expect(describeWorkerStart({ ...neverInUse, afterRestartMs: null }, 200)).toMatch(
      /not after the next request either$/,
    );
    expect(describeWorkerStart({ ...neverInUse, heldAfterUse: 200 }, 200)).toBe(
      'replayed within 20 s while the app was in use',
    );
    expect(describeWorkerStart({ ...neverInUse, heldAfterUse: 12, heldAfterIdle: 200 }, 200)).toBe(
      'not replayed in 20 s of use (12 of 200); replayed while idle, within 15 s',
    );
  });

  it('labels its rows "Firefox:", gives ours / Workbox, and puts the phases on the replay row', () => {
    const rec = new Recorder();
    for (const [variant, value] of [
      ['none', 8],
      ['workbox', 16],
      ['ours', 12],
    ] as const)
      rec.add('firefox-get-p50', variant, 0, value);
    rec.add('firefox-replay-0', 'ours', 0, 3270);
    rec.add('firefox-replay-0', 'workbox', 0, 28_144);
    rec.checks.push(
      check('ours', { workerStart: { ...neverInUse, heldAfterUse: 200 } }),
      check('workbox', { waitedMs: 28_160, workerStart: neverInUse }),
    );
    const options = readOptions({}, '/bench');
    const rows = firefoxRows(rec, options);
    expect(rows.every((row) => row.label.startsWith('Firefox: '))).toBe(true);
    const get = rows[0];
    // Extra latency over no worker in the same Firefox: (12 - 8) / (16 - 8).
    expect(get?.ratio).toBeCloseTo(0.5);
    const replay = rows.find((row) => row.label.includes('replay of 200 queued writes'));
    expect(replay?.ratio).toBeCloseTo(3270 / 28_144);
    // Judged on ours replaying by itself while the app is in use: Workbox's time is set by the pass's phases.
    expect(replay?.pass).toBe(true);
    expect(replay?.correctness).toContain('Workbox: not replayed in 20 s of use (0 of 200)');
    expect(replay?.correctness).toContain('once, in order ×1');
    // Part of the full report, after Chromium's rows.
    expect(
      buildRows(rec, options, null)
        .slice(-rows.length)
        .map((row) => row.label),
    ).toEqual(rows.map((row) => row.label));
  });

  it('passes ours when Workbox never replayed (no ratio); fails a lost write, or a replay that needed a restart', () => {
    const options = readOptions({}, '/bench');
    const never = new Recorder();
    never.add('firefox-replay-0', 'ours', 0, 3270);
    never.checks.push(
      check('ours'),
      check('workbox', {
        completed: false,
        lost: 200,
        waitedMs: 55_000,
        workerStart: { ...neverInUse, afterRestartMs: null },
      }),
    );
    const replay = firefoxRows(never, options).find((row) => row.label.includes('replay of'));
    expect(replay?.ratio).toBeNull();
    expect(replay?.pass).toBe(true);
    expect(replay?.correctness).toContain('INCOMPLETE: the server held 0 of 200 after 55 s');

    const lost = new Recorder();
    lost.add('firefox-replay-0', 'ours', 0, 100);
    lost.add('firefox-replay-0', 'workbox', 0, 28_000);
    lost.checks.push(check('ours', { lost: 1 }), check('workbox'));
    expect(firefoxRows(lost, options).find((row) => row.label.includes('replay of'))?.pass).toBe(false);

    const late = new Recorder();
    late.add('firefox-replay-0', 'ours', 0, 30_000);
    late.checks.push(check('ours', { workerStart: neverInUse }));
    expect(firefoxRows(late, options).find((row) => row.label.includes('replay of'))?.pass).toBe(false);
  });

  it('judges the Firefox offline read on its own figures', () => {
    const rec = new Recorder();
    rec.add('firefox-offline-read-p50', 'ours', 0, 20);
    rec.add('firefox-offline-read-p50', 'workbox', 0, 25);
    rec.add('firefox-offline-read-missing', 'ours', 0, 2);
    rec.add('firefox-offline-read-missing', 'workbox', 0, 0);
    const read = firefoxRows(rec, readOptions({}, '/bench')).find((row) =>
      row.label.includes('offline read'),
    );
    expect(read?.correctness).toContain('MISSING 2 records');
    expect(read?.pass).toBe(false);
  });
});
