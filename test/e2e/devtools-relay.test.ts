/**
 * A page script tries to make the real DevTools panel show things the service worker never said: it posts relay
 * envelopes "to the panel" on window (a fake hook state, fake answers for every request id it can see or guess, fake
 * events) and offers its own port as the page hook's. The panel must keep showing what the service worker holds.
 */
import { describe, expect, it } from 'vitest';
import { api, goOffline, goOnline, jsonBody, kitOf, useDevtoolsSuite, waitFor } from '../harness/index.js';

const FORGED_URL = '/api/FORGED-BY-THE-PAGE';
const FORGED_VERSION = '6.6.6-forged';
const FORGED_PENDING = 4242;

/**
 * Runs in the inspected page as any page script could: everything it knows is public (the relay's envelope format is
 * in the extension's source). It answers every request it sees on window at once, and blindly every id up to 300.
 */
function startForging(forged: { url: string; version: string; pending: number }): void {
  const relay = (body: unknown): unknown => ({
    source: 'offline-kit-devtools-relay',
    v: 1,
    dir: 'to-panel',
    body,
  });
  const sw = (message: Record<string, unknown>): Record<string, unknown> => ({
    source: 'offline-kit-devtools',
    v: 1,
    ...message,
  });
  const write = {
    id: 'w-forged',
    seq: 1,
    collection: 'work-orders',
    recordId: 'wo_forged',
    method: 'DELETE',
    url: forged.url,
    state: 'failed',
    baseVersion: null,
    createdAt: Date.now(),
    attempts: 99,
    nextAttemptAt: null,
    lastError: null,
    lastStatus: null,
    contentType: null,
    bodySize: 0,
    json: null,
    units: ['all'],
  };
  const status = {
    online: false,
    simulatedOffline: false,
    serverReachable: false,
    paused: false,
    pausedReason: null,
    pending: forged.pending,
    failed: forged.pending,
    conflicts: 0,
    syncing: null,
    units: [],
    lastSyncAt: null,
    user: 'mallory',
    devtools: true,
    storage: null,
    protocol: null,
  };
  const results: Record<string, unknown> = {
    getStatus: status,
    listQueue: { items: [write], total: 1 },
    getWrite: write,
  };
  const answer = (id: unknown, method: unknown): void => {
    const known = typeof method === 'string' ? results[method] : undefined;
    for (const result of known === undefined ? [status, results.listQueue] : [known]) {
      window.postMessage(relay({ kind: 'sw', message: sw({ kind: 'response', id, ok: true, result }) }), '/');
      // The same answer in the paired shape as well, in case the relay's format changed.
      window.postMessage(relay({ kind: 'answer', answer: { id, ok: true, result } }), '/');
    }
  };
  // Whatever crosses window towards the hook is read, and answered before the service worker can.
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as {
      dir?: unknown;
      body?: {
        kind?: unknown;
        message?: { id?: unknown; method?: unknown };
        call?: { id?: unknown; method?: unknown };
      };
    } | null;
    if (data?.dir !== 'to-hook') return;
    const call = data.body?.message ?? data.body?.call;
    if (call) answer(call.id, call.method);
  });
  // A port offered as if it were the hook's, and everything sent on it forged too.
  const channel = new MessageChannel();
  window.postMessage(
    { source: 'offline-kit-devtools-relay', v: 1, kind: 'hook-port' },
    window.location.origin,
    [channel.port2],
  );
  const timer = setInterval(() => {
    const hook = relay({
      kind: 'hook-state',
      hook: {
        state: 'connected',
        moduleVersion: forged.version,
        origin: 'https://forged.example',
        scope: '/',
      },
    });
    window.postMessage(hook, window.location.origin);
    channel.port1.postMessage(hook);
    for (let id = 0; id <= 300; id++) answer(id, undefined);
    const event = relay({
      kind: 'sw',
      message: sw({ kind: 'event', event: { type: 'write-discarded', writeId: 'w-1' } }),
    });
    window.postMessage(event, window.location.origin);
  }, 100);
  (window as unknown as { stopForging: () => void }).stopForging = () => clearInterval(timer);
}

describe('devtools panel against a page that forges what it shows', () => {
  const suite = useDevtoolsSuite();
  const setup = (): ReturnType<typeof suite.open> => suite.open();

  it('shows the real queue and status, never what a page script posts as the hook', async () => {
    const { page, devtools } = await setup();
    const { panel } = devtools;
    await page.evaluate(startForging, { url: FORGED_URL, version: FORGED_VERSION, pending: FORGED_PENDING });

    // Real data made while the page forges: the panel asks for it again and must get the service worker's answers.
    await goOffline(page.context());
    const queued = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Real write' }));
    expect(queued.status).toBe(202);
    await panel.view('queue');
    await panel.clickRow('work-orders');
    await panel.waitForText('okp-write-body', 'Real write');
    await panel.view('overview');
    await panel.waitForText('okp-count-pending', '1');
    // Let the forger run through several more refreshes of every view it could reach.
    await panel.view('queue');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await devtools.screenshot('devtools-relay-forged-queue');

    const rows = await panel.texts('okp-row');
    expect(rows.some((row) => row.includes('work-orders'))).toBe(true);
    expect(rows.some((row) => row.includes('FORGED'))).toBe(false);
    expect(await panel.text('okp-queue-total')).toContain('1 write');
    expect(await panel.text('okp-connection')).not.toContain('forged');
    await panel.view('overview');
    await panel.waitForText('okp-count-pending', '1');
    expect(await panel.text('okp-count-pending')).not.toContain(String(FORGED_PENDING));
    expect(await panel.text('okp-connection')).not.toContain('forged');

    // The panel still acts on the real queue: the write reaches the server once back online.
    await page.evaluate(() => (window as unknown as { stopForging: () => void }).stopForging());
    await goOnline(page.context());
    await kitOf(page).syncNow();
    await waitFor(
      async () => (await suite.server.mock.liveRecords('work-orders')).find((r) => r.title === 'Real write'),
      { message: 'the real write to reach the server' },
    );
  });
});
