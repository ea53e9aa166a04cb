import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the module's sources, not the built package (whose `exports` name dist/): the same code, and no
// build needed before unit tests. Exact matches only, so `@offline-kit/sw/client` is not read as `@offline-kit/sw`.
const src = (file: string): string => fileURLToPath(new URL(`./sw/src/${file}`, import.meta.url));
const resolve = {
  alias: [
    { find: /^@offline-kit\/sw$/, replacement: src('worker/index.ts') },
    { find: /^@offline-kit\/sw\/client$/, replacement: src('client/index.ts') },
    { find: /^@offline-kit\/sw\/protocol$/, replacement: src('protocol/index.ts') },
    // server-mock is built on the library: its tests run the library's sources too.
    {
      find: /^@offline-kit\/server$/,
      replacement: fileURLToPath(new URL('./server/src/index.ts', import.meta.url)),
    },
    {
      find: /^@offline-kit\/server\/sqlite$/,
      replacement: fileURLToPath(new URL('./server/src/store/sqlite.ts', import.meta.url)),
    },
  ],
};

// Three projects: fast unit tests (node, fakes, fake timers), end-to-end tests in real Chromium, and the cross-engine
// suite (the same scenarios in Chromium, Firefox and WebKitGTK: test/engines/).
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: [
            'sw/test/**/*.test.ts',
            'server-mock/test/**/*.test.ts',
            'server/test/**/*.test.ts',
            'devtools-extension/test/**/*.test.{ts,tsx}',
            'sample-app/test/**/*.test.{ts,tsx}',
            'bench/test/**/*.test.ts',
          ],
          // The bench's smoke test drives Chromium: it runs with the e2e project.
          exclude: ['bench/test/e2e/**', '**/node_modules/**'],
          environment: 'node',
          // Engine tests run real IndexedDB work (fake-indexeddb) and pass in well under a second alone; on a loaded
          // 2-core machine (CI beside a browser, or several builds at once) the 5 s default failed them for load.
          testTimeout: 30_000,
        },
        // Vitest 4 transforms with oxc; panel tests are .tsx with Preact's automatic JSX runtime.
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
      },
      {
        test: {
          // The packed tarballs in a fresh app (test/package-fixture): publint, arethetypeswrong, type-checks. Needs
          // `npm run build` first.
          name: 'package',
          include: ['test/package-fixture/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // The type-checks run concurrently, two at a time (2 cores), one when `npm test` gives this project one
          // core beside the browser lane (OFFLINE_KIT_CORES, test/run-all.mjs).
          maxConcurrency: process.env.OFFLINE_KIT_CORES === '1' ? 1 : 2,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'bench/test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium at a time: the machine has 2 cores and service-worker timing is sensitive to load.
          fileParallelism: false,
        },
      },
      {
        resolve,
        test: {
          name: 'engines',
          include: ['test/engines/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One browser at a time, whatever the engine: 2 cores, and service-worker timing is sensitive to load.
          // `npm test` may run this project beside the e2e one, only when its cores are free (test/run-all.mjs).
          fileParallelism: false,
        },
      },
    ],
  },
});
