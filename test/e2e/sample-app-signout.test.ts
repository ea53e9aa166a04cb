/** Signing out wipes the technician's local data and queue, and warns first when changes are not synced. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dumpIndexedDb,
  goOffline,
  launchBrowser,
  screenshot,
  startMockServer,
  waitFor,
  type MockServer,
} from '../harness/index.js';
import {
  ensureSampleAppBuilt,
  kitDatabases,
  openSampleApp,
  signInAs,
  waitForSyncMessage,
} from '../harness/sample-app.js';

/** Every value of every store of Offline Kit's databases, as one string to search. */
async function localData(page: Parameters<typeof dumpIndexedDb>[0]): Promise<string> {
  const parts: string[] = [];
  for (const name of await kitDatabases(page)) parts.push(JSON.stringify(await dumpIndexedDb(page, name)));
  return parts.join('\n');
}

describe('sample app: sign out', () => {
  let server: MockServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureSampleAppBuilt();
    server = await startMockServer({ seedParts: 50 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('warns about unsynced changes, then wipes the user’s records and queue from IndexedDB', async () => {
    const { context, page } = await openSampleApp(browser, server.url);
    await signInAs(page, 'alice');
    await waitForSyncMessage(page, 'All changes saved');
    const first = page.getByTestId('work-order-row').first();
    await first.waitFor();
    const title = (await first.locator('.card-title').textContent()) ?? '';
    expect(title).not.toBe('');
    await waitFor(async () => (await localData(page)).includes(title), {
      message: 'alice’s work orders stored in IndexedDB',
    });

    await goOffline(context);
    await page.getByRole('link', { name: 'New work order' }).click();
    await page.getByLabel('Title').fill('Unsynced inspection');
    await page.getByRole('button', { name: 'Create work order' }).click();
    await page.getByTestId('work-order-title').filter({ hasText: 'Unsynced inspection' }).waitFor();
    await waitFor(async () => (await localData(page)).includes('Unsynced inspection'), {
      message: 'the queued create stored in IndexedDB',
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    const warning = page.getByTestId('signout-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/1 change not on the server yet/);
    await screenshot(page, 'sample-app-signout-01-warning');
    await page.getByRole('button', { name: 'Discard changes and sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sample-app-signout-02-signed-out');

    const after = await localData(page);
    expect(after).not.toContain(title);
    expect(after).not.toContain('Unsynced inspection');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // Not even the name of alice's database is left for the next person on the device.
    const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
    expect(names.filter((name) => name.includes('alice'))).toEqual([]);
    const created = (await server.mock.liveRecords('work-orders')).filter(
      (o) => o.title === 'Unsynced inspection',
    );
    expect(created).toEqual([]);
  });
});
