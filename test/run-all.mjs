// `npm test`: the build, then every check and test project one after another (the default; see below why), or with
// `--parallel` three lanes at once, because the browser tests spend most of their time waiting on browsers and
// servers (measured: 0.4 of one core over the e2e project) while a check keeps a core busy:
//   e2e:     test:e2e (Chromium, one file at a time);
//   lint:    lint, deps, format:check, then test:engines (one browser at a time);
//   types:   typecheck, test:package, test:unit.
// So at most two browsers run at once, each project still one file at a time (vitest.config.ts says why).
// Every task runs even when another failed; each one's output is printed whole when it ends (never interleaved),
// and a summary with each task's time comes last.
//
// The lanes only help when the cores are free: on a machine other work already keeps busy they would only add load,
// and load is what makes a browser test time out. With `--auto`, after the build the runner looks at how busy the
// cores are (two seconds of /proc/stat through os.cpus(), while nothing of ours runs) and runs the lanes only when
// other work uses less than half of them.
import { spawn } from 'node:child_process';
import os from 'node:os';

const LANES = {
  e2e: ['test:e2e'],
  lint: ['lint', 'deps', 'format:check', 'test:engines'],
  types: ['typecheck', 'test:package', 'test:unit'],
};
/** One after another: the checks first (they fail fastest), as `npm test` ran before the lanes. */
const SERIAL = [
  'typecheck',
  'lint',
  'deps',
  'format:check',
  'test:package',
  'test:unit',
  'test:e2e',
  'test:engines',
];
if ([...Object.values(LANES).flat()].sort().join() !== [...SERIAL].sort().join())
  throw new Error('run-all.mjs: LANES and SERIAL must name the same tasks');
const forced = process.argv.includes('--serial')
  ? 'serial'
  : process.argv.includes('--parallel')
    ? 'parallel'
    : null;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/**
 * Runs `npm run <script>`; `stream` shows its output as it comes, else it is kept and printed whole at the end.
 * After the build, `OFFLINE_KIT_FRESH_BUILD=1` tells the tests not to rebuild a dist/ another lane is reading.
 */
function run(script, stream, fresh = true) {
  const begun = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0'),
        ...(fresh ? { OFFLINE_KIT_FRESH_BUILD: '1' } : {}),
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

async function lane(scripts) {
  const results = [];
  for (const script of scripts) {
    process.stdout.write(`▶ ${script} (at ${seconds(Date.now() - started)})\n`);
    results.push(await run(script, serial));
  }
  return results;
}

/** The share of all cores busy over `ms` (0..1), from the kernel's per-core times. */
async function busyShare(ms) {
  const total = () =>
    os.cpus().reduce(
      (sum, cpu) => {
        const t = cpu.times;
        return { idle: sum.idle + t.idle, all: sum.all + t.user + t.nice + t.sys + t.idle + t.irq };
      },
      { idle: 0, all: 0 },
    );
  const before = total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = total();
  const all = after.all - before.all;
  return all <= 0 ? 0 : 1 - (after.idle - before.idle) / all;
}

const build = await run('build', true, false);
if (!build.ok) {
  process.stdout.write(`\nbuild failed after ${seconds(build.ms)}: nothing else ran\n`);
  process.exit(1);
}
// Lanes are opt-in for now: on an idle machine (measured 04:03 UTC, load 0.4) they took 12.2 minutes, not under
// 10.5, and two engines scenarios whose timing they change failed (Firefox's storage estimate read before it
// arrived; WebKit stopping a worker with no page before its retry). Until those are fixed: one after another, unless
// `--parallel`, or `--auto` (lanes when the cores are free).
const auto = process.argv.includes('--auto');
let serial = forced !== 'parallel';
if (forced === null && auto) {
  const busy = await busyShare(2_000);
  serial = busy > 0.5;
  process.stdout.write(
    `\nother work keeps ${Math.round(busy * 100)}% of ${os.cpus().length} cores busy: ` +
      `${serial ? 'the tasks run one after another' : 'three lanes at once'} (--serial / --parallel to choose)\n`,
  );
}
const results = [build];
if (serial) results.push(...(await lane(SERIAL)));
else results.push(...(await Promise.all(Object.values(LANES).map(lane))).flat());

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
    ` in ${seconds(Date.now() - started)}${serial ? ' (serial)' : ''}\n`,
);
process.exit(failed.length === 0 ? 0 : 1);
