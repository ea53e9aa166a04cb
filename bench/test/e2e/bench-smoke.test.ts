import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../src/runner/browser.js';
import { burstQueue, sequentialQueue, type BenchContext } from '../../src/runner/measurements.js';
import { readOptions } from '../../src/runner/options.js';
import { Recorder } from '../../src/runner/record.js';
import { plainRest } from '../../src/runner/rest.js';
import { MockControl, startBenchServer, type BenchServer } from '../../src/runner/server.js';
import { parseWriteTitle } from '../../src/shared/page-api.js';
import { mockClient } from '../../../test/harness/mock.js';
import { REPO_ROOT } from '../../../test/harness/paths.js';

const WRITES = 5;

/**
 * The benchmark's harness end to end, small: a few writes queued offline and replayed, through both service workers
 * as `npm run bench` builds them. It asserts on what the server holds, never on speed (speed is for the benchmark).
 */
describe('bench harness (smoke)', () => {
  let server: BenchServer;
  let browser: Browser;
  let ctx: BenchContext;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bench/build.mjs')], {
      cwd: REPO_ROOT,
    });
    server = await startBenchServer(path.join(REPO_ROOT, 'bench/dist/www'), 200);
    browser = await launchChromium();
    const options = {
      ...readOptions({ BENCH_QUICK: '1', BENCH_REPS: '1', BENCH_LATENCY_MS: '5' }, '/unused'),
      writes: WRITES,
    };
    ctx = {
      browser,
      baseUrl: server.url,
      mock: new MockControl(server.url),
      options,
      recorder: new Recorder(),
      log: () => undefined,
    };
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Issue indices of the bench writes the server holds, per run tag, in the server's creation order. */
  async function heldByRun(): Promise<Map<string, number[]>> {
    const records = await mockClient(server.url).liveRecords('work-orders');
    const byRun = new Map<string, number[]>();
    const ordered = [...records].sort(
      (a, b) => Number(a.id.replace(/\D/g, '')) - Number(b.id.replace(/\D/g, '')),
    );
    for (const record of ordered) {
      const tag = typeof record.title === 'string' ? /^bench (\S+) #/.exec(record.title)?.[1] : undefined;
      const index = tag === undefined ? null : parseWriteTitle(tag, record.title);
      if (tag === undefined || index === null) continue;
      byRun.set(tag, [...(byRun.get(tag) ?? []), index]);
    }
    return byRun;
  }

  it('replays writes queued one after another through both service workers: each reaches the server once, in order', async () => {
    await sequentialQueue(ctx);
    const held = await heldByRun();
    for (const variant of ['workbox', 'ours']) {
      const runs = [...held.entries()].filter(([tag]) => tag.startsWith(`${variant}-sequential-`));
      expect(runs, `${variant}: one run on the server`).toHaveLength(1);
      expect(runs[0]?.[1], `${variant}: what the server holds`).toEqual([0, 1, 2, 3, 4]);
    }
    // The harness measured what it claims to: a replay time for each variant, and it judged the server as we do.
    for (const variant of ['workbox', 'ours'] as const) {
      expect(ctx.recorder.values('replay-0', variant)).toHaveLength(1);
      expect(ctx.recorder.checksOf('replay-0', variant).map((c) => c.lost + c.duplicated)).toEqual([0]);
    }
  });

  it('replays a burst of writes at a server latency, with and without batch push: none lost or duplicated', async () => {
    await burstQueue(ctx);
    const held = await heldByRun();
    for (const variant of ['workbox', 'ours', 'ours-nobatch']) {
      const runs = [...held.entries()].filter(([tag]) => tag.startsWith(`${variant}-burst-`));
      expect(runs, `${variant}: one run on the server`).toHaveLength(1);
      const indices = runs[0]?.[1] ?? [];
      // Only batch push promises issue order for a burst of independent creates (Workbox does not, and one by one
      // the module sends independent records several at a time); the set must be whole for all.
      expect([...indices].sort(), `${variant}: what the server holds`).toEqual([0, 1, 2, 3, 4]);
      if (variant === 'ours') expect(indices, `${variant}: issue order kept`).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('replays writes through a plain-REST configuration and the Workbox recipe against json-server: each once', async () => {
    // Its own recorder: the step's checks are judged from what json-server held after each replay.
    const rest: BenchContext = { ...ctx, recorder: new Recorder() };
    await plainRest(rest, path.join(REPO_ROOT, 'bench/dist/www'));
    for (const variant of ['workbox', 'ours-rest'] as const) {
      for (const id of ['rest-replay-0', 'rest-replay-latency'] as const) {
        const checks = rest.recorder.checksOf(id, variant);
        expect(checks, `${variant} ${id}: one replay`).toHaveLength(1);
        expect(
          checks.map((c) => ({ completed: c.completed, lost: c.lost, duplicated: c.duplicated })),
          `${variant} ${id}: what json-server holds`,
        ).toEqual([{ completed: true, lost: 0, duplicated: 0 }]);
        expect(checks[0]?.answered).toBe(variant === 'workbox' ? `failed fetch×${WRITES}` : `202×${WRITES}`);
      }
      expect(rest.recorder.values('rest-offline-read-missing', variant)).toEqual([0]);
    }
    expect(rest.recorder.values('rest-get-p50', 'ours-rest')).toHaveLength(1);
  }, 180_000);
});
