/**
 * The devtools extension as a developer uses it: built, loaded unpacked, its "Offline Kit" panel opened in the real
 * DevTools window of the fixture app (which runs the real module against server-mock). Assertions are on what the
 * panel shows and on what the server holds after a click in the panel.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDevtoolsPanel, openPanelInTab, stopExtensionBackground } from '../harness/devtools.js';
import {
  api,
  fixtureReady,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  login,
  openFixtureApp,
  recordsOf,
  screenshot,
  stopServiceWorkers,
  useDevtoolsSuite,
  waitFor,
  writeIdOf,
} from '../harness/index.js';

describe('devtools panel in DevTools', () => {
  const suite = useDevtoolsSuite();
  const setup = (): ReturnType<typeof suite.open> => suite.open();

  it('lists a write queued offline, live, and shows it in light and dark themes', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    await panel.view('queue');
    await goOffline(page.context());
    const answer = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Leak under sink' }));
    expect(answer.status).toBe(202);
    const row = await waitFor(
      async () => (await panel.texts('okp-row')).find((text) => text.includes('work-orders/')),
      { message: 'the queued write in the panel' },
    );
    expect(row).toContain('POST');
    expect(row.toLowerCase()).toContain('pending');
    await panel.clickRow('work-orders/');
    await panel.waitForText('okp-write-body', 'Leak under sink');
    await devtools.screenshot('devtools-panel-queue-light');
    await devtools.setTheme('dark');
    await waitFor(async () => (await panel.attribute('okp-root', 'data-theme')) === 'dark', {
      message: 'the panel to follow DevTools into the dark theme',
    });
    await devtools.screenshot('devtools-panel-queue-dark');
    await goOnline(page.context());
    await waitFor(
      async () =>
        (await suite.server.mock.liveRecords('work-orders')).find((r) => r.title === 'Leak under sink'),
      {
        message: 'the write to reach the server',
      },
    );
    await panel.waitForText('okp-queue-total', '0 writes');
  });

  it('retries a failed write, fixes its body and discards another from the panel', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    // Queued offline with a body the server refuses (an empty title): back online it is kept as failed.
    await goOffline(page.context());
    const failing = await api(page, 'POST', '/api/work-orders', jsonBody({ title: '' }));
    const failingId = writeIdOf(failing);
    await goOnline(page.context());
    await panel.view('queue');
    await panel.fill('okp-queue-state', 'failed');
    await panel.clickRow('work-orders/');
    await panel.waitForText('okp-write-last-error', 'HTTP 400');
    await devtools.screenshot('devtools-panel-queue-failed');
    const refusals = async (): Promise<number> =>
      (await suite.server.mock.log()).filter((entry) => entry.method === 'POST' && entry.status === 400)
        .length;
    const refusedBefore = await refusals();
    await panel.click('okp-write-retry');
    // Sent again at once (no waiting for a back-off), refused again, and listed as failed again.
    await waitFor(async () => (await refusals()) > refusedBefore, {
      message: 'the retried write at the server',
    });
    await waitFor(async () => (await panel.texts('okp-row')).some((row) => row.includes('failed')), {
      message: 'the write listed as failed again',
    });
    // The list rows carry no body: the details show it (and enable Edit) once getWrite answered, as a person sees.
    // The retried write has a new id (a new Idempotency-Key); the details follow it once the list reloads, which
    // under load may land between opening the editor and saving: then the save is refused (the write it named is
    // gone) and the person opens it again. Saved means what a person sees: the new body, or the write already sent.
    const fixedAtServer = async (): Promise<boolean> =>
      (await suite.server.mock.liveRecords('work-orders')).some((r) => r.title === 'Fixed in the panel');
    await waitFor(
      async () => {
        try {
          await panel.waitForText('okp-write-body', '"title": ""');
          await panel.click('okp-write-edit');
          await panel.fill('okp-write-editor-text', JSON.stringify({ title: 'Fixed in the panel' }));
          await panel.click('okp-write-save');
          return await waitFor(
            async () =>
              ((await panel.text('okp-write-body'))?.includes('Fixed in the panel') ?? false) ||
              (await fixedAtServer()),
            { timeout: 5_000, message: 'the saved body' },
          );
        } catch {
          return false;
        }
      },
      { timeout: 40_000, message: 'the body edited and saved from the panel' },
    );
    await panel.fill('okp-queue-state', '');
    // Saving sends it: no Retry click after the edit.
    await waitFor(
      async () =>
        (await suite.server.mock.liveRecords('work-orders')).find((r) => r.title === 'Fixed in the panel'),
      { timeout: 20_000, message: 'the corrected write to reach the server with no other click' },
    );
    await panel.waitForText('okp-queue-total', '0 writes');
    expect((await kitOf(page).listQueue()).items.some((w) => w.id === failingId)).toBe(false);

    // Discard: queued offline, dropped from the panel, never sent once back online.
    await goOffline(page.context());
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Discard me' }));
    await panel.fill('okp-queue-state', '');
    await panel.clickRow('work-orders/');
    await panel.waitForText('okp-write-body', 'Discard me');
    await panel.click('okp-write-discard');
    await panel.click('okp-write-discard'); // the second click confirms
    await panel.waitForText('okp-queue-total', '0 writes');
    await goOnline(page.context());
    await kitOf(page).syncNow();
    expect((await suite.server.mock.liveRecords('work-orders')).some((r) => r.title === 'Discard me')).toBe(
      false,
    );
  });

  it('resolves a conflict from the panel, and the server holds the chosen version', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    const [record] = recordsOf(await api(page, 'GET', '/api/work-orders'));
    if (record === undefined) throw new Error('alice needs a work order in the seed');
    await goOffline(page.context());
    await api(page, 'PATCH', `/api/work-orders/${record.id}`, jsonBody({ title: 'Alice title' }));
    await suite.server.mock.edit({
      collection: 'work-orders',
      id: record.id,
      patch: { title: 'Bob title' },
      as: 'bob',
    });
    await goOnline(page.context());
    await panel.view('conflicts');
    await panel.waitForText('okp-conflict-detail', 'Alice title');
    const rows = await panel.texts('okp-conflict-row');
    expect(rows.find((r) => r.startsWith('title'))).toMatch(/Alice title.*Bob title/);
    await devtools.screenshot('devtools-panel-conflict');
    // Overwriting the server asks for a second click.
    await panel.click('okp-resolve-local');
    await panel.click('okp-resolve-local');
    await waitFor(
      async () =>
        (await suite.server.mock.liveRecords('work-orders')).find(
          (r) => r.id === record.id && r.title === 'Alice title',
        ),
      { message: 'the local version to reach the server' },
    );
    await panel.waitForText('okp-conflicts-empty', 'No conflicts');
  });

  it('shows a sync run in History and exports it', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    await panel.view('network');
    await panel.click('okp-sync-all');
    await panel.waitForText('okp-last-run', 'all');
    await panel.view('history');
    await waitFor(async () => (await panel.texts('okp-history-kind-cell')).includes('sync run'), {
      message: 'a sync run in History',
    });
    await panel.fill('okp-history-kind', 'run');
    const kinds = await panel.texts('okp-history-kind-cell');
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['sync run']));
    const downloads = await mkdtemp(path.join(tmpdir(), 'offline-kit-downloads-'));
    try {
      await devtools.saveDownloadsTo(downloads);
      await panel.click('okp-history-export');
      await panel.waitForText('okp-history-exported', 'Exported');
      // The file a developer gets: an Offline Kit history export holding the sync run just made.
      const file = await waitFor(
        async () =>
          (await readdir(downloads)).find(
            (name) => name.startsWith('offline-kit-history-') && name.endsWith('.json'),
          ),
        { message: 'the exported history file' },
      );
      const exported: unknown = JSON.parse(await readFile(path.join(downloads, file), 'utf8'));
      expect(exported).toMatchObject({ format: 'offline-kit-history', version: 1, origin: suite.server.url });
      const entries = (exported as { entries: { kind: string; trigger?: string }[] }).entries;
      expect(entries.some((entry) => entry.kind === 'run' && entry.trigger === 'manual')).toBe(true);
      // Later entries may have been added since: the file holds at most what the module holds now.
      expect(entries.length).toBeLessThanOrEqual((await kitOf(page).exportHistory()).entries.length);
    } finally {
      await rm(downloads, { recursive: true, force: true });
    }
    await devtools.screenshot('devtools-panel-history');
    // After a sync has asked the API, Local data says which level each collection runs at (server-mock speaks our
    // protocol: every guarantee; parts is read-only, so nothing about writes).
    await panel.view('data');
    await waitFor(
      async () =>
        (await panel.texts('okp-collection-level')).includes(
          'Offline Kit protocol · exactly-once · conflicts detected · delta pulls · batch',
        ),
      { message: 'the level of work-orders in Local data' },
    );
    expect(await panel.texts('okp-collection-level')).toContain('Offline Kit protocol · delta pulls');
    await devtools.screenshot('devtools-panel-data-levels');
  });

  it('recovers when the browser stops the extension background worker', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    await panel.view('queue');
    await stopExtensionBackground(suite.ext, page);
    await panel.waitForText('okp-connection', 'v');
    expect(await panel.attribute('okp-tab-queue', 'aria-selected')).toBe('true');
    // Everything after this goes through a background worker started anew by the panel's reconnect.
    await goOffline(page.context());
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'After restart' }));
    await waitFor(async () => (await panel.texts('okp-row')).some((text) => text.includes('work-orders/')), {
      message: 'the panel to list a write queued after the background restarted',
    });
    await panel.clickRow('work-orders/');
    await panel.waitForText('okp-write-body', 'After restart');
    await goOnline(page.context());
  });

  it('follows the page through a reload and a service-worker restart', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    await panel.view('queue');
    await page.reload();
    await fixtureReady(page);
    await goOffline(page.context());
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'After reload' }));
    await waitFor(async () => (await panel.texts('okp-row')).some((text) => text.includes('work-orders/')), {
      message: 'the panel to list a write queued after the reload',
    });
    await goOnline(page.context());
    await waitFor(
      async () =>
        (await suite.server.mock.liveRecords('work-orders')).find((r) => r.title === 'After reload'),
      {
        message: 'the write to reach the server',
      },
    );
    await panel.waitForText('okp-queue-total', '0 writes');

    // The browser stops the page's service worker: its MessagePort dies silently, the panel must notice and reconnect.
    await stopServiceWorkers(page);
    await goOffline(page.context());
    await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'After worker restart' }));
    await waitFor(async () => (await panel.texts('okp-row')).some((text) => text.includes('work-orders/')), {
      message: 'the panel to list a write queued after the service worker restarted',
    });
    await panel.clickRow('work-orders/');
    await panel.waitForText('okp-write-body', 'After worker restart');
    await goOnline(page.context());
  });

  it('says "not found" with a hint on a page without Offline Kit', async () => {
    const ext = await suite.launch({ devtools: true });
    const page = await ext.context.newPage();
    // A plain page of the same server, which no service worker controls.
    await page.goto(`${suite.server.url}/__mock/state`);
    const devtools = await openDevtoolsPanel(ext, page);
    const notice = await devtools.panel.waitForText('okp-notice', 'not found on this page');
    expect(notice).toContain('No service worker controls this page');
    await devtools.screenshot('devtools-panel-not-found');
  });

  it('inspects the sample app', async () => {
    const ext = await suite.launch({ devtools: true });
    const page = await ext.context.newPage();
    await page.goto(`${suite.server.url}/`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
    const devtools = await openDevtoolsPanel(ext, page);
    await devtools.panel.waitForText('okp-connection', suite.server.url);
    await devtools.panel.waitForText('okp-online', 'Online');
    await devtools.screenshot('devtools-panel-sample-app-overview');
    await devtools.panel.view('data');
    await devtools.panel.waitForText('okp-records-total', 'records');
    await devtools.screenshot('devtools-panel-sample-app-data');
  });

  it('runs as a page in a tab too, without errors, in light and dark', async () => {
    const ext = await suite.launch();
    const session = await login(suite.server.url, 'alice');
    const app = await openFixtureApp(ext.context, suite.server.url, { session });
    const { page, panel } = await openPanelInTab(ext, app);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await panel.waitForText('okp-connection', 'v');
    await panel.view('data');
    await panel.clickRow('wo_');
    const json = await panel.waitForText('okp-record-json', '"id"');
    const server_ = await suite.server.mock.liveRecords('work-orders');
    expect(server_.some((r) => json.includes(r.id))).toBe(true);
    await screenshot(page, 'devtools-tab-data-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'devtools-tab-data-dark');
    await panel.view('overview');
    await panel.waitForText('okp-online', 'Online');
    expect(errors).toEqual([]);
  });
});
