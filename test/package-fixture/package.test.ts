/**
 * Offline Kit as a new user gets it (issue 15): the `npm pack` tarballs of `@offline-kit/sw` and
 * `@offline-kit/devtools-extension` installed into a fresh app, outside this repository. Checks that publint and
 * arethetypeswrong find nothing, that the app's service worker and page — and every TypeScript/JavaScript snippet of
 * the READMEs — type-check with zero errors under the settings apps really have (create-vite's `vanilla-ts` template,
 * `strict: false`, `strict` + `exactOptionalPropertyTypes`, `moduleResolution` `bundler` / `node16` / `node`) with
 * TypeScript 5.9 and 7, and that the app's bundled worker holds one copy of Workbox.
 *
 * Needs `npm run build` first (the tarballs hold `dist/`). Run alone: `npx vitest run --project package`.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractSnippets, type Side } from './snippets.js';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

const PACKAGES = [
  { workspace: 'sw', name: '@offline-kit/sw' },
  { workspace: 'devtools-extension', name: '@offline-kit/devtools-extension' },
] as const;

/** The two compilers: the repository's own (5.9) and this fixture's pinned current major. */
const COMPILERS = [
  { version: '5.9', tsc: tscOf(path.join(REPO, 'package.json')) },
  { version: '7', tsc: tscOf(path.join(HERE, 'package.json')) },
] as const;

/** The `tsc` of the TypeScript that `from` resolves (the package's `exports` hide `bin/`). */
function tscOf(from: string): string {
  return path.join(path.dirname(createRequire(from).resolve('typescript/package.json')), 'bin', 'tsc');
}

/**
 * create-vite's `vanilla-ts` template tsconfig (`vite-vanilla-ts.tsconfig.json`, verbatim from create-vite 9.3) is
 * the base of every configuration, so `moduleResolution` is `bundler` where none is named; `types: ["vite/client"]` is dropped (it only types `import.meta.env` and asset
 * imports, and would need vite installed in the fixture). The others turn on `skipLibCheck: false` so that our
 * declaration files are checked too, not skipped.
 */
const CONFIGURATIONS: {
  name: string;
  options: Record<string, unknown>;
  /** TypeScript 7 removed `moduleResolution: node` (node10): no app on 7 can use it. */
  only?: '5.9';
}[] = [
  { name: 'vite-template', options: {} },
  { name: 'strict-false', options: { strict: false, skipLibCheck: false } },
  {
    name: 'strict-exact-optional',
    options: {
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
    },
  },
  {
    name: 'node16',
    options: { strict: true, module: 'node16', moduleResolution: 'node16', skipLibCheck: false },
  },
  {
    name: 'node10',
    options: { strict: true, module: 'esnext', moduleResolution: 'node', skipLibCheck: false },
    only: '5.9',
  },
];

const LIBS: Record<Side, string[]> = { worker: ['ES2023', 'WebWorker'], page: ['ES2023', 'DOM'] };

let work = '';
let app = '';
const tarballs = new Map<string, string>();

/** What a failed command printed (`only`: one stream of it), else its message. */
function stdoutOf(error: unknown, only?: 'stdout'): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { stdout?: unknown; stderr?: unknown; message?: unknown };
    const parts = only === 'stdout' ? [e.stdout] : [e.stdout, e.stderr, e.message];
    return parts.filter((s) => typeof s === 'string' && s !== '').join('\n');
  }
  return String(error);
}

async function versionOf(pkg: string): Promise<string> {
  const json: unknown = JSON.parse(
    await readFile(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8'),
  );
  const version =
    typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw new Error(`no version for ${pkg}`);
  return version;
}

beforeAll(async () => {
  for (const { workspace } of PACKAGES) {
    if (!existsSync(path.join(REPO, workspace, 'dist'))) {
      throw new Error(`${workspace}/dist is missing: run \`npm run build\` first`);
    }
  }
  work = await mkdtemp(path.join(tmpdir(), 'offline-kit-package-'));
  const packed = path.join(work, 'tarballs');
  await mkdir(packed);
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--pack-destination', packed, ...PACKAGES.flatMap((p) => ['-w', p.workspace])],
    { cwd: REPO },
  );
  const listing: unknown = JSON.parse(stdout);
  if (!Array.isArray(listing)) throw new Error(`npm pack printed no list: ${stdout}`);
  for (const entry of listing as unknown[]) {
    const { name, filename } = entry as { name?: unknown; filename?: unknown };
    if (typeof name === 'string' && typeof filename === 'string')
      tarballs.set(name, path.join(packed, filename));
  }

  // The app: the tarballs, and the Workbox packages an app built with vite-plugin-pwa has.
  app = path.join(work, 'app');
  await cp(path.join(HERE, 'app'), app, { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const { name } of PACKAGES) dependencies[name] = `file:${tarballs.get(name) ?? 'missing'}`;
  for (const workbox of ['workbox-core', 'workbox-routing', 'workbox-precaching', 'workbox-strategies']) {
    dependencies[workbox] = await versionOf(workbox);
  }
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'fixture-app', private: true, type: 'module', dependencies }, null, 2),
  );
  // Everything it needs is in npm's cache after `npm ci` here; the registry is asked only for what is not.
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
    { cwd: app },
  );
  for (const snippet of extractSnippets(REPO)) {
    await writeFile(path.join(app, 'src', snippet.side, snippet.fileName), snippet.code);
  }
}, 240_000);

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it.each(PACKAGES)('publint finds nothing in $name', async ({ name }) => {
    const tarball = await readFile(tarballs.get(name) ?? '');
    const { messages, pkg } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it.each(PACKAGES)('arethetypeswrong finds nothing in $name', async ({ name }) => {
    const cli = createRequire(path.join(REPO, 'package.json')).resolve('@arethetypeswrong/cli/package.json');
    const attw = path.join(path.dirname(cli), 'dist', 'index.js');
    // ESM only, as service workers and pages load it: a CommonJS `require` of it is not a way we offer.
    const args = [
      attw,
      tarballs.get(name) ?? '',
      '--format',
      'ascii',
      '--ignore-rules',
      'cjs-resolves-to-esm',
    ];
    const output = await run(process.execPath, args).then(
      ({ stdout }) => ({ ok: true, text: stdout }),
      (error: unknown) => ({ ok: false, text: stdoutOf(error) }),
    );
    expect(output.text).toContain('No problems found');
    expect(output.ok, output.text).toBe(true);
  });
});

describe('a fresh app type-checks with zero errors', () => {
  const cases = COMPILERS.flatMap((compiler) =>
    CONFIGURATIONS.filter((c) => c.only === undefined || c.only === compiler.version).flatMap(
      (configuration) =>
        (['worker', 'page'] as const).map((side) => ({
          label: `TypeScript ${compiler.version}, ${configuration.name}, ${side}`,
          compiler,
          configuration,
          side,
        })),
    ),
  );

  it.concurrent.each(cases)('$label', async ({ compiler, configuration, side }) => {
    // The template has `/* … */` section comments, which JSON does not.
    const text = await readFile(path.join(HERE, 'vite-vanilla-ts.tsconfig.json'), 'utf8');
    const template: unknown = JSON.parse(text.replace(/\/\*[\s\S]*?\*\//g, ''));
    const base = (template as { compilerOptions: Record<string, unknown> }).compilerOptions;
    const compilerOptions: Record<string, unknown> = {
      ...base,
      types: [],
      lib: LIBS[side],
      ...configuration.options,
    };
    // TypeScript's own lib files need no checking here, and checking them is most of 5.9's time (7 has no such option).
    if (compiler.version === '5.9') compilerOptions.skipDefaultLibCheck = true;
    const file = `tsconfig.${compiler.version}.${configuration.name}.${side}.json`;
    const include = [
      `src/${side}`,
      'context/readme-names.d.ts',
      ...(side === 'worker' ? ['context/worker.d.ts'] : []),
    ];
    await writeFile(path.join(app, file), JSON.stringify({ compilerOptions, include }, null, 2));
    const output = await run(process.execPath, [compiler.tsc, '-p', file, '--pretty', 'false'], {
      cwd: app,
    }).then(
      ({ stdout }) => stdout,
      // tsc prints its diagnostics on stdout; a failure that printed none there (a crash) is reported whole.
      (error: unknown) => stdoutOf(error, 'stdout') || stdoutOf(error),
    );
    expect(errorsOutsideWorkbox(output)).toEqual([]);
  });
});

/**
 * The compiler's errors (each with its indented follow-up lines), less those in Workbox's own declarations: under
 * `exactOptionalPropertyTypes` with `skipLibCheck: false`, workbox-precaching's `PrecacheFallbackPlugin` does not
 * match workbox-core's `WorkboxPlugin` — an app using Workbox sees that with or without Offline Kit.
 */
function errorsOutsideWorkbox(output: string): string[] {
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1] += `\n${line}`;
    else errors.push(line);
  }
  return errors.filter((e) => !e.startsWith('node_modules/workbox-'));
}

describe("the app's bundled service worker", () => {
  it("holds one copy of workbox-core and workbox-routing: Offline Kit's routes are on the app's router", async () => {
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['src/worker/sw.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    // Every copy of a Workbox package carries its version marker once (`self['workbox:core:7.4.1']`), also a copy
    // pre-bundled inside another file, which the bundler's list of inputs would not show.
    const copies = (marker: string): number => code.split(marker).length - 1;
    expect(copies('workbox:core:')).toBe(1);
    expect(copies('workbox:routing:')).toBe(1);
    // …and Offline Kit came from the installed tarball, not from this repository's sources.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.startsWith('node_modules/@offline-kit/sw/dist/'))).toBe(true);
    expect(inputs.filter((i) => i.includes('/src/') && i.includes('offline-kit'))).toEqual([]);
  });
});
