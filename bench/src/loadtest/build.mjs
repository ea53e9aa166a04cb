// Builds the load run (`npm run loadtest`): one node bundle that is the run, an app server or a devices process,
// by its arguments. Our workspaces' sources (sw's engine, the server library) are bundled; the native and database
// drivers load from node_modules.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile: join(here, '..', '..', 'dist', 'loadtest.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['pg', 'pg-native', 'better-sqlite3', 'fake-indexeddb', 'zod'],
  tsconfig: join(here, '..', '..', 'tsconfig.json'),
  sourcemap: true,
  logLevel: 'warning',
});
