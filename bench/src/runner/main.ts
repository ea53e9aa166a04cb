/**
 * `npm run bench`: server-mock and headless Chromium in one process, every measurement for every variant, then the
 * table on stdout, the raw figures (results/latest.json), the chart (latest.svg, and latest.png rendered by the same
 * Chromium) and RESULTS.md. A quick run (BENCH_QUICK=1) writes to results/quick/ and leaves RESULTS.md alone.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { launchChromium } from './browser.js';
import { firefoxPass } from './firefox.js';
import { machineInfo, type MachineInfo } from './machine.js';
import {
  burstQueue,
  firstSync,
  offlineRead,
  onlineGet,
  coldStart,
  scaleFirstSync,
  scaleQueue,
  sequentialQueue,
  type BenchContext,
} from './measurements.js';
import { readOptions, selected, type BenchOptions, type SelectableStep } from './options.js';
import { Recorder } from './record.js';
import { plainRest } from './rest.js';
import { restRows } from './rest-rows.js';
import { markdownTable, textTable } from './report/table.js';
import { renderSvg } from './report/svg.js';
import { MockControl, startBenchServer } from './server.js';
import { buildRows, type BundleSizes, type Row } from './targets.js';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const wwwDir = join(benchDir, 'dist', 'www');

async function readSizes(): Promise<BundleSizes | null> {
  try {
    const raw: unknown = JSON.parse(await readFile(join(wwwDir, 'sizes.json'), 'utf8'));
    const gzip = (name: string): number | null => {
      const entry = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : null;
      const value = typeof entry === 'object' && entry !== null ? (entry as { gzip?: unknown }).gzip : null;
      return typeof value === 'number' ? value : null;
    };
    const ours = gzip('offline-kit-sw');
    const workbox = gzip('workbox-sw');
    const workboxApp = gzip('workbox-app');
    const withOfflineKit = gzip('workbox-app-offline-kit');
    const app = workboxApp === null || withOfflineKit === null ? null : { workboxApp, withOfflineKit };
    return ours === null || workbox === null ? null : { ours, workbox, app };
  } catch {
    return null;
  }
}

function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}, Chromium ${m.chromium}${m.firefox ? `, Firefox ${m.firefox}` : ''}`;
}

function markdown(
  rows: Row[],
  options: BenchOptions,
  machine: MachineInfo,
  at: string,
  minutes: number,
  notes: string[],
): string {
  return `# Benchmark results

Latest full run of \`npm run bench\` (${at}, ${minutes.toFixed(1)} min), on: ${describeMachine(machine)}.
Each measurement repeats up to ${options.reps} times while its step's time budget lasts (at least once), so the slow
replays get fewer repetitions: the Offline Kit and Workbox columns give each median with its min–max, and
[results/latest.json](results/latest.json) the count. A replay still unfinished after ${options.replayCapMs / 1000} s is
reported INCOMPLETE. Variants run in alternating order, each in a fresh browser context; scale measurements run once.
Raw figures: [results/latest.json](results/latest.json). What the figures mean and why some targets are missed:
[README.md](README.md).

${markdownTable(rows)}

![Ratios against their targets](results/latest.svg)
${notes.length > 0 ? `\nNotes from the run:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
}

async function main(): Promise<void> {
  const options = readOptions(process.env, benchDir);
  const startedAt = new Date();
  const log = (message: string): void =>
    console.info(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s] ${message}`);
  const sizes = await readSizes();
  const server = await startBenchServer(wwwDir, 1000);
  const browser = await launchChromium();
  const recorder = new Recorder();
  let crashed = false;
  let firefoxVersion: string | null = null;
  try {
    const ctx: BenchContext = {
      browser,
      baseUrl: server.url,
      mock: new MockControl(server.url),
      options,
      recorder,
      log,
    };
    log(`bench: ${options.quick ? 'quick' : 'full'} run, server ${server.url}`);
    const steps: [SelectableStep, (c: BenchContext) => Promise<void>][] = [
      ['online-get', onlineGet],
      ['cold-start', coldStart],
      ['offline-read', offlineRead],
      ['sequential', sequentialQueue],
      ['burst', burstQueue],
      ['first-sync', firstSync],
      ['scale-first-sync', scaleFirstSync],
      ['scale-queue', scaleQueue],
      // Its own backend (json-server) on its own origin, so it needs the pages' directory.
      ['rest', (c) => plainRest(c, wwwDir)],
      [
        'firefox',
        async (c) => {
          firefoxVersion = await firefoxPass(c);
        },
      ],
    ];
    for (const [name, step] of steps) {
      if (!selected(options.only, name)) continue;
      try {
        await step(ctx);
      } catch (error) {
        crashed = true;
        const message = error instanceof Error ? error.message : String(error);
        recorder.notes.push(`${name} did not complete: ${message}`);
        console.error(`bench: ${name} did not complete: ${message}`);
      }
    }
    const machine = machineInfo(browser.version(), firefoxVersion);
    const minutes = (Date.now() - startedAt.getTime()) / 60_000;
    const rows = [...buildRows(recorder, options, sizes), ...restRows(recorder, options)];
    console.info(`\n${textTable(rows)}\n`);
    for (const note of recorder.notes) console.info(`note: ${note}`);

    await mkdir(options.resultsDir, { recursive: true });
    const at = startedAt.toISOString();
    const json = {
      at,
      minutes,
      machine,
      options,
      sizes,
      rows,
      samples: recorder.samples,
      checks: recorder.checks,
      notes: recorder.notes,
    };
    await writeFile(join(options.resultsDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
    const svg = renderSvg(rows, `${at.slice(0, 16).replace('T', ' ')} UTC — ${describeMachine(machine)}`);
    await writeFile(join(options.resultsDir, 'latest.svg'), svg);
    const page = await browser.newPage();
    await page.setContent(`<body style="margin:0">${svg}</body>`);
    await page.locator('svg').screenshot({ path: join(options.resultsDir, 'latest.png') });
    await page.close();
    if (options.resultsMarkdown) {
      // Formatted as the repository's format check expects, so a committed RESULTS.md passes `npm test`.
      const text = markdown(rows, options, machine, at, minutes, recorder.notes);
      const config = (await resolveConfig(options.resultsMarkdown)) ?? {};
      await writeFile(options.resultsMarkdown, await format(text, { ...config, parser: 'markdown' }));
    }
    log(
      `bench: wrote ${relative(process.cwd(), options.resultsDir) || '.'}/latest.{json,svg,png}${options.resultsMarkdown ? ' and RESULTS.md' : ''}`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
  if (crashed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
