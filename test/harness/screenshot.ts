import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PATHS } from './paths.js';

/** Saves a full-page PNG to `test/screenshots/<name>.png` (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(PATHS.screenshots, { recursive: true });
  const file = path.join(PATHS.screenshots, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
