/**
 * Two technicians edit the same work order offline and both come back online: the second gets a conflict, resolves it
 * field by field in the app, and the server holds the merge.
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

describe('sample app: two users, one work order', () => {
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

  it('the second to sync resolves the conflict field by field and the server holds the merge', async () => {
    const shared = (await server.mock.liveRecords('work-orders')).find(
      (o) => Array.isArray(o.assignees) && o.assignees.includes('alice'),
    );
    if (!shared) throw new Error('the seed gives alice no work order');
    await server.mock.edit({
      collection: 'work-orders',
      id: shared.id,
      patch: {
        assignees: ['alice', 'bob'],
        status: 'open',
        priority: 'normal',
        description: 'Boiler makes noise',
      },
    });

    const alice = await openSampleApp(browser, server.url);
    const bob = await openSampleApp(browser, server.url, { width: 1100, height: 900 });
    await signInAs(alice.page, 'alice');
    await signInAs(bob.page, 'bob');
    await waitForSyncMessage(alice.page, 'All changes saved');
    await waitForSyncMessage(bob.page, 'All changes saved');
    await goOffline(alice.context);
    await goOffline(bob.context);

    // Alice closes the job; Bob raises the priority. Both rewrite the description.
    await alice.page.goto(`${server.url}/#/work-orders/${shared.id}`);
    await alice.page.getByRole('button', { name: 'Edit details' }).click();
    await alice.page.getByLabel('Status').selectOption('done');
    await alice.page.getByLabel('Description').fill('Alice: replaced the fan bearing.');
    await alice.page.getByRole('button', { name: 'Save changes' }).click();
    await alice.page.getByRole('button', { name: 'Edit details' }).waitFor();

    await bob.page.goto(`${server.url}/#/work-orders/${shared.id}`);
    await bob.page.getByRole('button', { name: 'Edit details' }).click();
    await bob.page.getByLabel('Priority').selectOption('high');
    await bob.page.getByLabel('Description').fill('Bob: noise comes from the pump.');
    await bob.page.getByRole('button', { name: 'Save changes' }).click();
    await bob.page.getByRole('button', { name: 'Edit details' }).waitFor();

    await goOnline(alice.context);
    await waitForSyncMessage(alice.page, 'All changes saved', 30_000);
    await goOnline(bob.context);
    await waitForSyncMessage(bob.page, '1 conflict to resolve', 30_000);
    await screenshot(bob.page, 'sample-app-conflict-01-detected');

    await bob.page.getByTestId('nav-sync').click();
    await bob.page.getByRole('link', { name: /Resolve/ }).click();
    const description = bob.page.getByTestId('field-description');
    await description.waitFor();
    // What both started from, mine and theirs are all on screen.
    await expect.poll(() => description.textContent()).toContain('Boiler makes noise');
    expect(await description.textContent()).toContain('Bob: noise comes from the pump.');
    expect(await description.textContent()).toContain('Alice: replaced the fan bearing.');
    // Writing it oneself starts from what the field keeps (Bob's, as he changed it).
    await description.getByRole('radio', { name: 'Write it myself' }).check();
    expect(await description.getByLabel('Your description').inputValue()).toBe(
      'Bob: noise comes from the pump.',
    );
    await screenshot(bob.page, 'sample-app-conflict-02-editing');
    // Keep both descriptions (Bob's first), Alice's status, Bob's priority.
    await description.getByRole('radio', { name: /Both/ }).check();
    await bob.page
      .getByTestId('field-status')
      .getByRole('radio', { name: /Theirs/ })
      .check();
    await bob.page.getByTestId('field-priority').getByRole('radio', { name: /Mine/ }).check();
    expect(await bob.page.getByTestId('consequence').textContent()).toBe(
      'Saves a mix: yours for priority, theirs for status, both texts for description.',
    );
    await screenshot(bob.page, 'sample-app-conflict-02-resolving');
    await bob.page.getByRole('button', { name: 'Save my choices' }).click();
    await waitForSyncMessage(bob.page, 'All changes saved', 30_000);
    await screenshot(bob.page, 'sample-app-conflict-03-resolved');

    const merged = await waitFor(
      async () => {
        const record = (await server.mock.liveRecords('work-orders')).find((o) => o.id === shared.id);
        return record?.priority === 'high' ? record : false;
      },
      { message: 'the merged work order on the server' },
    );
    expect(merged).toMatchObject({
      status: 'done',
      priority: 'high',
      description: 'Bob: noise comes from the pump.\n\nAlice: replaced the fan bearing.',
      title: shared.title,
    });
  });
});
