// Builds the benchmark: the runner for node (dist/run.js) and, for the browser (dist/www/), the bench page and the
// two service workers compared. Both service workers get the same esbuild settings (bundled, minified, production
// defines, ESM → IIFE), so the comparison is of the code, not of the bundler. Prints both bundles' gzip size on
// every build, and writes them to dist/www/sizes.json for the runner's report.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const www = join(here, 'dist', 'www');
await mkdir(www, { recursive: true });

/** Budget of our service worker, minified + gzip (issue #8). */
const CORE_BUDGET_BYTES = 15 * 1024;

const browserSettings = {
  bundle: true,
  minify: true,
  platform: 'browser',
  target: 'es2022',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...browserSettings,
  entryPoints: {
    'workbox-sw': join(here, 'src/sw/workbox-sw.ts'),
    'offline-kit-sw': join(here, 'src/sw/offline-kit-sw.ts'),
  },
  format: 'iife',
  outdir: www,
});

await build({
  ...browserSettings,
  entryPoints: { 'bench-page': join(here, 'src/page/bench-page.ts') },
  format: 'esm',
  // The page mounts the devtools panel (Preact) to time its first render.
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: www,
});
await copyFile(join(here, 'src/page/index.html'), join(www, 'index.html'));

await build({
  entryPoints: [join(here, 'src/runner/main.ts')],
  outfile: join(here, 'dist', 'run.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies (playwright-core, better-sqlite3) load from node_modules; our own workspaces' sources are bundled.
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

const sizes = {};
for (const name of ['offline-kit-sw', 'workbox-sw']) {
  const bytes = await readFile(join(www, `${name}.js`));
  sizes[name] = { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

// What adding Offline Kit costs an app: a typical Workbox app's worker alone, and the same with `@offline-kit/sw`
// imported from the package as an app does (its ES build shares the app's Workbox), same settings as above.
const appBuilds = {
  'workbox-app': {
    stdin: {
      contents: "import { workboxApp } from './workbox-app.ts'; workboxApp();",
      resolveDir: join(here, 'src/sw'),
      loader: 'ts',
    },
  },
  'workbox-app-offline-kit': { entryPoints: [join(here, 'src/sw/workbox-app-offline-kit.ts')] },
};
for (const [name, input] of Object.entries(appBuilds)) {
  const result = await build({ ...browserSettings, ...input, format: 'iife', write: false });
  const bytes = result.outputFiles[0].contents;
  sizes[name] = { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
await writeFile(join(www, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ours = sizes['offline-kit-sw'].gzip;
console.info(
  `bench: service-worker bundles, minified + gzip — ours ${kb(ours)} (budget ${kb(CORE_BUDGET_BYTES)}: ` +
    `${ours <= CORE_BUDGET_BYTES ? 'within' : 'OVER'}), Workbox recipe ${kb(sizes['workbox-sw'].gzip)}`,
);
const app = sizes['workbox-app'];
const withKit = sizes['workbox-app-offline-kit'];
console.info(
  `bench: adding Offline Kit to a Workbox app's service worker costs +${kb(withKit.minified - app.minified)} min, ` +
    `+${kb(withKit.gzip - app.gzip)} gzip (${kb(app.gzip)} → ${kb(withKit.gzip)} gzip)`,
);
