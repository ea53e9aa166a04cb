/**
 * axe-core over the sample app's main screens (phone size) and the devtools panel inside it: no serious or critical
 * WCAG 2 A/AA violations. A failure lists each rule with the elements it hit, so the fix is findable.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startMockServer, type MockServer } from '../harness/index.js';
import { ensureSampleAppBuilt, openSampleApp, signInAs, waitForSyncMessage } from '../harness/sample-app.js';

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('sample app: accessibility (axe-core)', () => {
  let server: MockServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureSampleAppBuilt();
    server = await startMockServer({ seedParts: 30 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('has no serious violations on the main screens and in the panel', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    const found: Record<string, string[]> = {};
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    found['sign-in'] = await seriousViolations(page);
    await signInAs(page, 'alice');
    await waitForSyncMessage(page, 'All changes saved');
    await page.getByTestId('work-order-row').first().waitFor();
    found['work orders'] = await seriousViolations(page);
    await page.getByTestId('work-order-row').first().click();
    await page.getByTestId('work-order-title').waitFor();
    // Keyboard and screen-reader users land on the work order they opened, not on <body>, also when its data came
    // after the page was drawn.
    const focused = (): Promise<string | null> =>
      page.evaluate(
        () => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null,
      );
    await expect.poll(focused).toBe('work-order-title');
    await screenshot(page, 'sample-app-a11y-work-order-focus');
    found['work order'] = await seriousViolations(page);
    await page.getByRole('link', { name: 'Parts', exact: true }).click();
    await page.getByTestId('parts-count').waitFor();
    found.parts = await seriousViolations(page);
    await page.getByTestId('nav-sync').click();
    await page.getByRole('heading', { name: 'Sync', exact: true }).waitFor();
    found.sync = await seriousViolations(page);
    await page.getByRole('link', { name: 'Demo', exact: true }).click();
    await page.getByRole('heading', { name: 'Demo controls' }).waitFor();
    found.demo = await seriousViolations(page);
    await page.getByRole('button', { name: 'Open devtools panel' }).click();
    await page.locator('[data-testid="okp-tab-queue"]').click();
    await page.locator('[data-testid="okp-queue-total"]').waitFor();
    await screenshot(page, 'sample-app-a11y-panel');
    found.panel = await seriousViolations(page);
    // A record as a JSON tree (disclosure buttons), with its local delete, and the overlay's resize handle.
    await page.locator('[data-testid="okp-tab-data"]').click();
    await page.locator('[data-testid="okp-row"]').first().click();
    await page.locator('[data-testid="okp-record-json"]').waitFor();
    await screenshot(page, 'sample-app-a11y-panel-record');
    found['panel: record'] = await seriousViolations(page);
    await context.close();
    expect(found).toEqual({
      'sign-in': [],
      'work orders': [],
      'work order': [],
      parts: [],
      sync: [],
      demo: [],
      panel: [],
      'panel: record': [],
    });
  });
});
