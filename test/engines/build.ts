import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PATHS, REPO_ROOT } from '../harness/paths.js';

/** Where the engines fixture is bundled to; the origin proxy serves it at `/__engines/` (see origin.ts). */
export const ENGINES_DIST = path.join(REPO_ROOT, 'test/engines/dist');

/**
 * One folder per worker configuration: a worker's scope cannot be wider than its folder. `hook`: a `credentials` hook
 * reading the token the app stored (fixture/app-token.ts).
 */
export const FIXTURE_FOLDERS = ['plain', 'encrypted', 'hook'] as const;
export type FixtureFolder = (typeof FIXTURE_FOLDERS)[number];

const offlineKitIsExternal: Plugin = {
  name: 'offline-kit-external',
  setup(b) {
    b.onResolve({ filter: /^\/offline-kit\// }, (args) => ({ path: args.path, external: true }));
  },
};

async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, contents);
  await rename(temp, file);
}

async function bundle(
  entry: string,
  format: 'iife' | 'esm',
  define: Record<string, string>,
): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format,
    target: 'es2022',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    define,
    plugins: [offlineKitIsExternal],
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.contents;
}

let built: Promise<void> | null = null;

/**
 * The fixture app's page (unchanged: `test/fixtures/app/page`) with this suite's workers, once per test process:
 * `dist/plain/`, `dist/encrypted/` (`encryptAtRest: true`) and `dist/hook/` (a `credentials` hook), each with `index.html`, `page.mjs`, `sw.js`, `sw.mjs`.
 */
export function buildEnginesFixture(): Promise<void> {
  built ??= (async () => {
    const page = await bundle(path.join(PATHS.fixtureApp, 'page/page.ts'), 'esm', {});
    const html = await readFile(path.join(PATHS.fixtureApp, 'index.html'));
    for (const folder of FIXTURE_FOLDERS) {
      const out = path.join(ENGINES_DIST, folder);
      await mkdir(out, { recursive: true });
      const define = {
        ENGINES_ENCRYPT_AT_REST: folder === 'encrypted' ? 'true' : 'false',
        ENGINES_CREDENTIALS_HOOK: folder === 'hook' ? 'true' : 'false',
      };
      const fixture = path.join(REPO_ROOT, 'test/engines/fixture');
      await writeAtomically(
        path.join(out, 'sw.js'),
        await bundle(path.join(fixture, 'sw-classic.ts'), 'iife', define),
      );
      await writeAtomically(
        path.join(out, 'sw.mjs'),
        await bundle(path.join(fixture, 'sw-module.ts'), 'esm', define),
      );
      await writeAtomically(path.join(out, 'page.mjs'), page);
      await writeAtomically(path.join(out, 'index.html'), html);
    }
    // The DevTools panel as an in-page overlay, for engines without the extension (`npm run build` makes it).
    await writeAtomically(
      path.join(ENGINES_DIST, 'inline.mjs'),
      await readFile(path.join(REPO_ROOT, 'devtools-extension/dist/inline.js')),
    );
  })();
  return built;
}
