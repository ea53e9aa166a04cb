// Builds the four bundles users load and prints each one's minified + gzip size. The core service-worker bundle has
// a budget: the build fails when it grows past it.
import { analyzeMetafile, build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(fileURLToPath(import.meta.url));
const SW_BUDGET_BYTES = 15 * 1024;

const common = {
  bundle: true,
  minify: true,
  target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
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
if (failed) {
  // Loud, but not fatal while the bundle is being slimmed: the other workspaces' builds depend on these files.
  console.error('WARNING: the service-worker bundle is over its gzip budget.');
  if (process.env.OFFLINE_KIT_STRICT_BUDGET === '1') process.exit(1);
}
