// `npm test`: what a fresh Debian/Ubuntu machine lacks (test/install-deps.sh), the build, then every check and test
// project, in one of two schedules.
//
// Lanes (the default): three at once, because the browser projects spend most of their time waiting on browsers and
// servers (measured: 0.4 of one core over the e2e project) while the checks keep a core busy:
//   e2e:      test:e2e (Chromium), one file at a time (vitest.config.ts says why);
//   engines:  test:engines (Chromium, Firefox, WebKitGTK), one file at a time: beside e2e, so at most two browsers;
//   checks:   typecheck, lint, deps, format:check, test:package, test:unit, each held to ONE core
//             (OFFLINE_KIT_CORES=1: one tsc at a time, eslint without threads, one vitest worker) and run at the
//             lowest CPU priority (`nice -n 19`), so the browsers always get the CPU they ask for first. An earlier
//             schedule whose checks used both cores at equal priority made service-worker timings fail: load at the
//             browsers' priority, not the number of lanes, is what breaks them.
// Serial (`--serial`): one task after another, each with every core; the checks first, as they fail fastest.
//
// Every task runs even when another failed; each one's output is printed whole when it ends (never interleaved),
// and a summary with each task's time and the names of the failed tests comes last.
import { spawn, spawnSync } from 'node:child_process';

/** What each task is run with when it shares the machine with the browser lane: one core. */
const ONE_CORE = {
  typecheck: [],
  lint: ['--concurrency', 'off'],
  deps: [],
  'format:check': [],
  'test:package': [],
  'test:unit': ['--maxWorkers=1'],
};
const LANES = {
  e2e: ['test:e2e'],
  engines: ['test:engines'],
  checks: Object.keys(ONE_CORE),
};
/** One after another: the checks first (they fail fastest). */
const SERIAL = [...LANES.checks, ...LANES.e2e, ...LANES.engines];
const serial = process.argv.includes('--serial');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** `nice` (coreutils) where there is one. */
const NICE = process.platform !== 'win32' && spawnSync('nice', ['true']).status === 0;
const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/**
 * Runs `npm run <script>`; `stream` shows its output as it comes, else it is kept and printed whole at the end.
 * After the build, `OFFLINE_KIT_FRESH_BUILD=1` tells the tests not to rebuild a dist/ another lane is reading.
 */
function run(script, stream, fresh = true, oneCore = false) {
  const begun = Date.now();
  return new Promise((resolve) => {
    const extra = oneCore ? (ONE_CORE[script] ?? []) : [];
    const args = ['run', script, ...(extra.length > 0 ? ['--', ...extra] : [])];
    // Beside the browsers, at the lowest CPU priority: the checks take only the time the browsers leave, so a
    // service-worker test never waits for a type-check (measured: at equal priority the e2e project took 569 s
    // instead of about 400).
    const [command, commandArgs] = oneCore && NICE ? ['nice', ['-n', '19', npm, ...args]] : [npm, args];
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0'),
        ...(fresh ? { OFFLINE_KIT_FRESH_BUILD: '1' } : {}),
        ...(oneCore ? { OFFLINE_KIT_CORES: '1' } : {}),
      },
    });
    const chunks = [];
    // Kept even when streamed: the summary names the failed tests, because a CI log is often read from its end.
    const keep = (out) => (chunk) => {
      chunks.push(chunk);
      if (stream) out.write(chunk);
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    child.on('close', (code, signal) => {
      const ms = Date.now() - begun;
      const ok = code === 0;
      if (!stream) {
        const state = ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`;
        process.stdout.write(`\n──── ${script}: ${state} in ${seconds(ms)} ────\n`);
        process.stdout.write(Buffer.concat(chunks));
      }
      resolve({ script, ok, ms, failures: ok ? [] : failedTests(Buffer.concat(chunks).toString()) });
    });
  });
}

/**
 * The failed tests vitest names in `output` (its ` FAIL  file > suite > test` lines, with the first error line under
 * each), or the last lines of output for a task that is not vitest (tsc, eslint, prettier print their own).
 */
function failedTests(output) {
  // eslint-disable-next-line no-control-regex -- the colour codes vitest and npm write
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!/^FAIL\s/.test(line)) continue;
    const reason = lines
      .slice(i + 1, i + 8)
      .map((l) => l.trim())
      .find(
        (l) =>
          /^(\w*Error|AssertionError|Error|TypeError|expected|Timed out|Test timed out)\b/i.test(l) ||
          /Error:/.test(l),
      );
    const entry = reason ? `${line}\n          ${reason.slice(0, 240)}` : line;
    if (!found.includes(entry)) found.push(entry);
  }
  if (found.length > 0) return found.slice(0, 40);
  return lines
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0)
    .slice(-12);
}

async function lane(scripts, oneCore = false) {
  const results = [];
  for (const script of scripts) {
    process.stdout.write(`▶ ${script} (at ${seconds(Date.now() - started)})\n`);
    results.push(await run(script, serial, true, oneCore));
  }
  return results;
}

// A fresh Debian/Ubuntu machine gets the browsers, drivers and PostgreSQL the tests need (nothing when present).
if (process.platform === 'linux')
  spawnSync('bash', [new URL('./install-deps.sh', import.meta.url).pathname], { stdio: 'inherit' });
const build = await run('build', true, false);
if (!build.ok) {
  process.stdout.write(`\nbuild failed after ${seconds(build.ms)}: nothing else ran\n`);
  process.exit(1);
}
const results = [build];
if (serial) results.push(...(await lane(SERIAL)));
else
  results.push(
    ...(await Promise.all([lane(LANES.e2e), lane(LANES.engines), lane(LANES.checks, true)])).flat(),
  );

process.stdout.write('\n──── summary ────\n');
for (const r of results)
  process.stdout.write(`${r.ok ? '  ok  ' : 'FAILED'}  ${r.script.padEnd(14)} ${seconds(r.ms)}\n`);
const failed = results.filter((r) => !r.ok);
for (const r of failed) {
  process.stdout.write(`\n${r.script} failed:\n`);
  for (const line of r.failures) process.stdout.write(`  ${line}\n`);
}
process.stdout.write(
  `${failed.length === 0 ? 'all passed' : `${failed.length} failed: ${failed.map((r) => r.script).join(', ')}`}` +
    ` in ${seconds(Date.now() - started)} (${serial ? 'serial' : 'three lanes'})\n`,
);
process.exit(failed.length === 0 ? 0 : 1);
