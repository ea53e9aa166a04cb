// Bundles the CLI for `node server-mock/dist/cli.js`. better-sqlite3 stays external: it loads a native addon.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['better-sqlite3'],
  absWorkingDir: new URL('.', import.meta.url).pathname,
  logLevel: 'info',
});
