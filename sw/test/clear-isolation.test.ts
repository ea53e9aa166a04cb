/**
 * Signing out wipes the partition (`clearLocalData`). With `unsynced: 'refuse'` it must never drop a write: not one
 * queued before, and not one the page made while the clear waited for the running sync.
 */
import { describe, expect, it } from 'vitest';
import { OfflineKitError } from '../src/protocol/errors.js';
import { baseConfig, makeRig } from './harness.js';
import { FakeServer } from './fake-server.js';

function gated(server: FakeServer): { fetch: (r: Request) => Promise<Response>; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    fetch: async (request) => {
      await gate;
      return server.fetch(request);
    },
    release,
  };
}

describe('clearLocalData while a sync runs', () => {
  it('refuses a write made while it waits, so no accepted write is cleared', async () => {
    const server = new FakeServer();
    const net = gated(server);
    const rig = await makeRig(baseConfig, { server, deps: { fetch: net.fetch } });
    const running = rig.engine.sync('all', 'manual');
    const clearing = rig.engine.clearLocalData('refuse');
    const during = rig.write('POST', '/api/work-orders', { title: 'typed while signing out' });
    const outcome = await during.then(
      () => 'accepted',
      (error: unknown) => (error instanceof OfflineKitError ? error.code : String(error)),
    );
    net.release();
    await running;
    await clearing;
    // The page was told at once that its change was not kept (the worker answers it 503 invalid_state)...
    expect(outcome).toBe('invalid_state');
    // ...and nothing it was told was kept is gone: the queue is empty because nothing was accepted.
    expect((await rig.engine.listQueue()).total).toBe(0);
    // Writes are taken again once the clear is over.
    await rig.write('POST', '/api/work-orders', { title: 'after sign-out' });
    expect((await rig.engine.listQueue()).total).toBe(1);
    await rig.engine.close();
  });

  it('counts unsynced writes after the running sync, in the clear itself', async () => {
    const server = new FakeServer();
    const net = gated(server);
    const rig = await makeRig(baseConfig, { server, deps: { fetch: net.fetch } });
    await rig.write('POST', '/api/work-orders', { title: 'queued before' });
    const running = rig.engine.sync('all', 'manual');
    const clearing = rig.engine.clearLocalData('refuse').then(
      () => 'cleared',
      (error: unknown) => (error instanceof OfflineKitError ? error.code : String(error)),
    );
    net.release();
    await running;
    // The write reached the server during the sync: nothing unsynced is left when the clear counts.
    expect(await clearing).toBe('cleared');
    expect(server.live('work-orders').some((r) => r.title === 'queued before')).toBe(true);
    await rig.engine.close();
  });
});
