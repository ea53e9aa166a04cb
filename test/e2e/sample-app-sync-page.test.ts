/**
 * The Sync page in a technician's words: work orders by title, what each change belongs to, the runs that happened
 * (a failed "Sync now" shown as failed), units that were synced not called "Not downloaded yet", and a waiting change
 * that can be discarded after being told what that means.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('sample app: the Sync page', () => {
  let server: MockServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureSampleAppBuilt();
    server = await startMockServer({ seedParts: 20 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('names changes by work order, lists runs, shows a failed Sync now, and discards a waiting change', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    await signInAs(page, 'alice');
    await waitForSyncMessage(page, 'All changes saved');
    const row = page.getByTestId('work-order-row').first();
    const title = ((await row.locator('.card-title').textContent()) ?? '').trim();
    await row.click();
    await page.getByTestId('work-order-title').waitFor();

    await goOffline(context);
    await page.getByLabel('Add a note').fill('Valve replaced, needs a check');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Valve replaced, needs a check').waitFor();
    // Added offline, the note already says who wrote it and when, as the server will.
    const note = page.getByTestId('notes').locator('li', { hasText: 'Valve replaced, needs a check' });
    expect(await note.locator('.note-meta').textContent()).toContain('alice');
    expect(await note.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await note.scrollIntoViewIfNeeded();
    await screenshot(page, 'sample-app-note-offline');
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { pressed: false }).first().click();
    await waitForSyncMessage(page, /2 changes/);

    // Back online, but the server does not answer: the changes wait, and "Sync now" fails.
    await server.mock.faults({ unreachableForMs: 120_000 });
    await goOnline(context);
    await page.getByTestId('nav-sync').click();
    await page.getByRole('heading', { name: 'Sync', exact: true }).waitFor();
    const waiting = page.getByTestId('waiting-list');
    await waiting.waitFor();
    // The titles come from the app's own read of the work orders, which waits for the unreachable server first
    // ("Change to a work order" meanwhile): wait for what the person sees once it has answered.
    await page
      .getByTestId('waiting-list')
      .getByText(`New note on “${title}”`)
      .first()
      .waitFor({ timeout: 15_000 });
    const waitingText = (await waiting.textContent()) ?? '';
    expect(waitingText).toContain(`New note on “${title}”`);
    expect(waitingText).toContain(`Change to “${title}”`);
    expect(waitingText).not.toMatch(/wo_\d/);

    await page.getByRole('button', { name: 'Sync now' }).click();
    const outcome = page.getByTestId('sync-outcome');
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/Sync failed/);
    const runs = page.getByTestId('past-runs');
    // `waitFor` takes any string as done: the check must answer false until the failed run is listed.
    await waitFor(async () => /failed/i.test((await runs.textContent()) ?? ''), {
      timeout: 20_000,
      message: 'a failed run in the list of past runs',
    });
    expect(await runs.textContent()).toMatch(/completed/i);
    expect(await page.getByTestId('units').textContent()).not.toContain('Not downloaded yet');
    await screenshot(page, 'sample-app-sync-page-failed');

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await waiting
      .getByRole('listitem')
      .filter({ hasText: 'New note' })
      .getByRole('button', { name: /Discard/ })
      .click();
    await waitFor(async () => !((await waiting.textContent()) ?? '').includes('New note') || 'still listed', {
      message: 'the discarded note gone from the waiting list',
    });
    expect(asked).toMatch(/never reach the server/);
    await server.mock.clearFaults();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await waitForSyncMessage(page, 'All changes saved');
    const notes = await server.mock.liveRecords('notes');
    expect(notes.some((n) => n.text === 'Valve replaced, needs a check')).toBe(false);
    await screenshot(page, 'sample-app-sync-page-done');
    await context.close();
  });
});
