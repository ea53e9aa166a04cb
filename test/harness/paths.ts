import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, found from this file so tests work from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const PATHS = {
  swDist: path.join(REPO_ROOT, 'sw/dist'),
  serverMockCli: path.join(REPO_ROOT, 'server-mock/dist/cli.js'),
  sampleAppDist: path.join(REPO_ROOT, 'sample-app/dist'),
  fixtures: path.join(REPO_ROOT, 'test/fixtures'),
  fixtureApp: path.join(REPO_ROOT, 'test/fixtures/app'),
  /** Where the fixture app is bundled to; served at `/__fixtures/app/dist/` so its service worker's scope covers the page. */
  fixtureAppDist: path.join(REPO_ROOT, 'test/fixtures/app/dist'),
  screenshots: path.join(REPO_ROOT, 'test/screenshots'),
} as const;
