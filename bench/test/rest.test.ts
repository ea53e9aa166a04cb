import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge } from '../src/runner/correctness.js';
import { readOptions, selected } from '../src/runner/options.js';
import { Recorder, type Check } from '../src/runner/record.js';
import { countsOf, jsonServerRecords, startRestBackend } from '../src/runner/rest-backend.js';
import { restRows } from '../src/runner/rest-rows.js';
import { budgeted, restBudgets, restSeed } from '../src/runner/rest.js';
import { parseWriteTitle, writeTitle } from '../src/shared/page-api.js';

function check(
  variant: Check['variant'],
  measurement: Check['measurement'],
  over: Partial<Check> = {},
): Check {
  return {
    measurement,
    variant,
    rep: 0,
    issued: 1000,
    completed: true,
    waitedMs: 1,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    answered: variant === 'workbox' ? 'failed fetch×1000' : '202×1000',
    answeredAsPromised: true,
    nudged: false,
    ...over,
  };
}

/** A run's raw figures for the plain-REST rows: ours 5× faster at 20 ms, every replay correct unless `over` says. */
function recorded(over: { latencyOurs?: Partial<Check>; zeroOurs?: Partial<Check> } = {}): Recorder {
  const rec = new Recorder();
  rec.add('rest-get-p50', 'none', 0, 7);
  rec.add('rest-get-p50', 'workbox', 0, 12);
  rec.add('rest-get-p50', 'ours-rest', 0, 10);
  rec.add('rest-offline-read-p50', 'workbox', 0, 6);
  rec.add('rest-offline-read-p50', 'ours-rest', 0, 3);
  rec.add('rest-offline-read-missing', 'workbox', 0, 0);
  rec.add('rest-offline-read-missing', 'ours-rest', 0, 0);
  rec.add('rest-enqueue-seq-p50', 'workbox', 0, 6);
  rec.add('rest-enqueue-seq-p50', 'ours-rest', 0, 4);
  rec.add('rest-enqueue-seq-total', 'workbox', 0, 6000);
  rec.add('rest-enqueue-seq-total', 'ours-rest', 0, 4000);
  rec.add('rest-replay-0', 'workbox', 0, 6000);
  rec.add('rest-replay-0', 'ours-rest', 0, 3000);
  rec.add('rest-replay-latency', 'workbox', 0, 27_000);
  rec.add('rest-replay-latency', 'ours-rest', 0, 5400);
  rec.checks.push(
    check('workbox', 'rest-replay-0'),
    check('ours-rest', 'rest-replay-0', over.zeroOurs),
    check('workbox', 'rest-replay-latency'),
    check('ours-rest', 'rest-replay-latency', over.latencyOurs),
  );
  return rec;
}

describe('plain-REST rows', () => {
  const options = readOptions({}, '/bench');
  const row = (rows: ReturnType<typeof restRows>, start: string) => {
    const found = rows.find((r) => r.label.startsWith(start));
    if (found === undefined) throw new Error(`no row "${start}"`);
    return found;
  };

  it('are labelled "Plain REST", compare ours-rest with Workbox, and meet the one-by-one target at 5× faster', () => {
    const rows = restRows(recorded(), options);
    expect(rows.length).toBe(6);
    expect(rows.every((r) => r.label.startsWith('Plain REST: '))).toBe(true);
    const get = row(rows, 'Plain REST: online GET');
    // Extra latency over no service worker, paired per repetition: 3 ms against 5 ms.
    expect(get.ours?.median).toBe(3);
    expect(get.ratio).toBeCloseTo(0.6);
    const replay = row(rows, 'Plain REST: replay of 1,000 queued writes, server latency 20 ms');
    expect(replay.ratio).toBeCloseTo(0.2);
    expect(replay.pass).toBe(true);
    expect(replay.correctness).toBe('ours: once, in order ×1; Workbox: once, in order ×1');
    // The 0 ms replay has no target: reported, not passed or failed on speed.
    expect(row(rows, 'Plain REST: replay of 1,000 queued writes, server latency 0 ms').pass).toBeNull();
  });

  it('fail a replay that lost or duplicated a write whatever its speed, and report inversions of independent creates', () => {
    const lost = restRows(recorded({ latencyOurs: { lost: 1 } }), options);
    expect(row(lost, 'Plain REST: replay of 1,000 queued writes, server latency 20 ms').pass).toBe(false);
    const doubled = restRows(recorded({ zeroOurs: { duplicated: 2 } }), options);
    const zero = row(doubled, 'Plain REST: replay of 1,000 queued writes, server latency 0 ms');
    expect(zero.pass).toBe(false);
    expect(zero.correctness).toContain('DUPLICATED 2');
    // Creates of distinct records sent side by side: their server order is not promised (order is per record).
    const inverted = restRows(recorded({ latencyOurs: { reordered: 3 } }), options);
    const replay = row(inverted, 'Plain REST: replay of 1,000 queued writes, server latency 20 ms');
    expect(replay.pass).toBe(true);
    expect(replay.correctness).toContain('order not kept (3 inversions)');
  });

  it('fail the offline read when ours lacks records, and are left out of runs that did not measure them', () => {
    const rec = recorded();
    rec.add('rest-offline-read-missing', 'ours-rest', 1, 4);
    const read = row(restRows(rec, options), 'Plain REST: offline read');
    expect(read.pass).toBe(false);
    expect(read.correctness).toContain('MISSING 4 records');
    expect(restRows(rec, readOptions({ BENCH_ONLY: 'burst' }, '/bench'))).toEqual([]);
    expect(restRows(rec, readOptions({ BENCH_ONLY: 'rest' }, '/bench'))).toHaveLength(6);
    expect(selected(readOptions({ BENCH_ONLY: 'rest' }, '/bench').only, 'rest')).toBe(true);
  });
});

describe('plain-REST step', () => {
  it('repeats within its budget, at least once, judged by the previous repetition', () => {
    let now = 0;
    const reps: number[] = [];
    for (const rep of budgeted(5, 100, () => now)) {
      reps.push(rep);
      now += 40;
    }
    // 0 → 40 → 80; a third would end at 120 > 100.
    expect(reps).toEqual([0, 1]);
    const once: number[] = [];
    for (const rep of budgeted(5, 10, () => now)) {
      once.push(rep);
      now += 1000;
    }
    expect(once).toEqual([0]);
    const full = restBudgets(false);
    // About two minutes in a full run; a quick run much less.
    expect(full.get + full.read + full.sequential + full.latency).toBeLessThanOrEqual(140_000);
    const quick = restBudgets(true);
    expect(quick.get + quick.read + quick.sequential + quick.latency).toBeLessThan(60_000);
  });

  it('seeds json-server with numeric ids, 1,000 parts and a list that fits the pending creates', () => {
    const seed = restSeed(1000);
    expect(seed.parts).toHaveLength(1000);
    expect(seed['work-orders']).toHaveLength(990);
    expect(seed['work-orders']?.map((r) => r.id).slice(0, 3)).toEqual([1, 2, 3]);
    // The seed is no run's writes.
    expect(parseWriteTitle('ours-rest-sequential-1-0', seed['work-orders']?.[0]?.title)).toBeNull();
  });

  it('judges json-server records by their numeric ids, in number order, not string order', () => {
    const tag = 'ours-rest-burst-1-2';
    const held = jsonServerRecords([
      { id: 9, title: writeTitle(tag, 0) },
      { id: 10, title: writeTitle(tag, 1) },
      { id: 11, title: writeTitle(tag, 1) },
      { id: 1, title: 'Fix the roof leak' },
    ]);
    expect(held.map((r) => r.id)).toEqual(['9', '10', '11', '1']);
    expect(judge(held, tag, 3)).toEqual({ lost: 1, duplicated: 1, reordered: 0 });
    expect(
      judge(
        jsonServerRecords([
          { id: 10, title: writeTitle(tag, 0) },
          { id: 9, title: writeTitle(tag, 1) },
        ]),
        tag,
        2,
      ),
    ).toEqual({ lost: 0, duplicated: 0, reordered: 1 });
    expect(() => jsonServerRecords([{ title: 'no id' }])).toThrow(/without an id/);
    expect(countsOf({ 'work-orders': [{}, {}], parts: [], $schema: 'x' })).toEqual({
      'work-orders': 2,
      parts: 0,
    });
  });
});

describe('plain-REST backend (json-server behind the bench origin)', () => {
  it('serves the pages, answers sign-in, applies writes as json-server does, and delays /api by its latency', async () => {
    const www = await mkdtemp(path.join(tmpdir(), 'bench-rest-www-'));
    await writeFile(path.join(www, 'index.html'), '<!doctype html><title>bench</title>');
    const backend = await startRestBackend(www, restSeed(20));
    try {
      const page = await fetch(`${backend.url}/index.html`);
      expect(page.status).toBe(200);
      const login = await fetch(`${backend.url}/api/auth/login`, { method: 'POST', body: '{}' });
      expect(await login.json()).toEqual({ token: 'json-server-ignores-this' });

      const created = await fetch(`${backend.url}/api/work-orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: writeTitle('t', 0) }),
      });
      expect(created.status).toBe(201);
      // json-server's own id: the highest held + 1.
      expect(await created.json()).toEqual({ id: 11, title: writeTitle('t', 0) });
      expect(await backend.count('work-orders')).toBe(11);
      expect(judge(await backend.records('work-orders'), 't', 1)).toEqual({
        lost: 0,
        duplicated: 0,
        reordered: 0,
      });
      const state: unknown = await (await fetch(`${backend.url}/__mock/state`)).json();
      expect(state).toEqual({ counts: { parts: 1000, 'work-orders': 11 } });
      const list: unknown = await (await fetch(`${backend.url}/api/parts?_limit=100`)).json();
      expect(Array.isArray(list) && list.length).toBe(100);

      await backend.latency(60);
      const start = performance.now();
      await (await fetch(`${backend.url}/api/work-orders/1`)).json();
      expect(performance.now() - start).toBeGreaterThanOrEqual(55);
      await backend.latency(0);

      backend.reset(restSeed(20));
      expect(await backend.count('work-orders')).toBe(10);
    } finally {
      await backend.close();
      await rm(www, { recursive: true, force: true });
    }
  });
});
