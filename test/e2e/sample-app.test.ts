/**
 * The sample app as a technician uses it, in real Chromium against server-mock: sign in and the first sync, work
 * offline (create, note, edit), see what is pending, come back online, and check what the server holds. Screenshots
 * of each step land in test/screenshots/sample-app-*.png.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  goOffline,
  goOnline,
  launchBrowser,
  screenshot,
  startMockServer,
  waitFor,
  type MockServer,
} from '../harness/index.js';
import { ensureSampleAppBuilt, openSampleApp, signInAs, waitForSyncMessage } from '../harness/sample-app.js';

describe('sample app: a technician’s day', () => {
  let server: MockServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureSampleAppBuilt();
    server = await startMockServer({ seedParts: 3000 });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const context of browser.contexts()) await context.close();
    await server.mock.reset();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('works offline and everything reaches the server when the network returns', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    await page.getByRole('heading', { name: 'Field Service' }).waitFor();
    await screenshot(page, 'sample-app-01-sign-in');

    // A slow server makes the first sync long enough to watch its progress. Every text the status bar shows is
    // recorded as it is drawn: polling could miss one on a loaded machine.
    await server.mock.faults({ latencyMs: 250 });
    await page.evaluate(() => {
      const shown: string[] = [];
      Object.assign(window, { statusShown: shown });
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="sync-message-shown"]')?.textContent ?? '';
        if (shown.at(-1) !== text) shown.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const counts = async (): Promise<string[]> => {
      const shown = await page.evaluate(() => (window as unknown as { statusShown: string[] }).statusShown);
      const found = shown.map((text) => /Downloading your data… ([\d,]+) records so far/.exec(text)?.[1]);
      return [...new Set(found.filter((count) => count !== undefined))];
    };
    await signInAs(page, 'alice');
    await page.getByTestId('sync-progress').waitFor({ timeout: 20_000 });
    // Page after page the count grows: the technician sees the download move, not a bar that could be stuck.
    await waitFor(async () => (await counts()).length >= 2, {
      timeout: 20_000,
      message: 'two different record counts during the first download',
    });
    await screenshot(page, 'sample-app-02-first-sync');
    await server.mock.clearFaults();
    await waitForSyncMessage(page, 'All changes saved');
    const rows = page.getByTestId('work-order-row');
    await waitFor(async () => (await rows.count()) > 1, { message: 'alice’s work orders listed' });
    await expect.poll(() => page.getByTestId('freshness-work orders').textContent()).toMatch(/Updated/);
    await screenshot(page, 'sample-app-03-synced');

    await goOffline(context);
    await waitForSyncMessage(page, "You're offline");
    expect(await page.getByTestId('connectivity').textContent()).toContain('Offline');

    // Create a work order with a note, offline.
    await page.getByRole('link', { name: 'New work order' }).click();
    await page.getByLabel('Title').fill('Replace pump seal');
    await page.getByLabel('Customer').fill('Harbour Hotel');
    await page.getByLabel('Address').fill('2 Quay Street');
    await page.getByRole('button', { name: 'Create work order' }).click();
    await page.getByTestId('work-order-title').filter({ hasText: 'Replace pump seal' }).waitFor();
    await page.getByLabel('Add a note').fill('Seal kit is in the van.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByTestId('notes').getByText('Seal kit is in the van.').waitFor();
    await screenshot(page, 'sample-app-04-created-offline');

    // Edit another, existing work order, offline.
    await page.getByRole('link', { name: '← Work orders' }).click();
    const existing = rows.filter({ hasNotText: 'Replace pump seal' }).first();
    const editedId = await existing.getAttribute('data-id');
    expect(editedId).toBeTruthy();
    await existing.getByRole('link').click();
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByLabel('Description').fill('Pressure drops overnight; replaced the relief valve.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('button', { name: 'Edit details' }).waitFor();

    await page.getByRole('link', { name: '← Work orders' }).click();
    await waitFor(async () => (await page.getByTestId('pending-marker').count()) >= 2, {
      message: 'pending markers on the new and the edited work order',
    });
    await waitForSyncMessage(page, /You're offline — \d+ changes will sync later/);
    await screenshot(page, 'sample-app-05-pending-offline');

    await goOnline(context);
    await waitForSyncMessage(page, 'All changes saved', 30_000);
    await waitFor(async () => (await page.getByTestId('pending-marker').count()) === 0, {
      message: 'the pending markers to go',
    });
    await screenshot(page, 'sample-app-06-all-saved');

    const orders = await server.mock.liveRecords('work-orders');
    const created = orders.find((o) => o.title === 'Replace pump seal');
    expect(created).toMatchObject({
      customer: 'Harbour Hotel',
      address: '2 Quay Street',
      assignees: ['alice'],
    });
    expect(orders.filter((o) => o.title === 'Replace pump seal')).toHaveLength(1);
    expect(orders.find((o) => o.id === editedId)?.description).toBe(
      'Pressure drops overnight; replaced the relief valve.',
    );
    const notes = await server.mock.liveRecords('notes');
    expect(notes.filter((n) => n.text === 'Seal kit is in the van.')).toEqual([
      expect.objectContaining({ workOrderId: created?.id, author: 'alice' }),
    ]);
  });

  it('a work order created offline keeps the technician on it, mid-sentence, when it gets its server id', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    await signInAs(page, 'alice');
    await waitForSyncMessage(page, 'All changes saved');
    await goOffline(context);
    await page.getByRole('link', { name: 'New work order' }).click();
    await page.getByLabel('Title').fill('Check the boiler flue');
    await page.getByRole('button', { name: 'Create work order' }).click();
    await page.getByTestId('work-order-title').filter({ hasText: 'Check the boiler flue' }).waitFor();
    expect(page.url()).toMatch(/#\/work-orders\/tmp_/);
    // Half-typed, nothing saved: a note, and the description being edited, where the cursor is.
    const note = page.getByLabel('Add a note');
    await note.fill('Flue cracked at the');
    await page.getByRole('button', { name: 'Edit details' }).click();
    const description = page.getByLabel('Description');
    await description.fill('Soot around the');
    const entries = await page.evaluate(() => history.length);

    await goOnline(context);
    const created = await waitFor(
      async () =>
        (await server.mock.liveRecords('work-orders')).find((o) => o.title === 'Check the boiler flue'),
      { timeout: 30_000, message: 'the work order on the server' },
    );
    await waitFor(() => page.url().endsWith(`#/work-orders/${created.id}`), {
      message: `the address to show the server id ${created.id}`,
    });
    await page.getByRole('heading', { name: 'Check the boiler flue' }).waitFor();
    expect(await description.inputValue()).toBe('Soot around the');
    expect(await note.inputValue()).toBe('Flue cracked at the');
    expect(await description.evaluate((el) => el === document.activeElement)).toBe(true);
    // The new id replaced the old address: Back does not lead to a page for the temporary id.
    expect(await page.evaluate(() => history.length)).toBe(entries);
    await screenshot(page, 'sample-app-08-server-id-draft-kept');

    await page.keyboard.type(' flue outlet');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('button', { name: 'Edit details' }).waitFor();
    await waitForSyncMessage(page, 'All changes saved', 30_000);
    const orders = await server.mock.liveRecords('work-orders');
    expect(orders.filter((o) => o.title === 'Check the boiler flue')).toEqual([
      expect.objectContaining({ id: created.id, description: 'Soot around the flue outlet' }),
    ]);
  });

  it('parts catalogue: thousands of parts searchable on the device, offline', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    await signInAs(page, 'alice');
    await waitForSyncMessage(page, 'All changes saved');
    await goOffline(context);
    await page.getByRole('link', { name: 'Parts' }).click();
    await expect
      .poll(() => page.getByTestId('parts-count').textContent(), { timeout: 20_000 })
      .toMatch(/3000 parts/);
    // Ordered by part number as a person reads it, 50 rows at first, 50 more per "Show more".
    const partNumbers = (): Promise<string[]> => page.locator('tbody tr td:first-child').allTextContents();
    const first = await partNumbers();
    expect(first).toHaveLength(50);
    const byNumber = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    expect(first).toEqual([...first].sort((a, b) => byNumber.compare(a, b)));
    await page.getByRole('button', { name: 'Show 50 more' }).click();
    await expect.poll(async () => (await partNumbers()).length).toBe(100);
    expect((await partNumbers()).slice(0, 50)).toEqual(first);
    await page.getByTestId('parts-more').scrollIntoViewIfNeeded();
    await screenshot(page, 'sample-app-07-parts-more');
    const partNumber = first[0] ?? '';
    await page.getByLabel('Search parts').fill(partNumber);
    await expect.poll(() => page.getByTestId('parts-count').textContent()).toMatch(/of 3000 parts match/);
    await screenshot(page, 'sample-app-07-parts-offline');
  });
});
