/**
 * Driving the sample app (sample-app/dist, served by server-mock at `/`) the way a technician does: through labels
 * and visible text only, so a test that passes means a person could have done the same.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { listIndexedDbs } from './indexeddb.js';
import { PATHS, REPO_ROOT } from './paths.js';
import { waitFor } from './wait.js';

/** A phone: the app is built phone-first, so that is what the journey looks at. */
export const PHONE = { width: 390, height: 844 } as const;

/** Builds the sample app when it has not been built, so the test runs against the artifact users load. */
export function ensureSampleAppBuilt(): void {
  if (existsSync(path.join(PATHS.sampleAppDist, 'sw.js'))) return;
  execFileSync('npm', ['run', 'build', '-w', 'sample-app'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export async function openSampleApp(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = PHONE,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  await page.goto(`${url}/`);
  return { context, page };
}

export async function signInAs(page: Page, user: string): Promise<void> {
  await page.getByLabel('User').selectOption(user);
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user').waitFor();
}

/** The text of the status bar's live region. */
export async function syncMessage(page: Page): Promise<string> {
  return (await page.getByTestId('sync-message').textContent()) ?? '';
}

export async function waitForSyncMessage(
  page: Page,
  expected: string | RegExp,
  timeout = 20_000,
): Promise<string> {
  return waitFor(
    async () => {
      const text = await syncMessage(page);
      return (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) ? text : false;
    },
    { timeout, message: `the status bar to say ${String(expected)}` },
  );
}

/** Offline Kit's databases of this origin (named `offline-kit…` with the user id appended). */
export async function kitDatabases(page: Page): Promise<string[]> {
  return (await listIndexedDbs(page)).filter((name) => name.startsWith('offline-kit'));
}
