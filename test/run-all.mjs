// `npm test`: the build, then three lanes at once, because the browser tests spend most of their time waiting on
// browsers and servers (measured: 0.4 of one core over the e2e project) while a check keeps a core busy:
//   e2e:     test:e2e (Chromium, one file at a time);
//   lint:    lint, deps, format:check, then test:engines (one browser at a time);
//   types:   typecheck, test:package, test:unit.
// So at most two browsers run at once, each project still one file at a time (vitest.config.ts says why).
// Every task runs even when another failed; each one's output is printed whole when it ends (never interleaved),
// and a summary with each task's time comes last. `--serial` runs the same tasks one after another.
import { spawn } from 'node:child_process';

const LANES = {
  e2e: ['test:e2e'],
  lint: ['lint', 'deps', 'format:check', 'test:engines'],
  types: ['typecheck', 'test:package', 'test:unit'],
};
const serial = process.argv.includes('--serial');
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
      stdio: stream ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0'),
        ...(fresh ? { OFFLINE_KIT_FRESH_BUILD: '1' } : {}),
      },
    });
    const chunks = [];
    child.stdout?.on('data', (chunk) => chunks.push(chunk));
    child.stderr?.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (code, signal) => {
      const ms = Date.now() - begun;
      const ok = code === 0;
      if (!stream) {
        const state = ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`;
        process.stdout.write(`\n──── ${script}: ${state} in ${seconds(ms)} ────\n`);
        process.stdout.write(Buffer.concat(chunks));
      }
      resolve({ script, ok, ms });
    });
  });
}

async function lane(scripts) {
  const results = [];
  for (const script of scripts) {
    process.stdout.write(`▶ ${script} (at ${seconds(Date.now() - started)})\n`);
    results.push(await run(script, serial));
  }
  return results;
}

const build = await run('build', true, false);
if (!build.ok) {
  process.stdout.write(`\nbuild failed after ${seconds(build.ms)}: nothing else ran\n`);
  process.exit(1);
}
const results = [build];
if (serial) for (const scripts of Object.values(LANES)) results.push(...(await lane(scripts)));
else results.push(...(await Promise.all(Object.values(LANES).map(lane))).flat());

process.stdout.write('\n──── summary ────\n');
for (const r of results)
  process.stdout.write(`${r.ok ? '  ok  ' : 'FAILED'}  ${r.script.padEnd(14)} ${seconds(r.ms)}\n`);
const failed = results.filter((r) => !r.ok);
process.stdout.write(
  `${failed.length === 0 ? 'all passed' : `${failed.length} failed: ${failed.map((r) => r.script).join(', ')}`}` +
    ` in ${seconds(Date.now() - started)}${serial ? ' (serial)' : ''}\n`,
);
process.exit(failed.length === 0 ? 0 : 1);
