// Builds what the package ships:
// - dist/esm/: the ES modules the package's `exports` name (worker, client, protocol), unminified, with source maps,
//   importing workbox-core, workbox-routing, idb and comlink, so that the app's bundler dedupes them with the app's own
//   (one Workbox: our routes go on the app's default router);
// - dist/types/: declaration files and their maps, emitted by tsc from the sources;
// - the four self-contained, minified bundles a site can host and load without a bundler (dist/offline-kit-sw.js for
//   importScripts, dist/offline-kit-sw.mjs, dist/client.js, dist/client.mjs), with source maps; it prints each one's
//   minified + gzip size against the service-worker budget.
import { analyzeMetafile, build } from 'esbuild';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = dirname(fileURLToPath(import.meta.url));
const SW_BUDGET_BYTES = 15 * 1024;

// Stale files of an older layout must not end up in the tarball.
rmSync(join(root, 'dist'), { recursive: true, force: true });

// Declarations: one tsc per runtime (the worker's lib is WebWorker, the page's DOM), both into dist/types/, in
// parallel with the bundles below.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const declarationFlags = ['--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--declarationMap'];
const declarations = Promise.all(
  ['tsconfig.json', 'src/client/tsconfig.json'].map((project) =>
    promisify(execFile)(process.execPath, [
      tsc,
      '-p',
      join(root, project),
      ...declarationFlags,
      '--outDir',
      join(root, 'dist/types'),
      '--rootDir',
      join(root, 'src'),
    ]).catch((error) => {
      console.error(`tsc (${project}) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      throw error;
    }),
  ),
);

await build({
  entryPoints: {
    index: join(root, 'src/worker/index.ts'),
    client: join(root, 'src/client/index.ts'),
    protocol: join(root, 'src/protocol/index.ts'),
  },
  outdir: join(root, 'dist/esm'),
  bundle: true,
  // Shared code (OfflineKitError above all) lives in one chunk: `instanceof` holds across the entries.
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const common = {
  bundle: true,
  minify: process.env.OFFLINE_KIT_NO_MINIFY !== '1',
  target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
  sourcemap: true,
};

const outputs = [
  { entry: 'src/worker/index.ts', out: 'dist/offline-kit-sw.mjs', format: 'esm' },
  { entry: 'src/worker/index.ts', out: 'dist/offline-kit-sw.js', format: 'iife', globalName: 'OfflineKit' },
  { entry: 'src/client/index.ts', out: 'dist/client.mjs', format: 'esm' },
  { entry: 'src/client/index.ts', out: 'dist/client.js', format: 'iife', globalName: 'OfflineKitClient' },
];

// `OFFLINE_KIT_ANALYZE=1 npm run build -w sw`: what each source file costs in the service-worker bundle, so a change
// to the budget starts from the bytes rather than a guess.
const analyze = process.env.OFFLINE_KIT_ANALYZE === '1';

let failed = false;
for (const o of outputs) {
  const result = await build({
    ...common,
    entryPoints: [join(root, o.entry)],
    outfile: join(root, o.out),
    format: o.format,
    ...(o.globalName ? { globalName: o.globalName } : {}),
    metafile: analyze,
  });
  const bytes = readFileSync(join(root, o.out));
  const gz = gzipSync(bytes, { level: 9 }).length;
  if (analyze && o.out === 'dist/offline-kit-sw.mjs' && result.metafile) {
    // Minified bytes per input; gzip is not additive, so the share of the gzip total is an estimate.
    console.info(await analyzeMetafile(result.metafile));
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0]?.inputs ?? {});
    for (const [file, { bytesInOutput }] of inputs.sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) {
      const share = (bytesInOutput / bytes.length) * gz;
      console.info(`  ~${(share / 1024).toFixed(2).padStart(5)} KB gzip  ${file}`);
    }
  }
  const budget = o.out.startsWith('dist/offline-kit-sw') ? SW_BUDGET_BYTES : null;
  const over = budget !== null && gz > budget;
  if (over) failed = true;
  console.info(
    `${o.out.padEnd(26)} ${(bytes.length / 1024).toFixed(1).padStart(6)} KB min  ${(gz / 1024).toFixed(1).padStart(5)} KB gzip` +
      (budget ? `  (budget ${(budget / 1024).toFixed(0)} KB${over ? ' — OVER' : ''})` : ''),
  );
}
await declarations;
if (failed) {
  // Loud, but not fatal while the bundle is being slimmed: the other workspaces' builds depend on these files.
  console.error('WARNING: the service-worker bundle is over its gzip budget.');
  if (process.env.OFFLINE_KIT_STRICT_BUDGET === '1') process.exit(1);
}
