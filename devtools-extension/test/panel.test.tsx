// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClient, makeWrite } from './fake-client.js';
import { render, settle, type Rendered } from './render.js';

let current: Rendered | null = null;
afterEach(() => {
  current?.panel.unmount();
  current?.container.remove();
  current = null;
});

async function open(client: FakeClient, tab?: string): Promise<Rendered> {
  current = await render(client);
  if (tab) await current.click(`okp-tab-${tab}`);
  return current;
}

/** The row of one record, matched exactly (`wo_1` is not `wo_10`). */
function rowOf(r: Rendered, record: string): HTMLElement | undefined {
  return r
    .$$('okp-row')
    .find((el) => el.querySelector('[data-testid="okp-queue-record"]')?.textContent === record);
}

function rowWithText(r: Rendered, text: string): HTMLElement {
  const row = r.$$('okp-row').find((el) => el.textContent?.includes(text));
  if (!row)
    throw new Error(
      `no row showing ${text}; rows: ${r
        .$$('okp-row')
        .map((el) => el.textContent)
        .join(' | ')}`,
    );
  return row;
}

describe('connection states', () => {
  it('explains a page without a service worker instead of showing an empty panel', async () => {
    const r = await open(new FakeClient({ status: 'not-found', reason: 'no-controller' }));
    expect(r.$('okp-notice')?.dataset.kind).toBe('not-found');
    expect(r.text()).toContain('Offline Kit not found on this page');
    expect(r.text()).toContain('clients.claim()');
    expect(r.$('okp-tab-queue')).toBeNull();
  });

  it('says why when the bridge is disabled and how to turn it on', async () => {
    const r = await open(new FakeClient({ status: 'disabled', reason: 'devtools: false in production' }));
    expect(r.text()).toContain('devtools: false in production');
    expect(r.text()).toContain('devtools: true');
  });

  it('shows the views once the service worker answers, without a reload', async () => {
    const client = new FakeClient({ status: 'connecting', detail: 'Connecting…' });
    const r = await open(client);
    expect(r.$('okp-tab-overview')).toBeNull();
    client.setConnection({
      status: 'connected',
      moduleVersion: '0.1.0',
      origin: 'http://127.0.0.1:4000',
      scope: '/',
    });
    await settle();
    expect(r.$('okp-tab-overview')).not.toBeNull();
    expect(r.$('okp-connection')?.textContent).toContain('v0.1.0');
  });
});

describe('overview', () => {
  it('shows counts and updates them live from status events', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1), makeWrite(2, { state: 'failed' })];
    const r = await open(client);
    expect(r.$('okp-count-pending')?.textContent).toBe('1');
    expect(r.$('okp-count-failed')?.textContent).toBe('1');
    expect(r.$('okp-storage')?.textContent).toContain('5.0 MiB of 100 MiB');
    client.writes.push(makeWrite(3));
    client.emit({ type: 'status', status: client.status() });
    await settle();
    expect(r.$('okp-count-pending')?.textContent).toBe('2');
    expect(r.$('okp-badge-queue')?.textContent).toBe('3');
  });
});

describe('queue', () => {
  it('lists queued writes with their state and shows a write that arrives later', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1)];
    const r = await open(client, 'queue');
    expect(rowWithText(r, 'work-orders/wo_1').textContent).toContain('pending');
    const write = makeWrite(2, { recordId: 'wo_new' });
    client.writes.push(write);
    client.emit({ type: 'write-queued', write });
    await settle();
    expect(rowWithText(r, 'work-orders/wo_new')).toBeTruthy();
    expect(r.$('okp-queue-total')?.textContent).toBe('2 writes');
  });

  it('keeps the DOM small with 10,000 queued writes', async () => {
    const client = new FakeClient();
    client.writes = Array.from({ length: 10_000 }, (_, i) => makeWrite(i + 1));
    const r = await open(client, 'queue');
    expect(r.$('okp-queue-total')?.textContent).toBe('10000 writes');
    expect(r.$('okp-queue-list')?.dataset.total).toBe('10000');
    const rows = r.$$('okp-row').length;
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    // End jumps to the last write; it is rendered, the first one no longer is.
    const list = r.$('okp-queue-list') as HTMLElement;
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await settle();
    list.dispatchEvent(new Event('scroll'));
    await settle();
    expect(r.$('okp-write-details')?.textContent).toContain('w-10000');
  });

  it('opens a 10,000-write queue with one page asked for, the total shown, and loads more on scroll', async () => {
    const client = new FakeClient();
    client.writes = Array.from({ length: 10_000 }, (_, i) => makeWrite(i + 1));
    const r = await open(client, 'queue');
    const pages = (): { offset?: number; limit?: number }[] =>
      client.calls
        .filter((c) => c.method === 'listQueue')
        .map((c) => c.params[0] as { offset?: number; limit?: number });
    expect(pages()).toHaveLength(1);
    expect(pages()[0]?.offset).toBe(0);
    expect(pages()[0]?.limit).toBeLessThanOrEqual(100);
    expect(r.$('okp-queue-total')?.textContent).toBe('10000 writes');
    expect(rowOf(r, 'work-orders/wo_1')).toBeTruthy();

    // Scrolled to the middle: the rows there show, from the one page that holds them.
    const list = r.$('okp-queue-list') as HTMLElement;
    list.scrollTop = 5010 * 24;
    list.dispatchEvent(new Event('scroll'));
    await settle();
    expect(rowOf(r, 'work-orders/wo_5011')).toBeTruthy();
    expect(pages().map((p) => p.offset)).toEqual([0, 5000]);

    // A change reloads only the pages in view, not the whole queue.
    const before = pages().length;
    client.writes[5010] = makeWrite(5011, { state: 'failed' });
    client.emit({ type: 'write-failed', write: client.writes[5010] });
    await settle();
    expect(rowOf(r, 'work-orders/wo_5011')?.textContent).toContain('failed');
    expect(
      pages()
        .slice(before)
        .map((p) => p.offset),
    ).toEqual([5000]);
  });

  it('lists rows without bodies, a first page of 50, and shows the body of the selected write from getWrite', async () => {
    const client = new FakeClient();
    client.writes = Array.from({ length: 10_000 }, (_, i) => makeWrite(i + 1));
    const r = await open(client, 'queue');
    const listed = client.calls.filter((c) => c.method === 'listQueue').map((c) => c.params[0]);
    expect(listed).toEqual([{ offset: 0, limit: 50, bodies: false }]);
    expect(rowOf(r, 'work-orders/wo_3')).toBeTruthy();
    expect(client.calls.some((c) => c.method === 'getWrite')).toBe(false);

    rowWithText(r, 'wo_3').click();
    await settle();
    expect(client.calls.filter((c) => c.method === 'getWrite').map((c) => c.params[0])).toEqual(['w-3']);
    expect(r.$('okp-write-body')?.textContent).toContain('"seq": 3');
    expect(r.$('okp-write-body')?.textContent).toContain('"status": "done"');
  });

  it('selects every write of a long queue, not only the loaded rows, and discards them in bulk', async () => {
    const client = new FakeClient();
    client.writes = Array.from({ length: 250 }, (_, i) => makeWrite(i + 1));
    const r = await open(client, 'queue');
    await r.click('okp-queue-select-all');
    expect(r.$('okp-queue-bulk-discard')?.textContent).toContain('(250)');
    await r.click('okp-queue-bulk-discard');
    await r.click('okp-queue-bulk-discard'); // the second click confirms
    expect(client.writes).toHaveLength(0);
    expect(r.$('okp-queue-bulk-message')?.textContent).toContain('Discarded 250 of 250');
    expect(r.$('okp-queue-total')?.textContent).toBe('0 writes');
  });

  it('retries a failed write and shows it pending again', async () => {
    const client = new FakeClient();
    client.writes = [
      makeWrite(1, {
        state: 'failed',
        attempts: 5,
        lastStatus: 500,
        lastError: { code: 'server_error', message: 'HTTP 500 from server' },
      }),
    ];
    const r = await open(client, 'queue');
    rowWithText(r, 'wo_1').click();
    await settle();
    expect(r.$('okp-write-last-error')?.textContent).toContain('HTTP 500 from server');
    await r.click('okp-write-retry');
    expect(client.writes[0]?.state).toBe('pending');
    expect(rowWithText(r, 'wo_1').textContent).toContain('pending');
  });

  it('discards only after confirmation', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1), makeWrite(2)];
    const r = await open(client, 'queue');
    rowWithText(r, 'wo_2').click();
    await settle();
    await r.click('okp-write-discard');
    expect(client.writes).toHaveLength(2);
    expect(r.$('okp-write-discard')?.textContent).toBe('Confirm discard');
    await r.click('okp-write-discard');
    expect(client.writes.map((w) => w.id)).toEqual(['w-1']);
    expect(
      r
        .$$('okp-row')
        .map((el) => el.textContent)
        .join(),
    ).not.toContain('wo_2');
  });

  it('edits a body, refusing invalid JSON', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1)];
    const r = await open(client, 'queue');
    rowWithText(r, 'wo_1').click();
    await settle();
    await r.click('okp-write-edit');
    const textarea = r.$('okp-write-editor-text') as HTMLTextAreaElement;
    textarea.value = '{ not json';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    await r.click('okp-write-save');
    expect(r.$('okp-write-editor')?.textContent).toContain('Not valid JSON');
    expect(client.writes[0]?.json).toEqual({ status: 'done', seq: 1 });
    textarea.value = '{ "status": "cancelled" }';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    await r.click('okp-write-save');
    expect(client.writes[0]?.json).toEqual({ status: 'cancelled' });
    expect(r.$('okp-write-body')?.textContent).toContain('cancelled');
  });

  it('moves a failed write back to pending without sending it', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1, { state: 'failed' })];
    const r = await open(client, 'queue');
    rowWithText(r, 'wo_1').click();
    await settle();
    await r.click('okp-write-requeue');
    expect(client.writes[0]?.state).toBe('pending');
    expect(client.writes[0]?.json).toEqual({ status: 'done', seq: 1 });
    expect(client.calls.some((c) => c.method === 'retryWrite')).toBe(false);
  });

  it('filters by state and acts on a selection in bulk', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1, { state: 'failed' }), makeWrite(2), makeWrite(3, { state: 'failed' })];
    const r = await open(client, 'queue');
    const select = r.$('okp-queue-state') as HTMLSelectElement;
    select.value = 'failed';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(r.$('okp-queue-total')?.textContent).toBe('2 writes');
    await r.click('okp-queue-select-all');
    await r.click('okp-queue-bulk-retry');
    expect(client.writes.map((w) => w.state)).toEqual(['pending', 'pending', 'pending']);
    expect(r.$('okp-queue-bulk-message')?.textContent).toContain('Retried 2 of 2');
  });
});

describe('conflicts', () => {
  const conflict = {
    writeId: 'w-7',
    collection: 'work-orders',
    recordId: 'wo_7',
    method: 'PATCH' as const,
    base: { id: 'wo_7', version: 3, title: 'Pump', status: 'open', notes: 'a' },
    local: { id: 'wo_7', version: 3, title: 'Pump', status: 'done', notes: 'a' },
    server: { id: 'wo_7', version: 4, title: 'Pump (moved)', status: 'open', notes: 'a' },
    serverDeleted: false,
    fields: ['status', 'title'],
    merged: null,
    covers: [],
    detectedAt: Date.UTC(2026, 0, 1, 12),
  };

  it('marks the fields that differ and resolves as local', async () => {
    const client = new FakeClient();
    client.conflicts = [structuredClone(conflict)];
    const r = await open(client, 'conflicts');
    const differing = r
      .$$('okp-conflict-row')
      .filter((row) => row.dataset.differs === 'true')
      .map((row) => row.querySelector('th')?.textContent);
    expect(differing).toEqual(['status (differs)', 'title (differs)', 'version (differs)']);
    // Overwriting the server is not the primary action and asks twice.
    expect(r.$('okp-resolve-local')?.getAttribute('data-variant')).toBe('danger');
    await r.click('okp-resolve-local');
    expect(client.resolutions).toEqual([]);
    await r.click('okp-resolve-local');
    expect(client.resolutions).toEqual([{ writeId: 'w-7', resolution: { choice: 'local' } }]);
    expect(r.$('okp-conflicts-empty')).not.toBeNull();
  });

  it('merges: the draft keeps both sides, and the edited record is sent', async () => {
    const client = new FakeClient();
    client.conflicts = [structuredClone(conflict)];
    const r = await open(client, 'conflicts');
    await r.click('okp-resolve-merge');
    const textarea = r.$('okp-merge-text') as HTMLTextAreaElement;
    expect(JSON.parse(textarea.value)).toEqual({ title: 'Pump (moved)', status: 'done', notes: 'a' });
    textarea.value = '[1, 2]';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    await r.click('okp-resolve-merged');
    expect(r.$('okp-merge-editor')?.textContent).toContain('must be a JSON object');
    expect(client.resolutions).toEqual([]);
    textarea.value = '{ "title": "Pump (moved)", "status": "done", "notes": "both" }';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    await r.click('okp-resolve-merged');
    expect(client.resolutions).toEqual([
      {
        writeId: 'w-7',
        resolution: { choice: 'merged', record: { title: 'Pump (moved)', status: 'done', notes: 'both' } },
      },
    ]);
  });
});

describe('local data', () => {
  it('renders record data as text, never as markup', async () => {
    const client = new FakeClient();
    client.records = [
      {
        collection: 'work-orders',
        id: 'wo_1',
        data: { id: 'wo_1', title: '<img src=x onerror="globalThis.pwned=1">' },
        version: 2,
        fromServer: true,
        pending: false,
        deleted: false,
        conflict: false,
        syncedAt: null,
      },
    ];
    const r = await open(client, 'data');
    rowWithText(r, 'wo_1').click();
    await settle();
    expect(r.$('okp-record-json')?.textContent).toContain('<img src=x');
    expect(r.container.querySelector('img')).toBeNull();
  });

  it('shows a record as a JSON tree whose disclosure buttons open and close it, with its raw JSON a toggle away', async () => {
    const client = new FakeClient();
    const data = { id: 'wo_2', title: 'Boiler', site: { name: 'North', floors: [1, 2] } };
    client.records = [
      {
        collection: 'work-orders',
        id: 'wo_2',
        data,
        version: 1,
        fromServer: true,
        pending: false,
        deleted: false,
        conflict: false,
        syncedAt: null,
      },
    ];
    const r = await open(client, 'data');
    rowWithText(r, 'wo_2').click();
    await settle();
    const tree = r.$('okp-record-json');
    expect(tree?.textContent).toContain('"title": "Boiler"');
    const site = [...(tree?.querySelectorAll('button[aria-expanded]') ?? [])].find((b) =>
      b.textContent?.includes('"site"'),
    );
    expect(site?.getAttribute('aria-expanded')).toBe('true');
    site?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle(50);
    expect(site?.getAttribute('aria-expanded')).toBe('false');
    expect(r.$('okp-record-json')?.textContent).not.toContain('"North"');
    expect(r.$('okp-record-json')?.textContent).toContain('2 keys');
    r.$('okp-record-json-raw')?.click();
    await settle(50);
    expect(r.$('okp-record-json')?.textContent).toBe(JSON.stringify(data, null, 2));
  });
});

describe('schema versions (issue #17)', () => {
  it('shows each write’s and each collection’s schema version, and migrations and drops in the history', async () => {
    const client = new FakeClient();
    client.writes = [
      makeWrite(1, { schemaVersion: 2 }),
      makeWrite(2, {
        state: 'failed',
        lastError: {
          code: 'migration_failed',
          message: 'migrateWrite threw at schemaVersion 1 → 2: no equivalent',
        },
      }),
    ];
    client.history = [
      {
        kind: 'write',
        id: 1,
        at: Date.UTC(2026, 0, 1, 12),
        event: 'migrated',
        writeId: 'w-1',
        collection: 'work-orders',
        recordId: 'wo_1',
        method: 'PATCH',
        status: null,
        error: null,
        schema: { from: 1, to: 2 },
      },
      {
        kind: 'write',
        id: 2,
        at: Date.UTC(2026, 0, 1, 12),
        event: 'dropped',
        writeId: 'w-9',
        collection: 'work-orders',
        recordId: 'wo_9',
        method: 'POST',
        status: null,
        error: { code: 'invalid_state', message: 'dropped by migrateWrite: not sent (schemaVersion 1 → 2)' },
        schema: { from: 1, to: 2 },
      },
    ];
    const r = await open(client, 'queue');
    expect(r.$$('okp-queue-schema').map((el) => el.textContent)).toEqual(['v2', 'v1']);
    expect(rowWithText(r, 'work-orders/wo_2').textContent).toContain('migrateWrite threw');
    await r.click('okp-tab-history');
    expect(rowWithText(r, 'migrated').textContent).toContain('schema v1 → v2');
    expect(rowWithText(r, 'dropped').textContent).toContain('not sent');
    await r.click('okp-tab-data');
    expect(r.$$('okp-collection-schema').map((el) => el.textContent)).toEqual(['schema v1', 'schema v1']);
  });
});

describe('history', () => {
  it('filters runs from write events and imports an exported file', async () => {
    const client = new FakeClient();
    client.history = [
      {
        kind: 'run',
        id: 1,
        at: Date.UTC(2026, 0, 1, 12),
        runId: 'run-1',
        unit: 'all',
        trigger: 'online',
        startedAt: Date.UTC(2026, 0, 1, 12),
        durationMs: 80,
        outcome: 'completed',
        pushed: 1,
        pulled: 3,
        conflicts: 0,
        failed: 0,
        error: null,
      },
      {
        kind: 'write',
        id: 2,
        at: Date.UTC(2026, 0, 1, 12, 1),
        event: 'acknowledged',
        writeId: 'w-1',
        collection: 'notes',
        recordId: 'n_1',
        method: 'POST',
        status: 201,
        error: null,
      },
    ];
    const r = await open(client, 'history');
    expect(r.$('okp-history-count')?.textContent).toBe('2 entries');
    const kind = r.$('okp-history-kind') as HTMLSelectElement;
    kind.value = 'run';
    kind.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(r.$$('okp-history-kind-cell').map((el) => el.textContent)).toEqual(['sync run']);

    const input = r.$('okp-history-import') as HTMLInputElement;
    const exported = await client.call('exportHistory');
    const file = new File(
      [JSON.stringify({ ...exported, entries: exported.entries.slice(1) })],
      'saved.json',
      {
        type: 'application/json',
      },
    );
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(r.$('okp-history-imported')?.textContent).toContain('saved.json: 1 entries');

    const bad = new File(['{"format":"something-else"}'], 'other.json', { type: 'application/json' });
    Object.defineProperty(input, 'files', { value: [bad], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(r.text()).toContain('other.json is not an Offline Kit history export');
  });
});

describe('network', () => {
  it('toggles simulated offline and syncs one unit', async () => {
    const client = new FakeClient();
    const r = await open(client, 'network');
    await r.click('okp-simulate-offline');
    expect(client.simulatedOffline).toBe(true);
    expect(r.$('okp-network-online')?.textContent).toContain('offline');
    await r.click('okp-sync-login');
    expect(r.$('okp-last-run')?.textContent).toContain('login');
    expect(r.$('okp-mock-absent')).not.toBeNull();
  });

  it('offers server-mock fault presets only when the page talks to one', async () => {
    const client = new FakeClient();
    client.mockFaults = {};
    const r = await open(client, 'network');
    await r.click('okp-fault-fail-500');
    expect(client.mockRequests).toContainEqual({
      method: 'POST',
      path: '/__mock/faults',
      body: { failNext: { count: 3, status: 500 } },
    });
    expect(r.$('okp-mock-faults')?.textContent).toContain('"status": 500');
    await r.click('okp-fault-clear');
    expect(client.mockFaults).toEqual({});
  });
});

describe('keyboard', () => {
  it('moves between views with the arrow keys', async () => {
    const r = await open(new FakeClient());
    const tablist = r.container.querySelector('[role="tablist"]') as HTMLElement;
    r.$('okp-tab-overview')?.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }),
    );
    await settle();
    expect(r.$('okp-tab-queue')?.getAttribute('aria-selected')).toBe('true');
    expect(r.$('okp-queue')).not.toBeNull();
    tablist.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await settle();
    expect(r.$('okp-network')).not.toBeNull();
  });

  it('moves through queued writes with the arrow keys and opens the one selected', async () => {
    const client = new FakeClient();
    client.writes = [makeWrite(1), makeWrite(2), makeWrite(3)];
    const r = await open(client, 'queue');
    const list = r.$('okp-queue-list') as HTMLElement;
    for (const _ of [1, 2]) {
      list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
      await settle();
    }
    expect(r.$('okp-write-details')?.textContent).toContain('w-2');
    const active = list.getAttribute('aria-activedescendant');
    expect(active && r.container.querySelector(`[id="${active}"]`)?.textContent).toContain('wo_2');
  });
});
