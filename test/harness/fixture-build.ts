import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PATHS } from './paths.js';

/** The module's own files are served by the server at `/offline-kit/`: the fixtures load them from there, as apps do. */
const offlineKitIsExternal: Plugin = {
  name: 'offline-kit-external',
  setup(b) {
    b.onResolve({ filter: /^\/offline-kit\// }, (args) => ({ path: args.path, external: true }));
  },
};

const ENTRIES = [
  { entry: 'worker/sw-classic.ts', out: 'sw.js', format: 'iife' },
  { entry: 'worker/sw-module.ts', out: 'sw.mjs', format: 'esm' },
  { entry: 'worker/sw-encrypted.ts', out: 'sw-encrypted.js', format: 'iife' },
  { entry: 'worker/sw-broken.ts', out: 'sw-broken.js', format: 'iife' },
  // Bundles `@offline-kit/sw` from the package, with the app's workbox-routing, as an app's bundler does.
  { entry: 'worker/sw-workbox.ts', out: 'sw-workbox.js', format: 'iife' },
  // Plain REST backends (issue #13): json-server, and an API with ETags and 412.
  { entry: 'worker/sw-rest.ts', out: 'sw-rest.js', format: 'iife' },
  { entry: 'worker/sw-etag.ts', out: 'sw-etag.js', format: 'iife' },
  // An app update that changes a collection's shape (schemaVersion 1 → 2): `sw-schema.js?v=1`, then `?v=2`.
  { entry: 'worker/sw-schema.ts', out: 'sw-schema.js', format: 'iife' },
  { entry: 'page/page.ts', out: 'page.mjs', format: 'esm' },
] as const;

// Several test processes (other engineers' files) may build at once: each file is written to a temp name and
// renamed, so a server never serves half a file. The output is deterministic, so the last writer wins harmlessly.
async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, contents);
  await rename(temp, file);
}

let built: Promise<string> | null = null;

/**
 * Bundles the fixture app (TypeScript) into `test/fixtures/app/dist/` once per test process and returns that folder.
 * The page and its service workers must share one folder: a worker's scope cannot be wider than its own folder.
 */
export function buildFixtureApp(): Promise<string> {
  built ??= (async () => {
    const out = PATHS.fixtureAppDist;
    await mkdir(out, { recursive: true });
    for (const { entry, out: name, format } of ENTRIES) {
      const result = await build({
        entryPoints: [path.join(PATHS.fixtureApp, entry)],
        bundle: true,
        format,
        target: 'es2022',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
        plugins: [offlineKitIsExternal],
      });
      const file = result.outputFiles[0];
      if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
      await writeAtomically(path.join(out, name), file.contents);
    }
    for (const page of ['index.html', 'blank.html']) {
      await writeAtomically(path.join(out, page), await readFile(path.join(PATHS.fixtureApp, page)));
    }
    return out;
  })();
  return built;
}
