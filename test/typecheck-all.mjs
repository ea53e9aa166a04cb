// `npm run typecheck`: every tsc project of every workspace (each workspace's own `typecheck` script names them),
// checked by TypeScript 7 (the root's `typescript-7`, the native compiler: about six times faster than TypeScript 5
// here, which took 250 s of the test command's one-core check lane). TypeScript 5.9 stays the root's `typescript` for
// typescript-eslint and the build, and test:package still checks the published types with both 5.9 and 7.
// Projects run as many at once as there are cores (at most 4; OFFLINE_KIT_CORES to give it fewer); given one core,
// each tsc also runs single-threaded. Output of a failed project is printed whole, never interleaved.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(
  path.dirname(createRequire(path.join(root, 'package.json')).resolve('typescript-7/package.json')),
  'bin',
  'tsc',
);
const workspaces = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces;

/** `[workspace folder, tsconfig path]` for every `tsc -p <path>` in a workspace's `typecheck` script. */
const projects = [];
for (const workspace of workspaces) {
  const script = JSON.parse(readFileSync(path.join(root, workspace, 'package.json'), 'utf8')).scripts
    ?.typecheck;
  if (script === undefined) continue;
  for (const step of script.split('&&').map((s) => s.trim())) {
    const match = /^tsc -p (\S+)$/.exec(step);
    if (match === null) throw new Error(`${workspace}: typecheck step "${step}" is not "tsc -p <project>"`);
    projects.push([workspace, match[1]]);
  }
}

function check([workspace, project]) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [tsc, '-p', project, ...(width === 1 ? ['--singleThreaded'] : [])],
      {
        cwd: path.join(root, workspace),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    child.on('close', (code) => {
      const name = path.join(workspace, project);
      if (code === 0) process.stdout.write(`ok      ${name}\n`);
      else process.stdout.write(`FAILED  ${name}\n${Buffer.concat(out)}\n`);
      resolve(code === 0);
    });
  });
}

const queue = [...projects];
// OFFLINE_KIT_CORES: the share of the machine `npm test` gives this task when it runs beside the browser lane.
const cores = Number(process.env.OFFLINE_KIT_CORES ?? os.availableParallelism?.() ?? os.cpus().length);
const width = Math.max(1, Math.min(4, cores));
const results = [];
await Promise.all(
  Array.from({ length: width }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) results.push(await check(next));
  }),
);
const failed = results.filter((ok) => !ok).length;
process.stdout.write(`${projects.length - failed} of ${projects.length} tsc projects pass\n`);
process.exit(failed === 0 ? 0 : 1);
