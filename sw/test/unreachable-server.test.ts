/**
 * The browser online, the server not answering at all (a dead server, a dropped network the browser has not noticed):
 * what Chromium's offline emulation never shows, and the Firefox pass of the bench did.
 */
import { describe, expect, it } from 'vitest';
import type { OfflineKitEvent } from '../src/protocol/api.js';
import { makeRig, type Rig } from './harness.js';
import { manualTimers } from './manual-timers.js';

const runs = (events: OfflineKitEvent[]): number => events.filter((e) => e.type === 'sync-started').length;

async function unreachableRig(clock?: { now: number }): Promise<{
  rig: Rig;
  net: { down: boolean; calls: number };
  timers: ReturnType<typeof manualTimers>;
}> {
  const net = { down: true, calls: 0 };
  const timers = manualTimers();
  const holder: { rig: Rig | null } = { rig: null };
  const rig = await makeRig(undefined, {
    deps: {
      ...(clock ? { now: () => clock.now } : {}),
      setTimer: timers.setTimer,
      clearTimer: timers.clearTimer,
      fetch: async (request) => {
        net.calls += 1;
        if (net.down) throw new TypeError('Failed to fetch');
        if (!holder.rig) throw new Error('no rig yet');
        return holder.rig.server.fetch(request);
      },
    },
  });
  holder.rig = rig;
  return { rig, net, timers };
}

describe('a server that does not answer while the browser is online', () => {
  it('sends the queue in its order once it is back, whatever back-off each write was given', async () => {
    const clock = { now: 1_000_000 };
    const { rig, net } = await unreachableRig(clock);
    // The server was seen before the outage (its discovery is known: the batch is what fails).
    net.down = false;
    await rig.engine.sync('all', 'manual');
    net.down = true;
    // The first write was tried three times during the outage (back-off 3 s), the second once (0.75 s).
    await rig.write('POST', '/api/work-orders', { title: 'order 0' });
    for (let i = 0; i < 3; i++) await rig.engine.sync('all', 'manual');
    await rig.write('POST', '/api/work-orders', { title: 'order 1' });
    await rig.engine.sync('all', 'manual');
    // A second later the server is back, and the engine's retry after the outage runs (it honours back-offs).
    clock.now += 1_000;
    net.down = false;
    await rig.engine.sync('all', 'retry');
    clock.now += 5_000;
    await rig.engine.sync('all', 'retry');
    // A failure with no answer says nothing against one write: the queue goes in its order.
    expect(rig.server.live('work-orders').map((r) => String(r.title))).toEqual(['order 0', 'order 1']);
    await rig.engine.close();
  });

  it('does not try the server again for every write captured while a retry after the outage is armed', async () => {
    const { rig, net, timers } = await unreachableRig();
    net.down = false;
    await rig.engine.sync('all', 'manual');
    net.down = true;
    const runsBefore = runs(rig.events);
    await rig.write('POST', '/api/work-orders', { title: 'first' });
    await rig.engine.sync('all', 'write');
    const afterFirst = net.calls;
    expect(afterFirst).toBeGreaterThan(0);
    expect(timers.armed.length).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      await rig.write('POST', '/api/work-orders', { title: `more ${i}` });
      await rig.engine.sync('all', 'write');
    }
    // The armed retry carries them: no request (and no failed run) per write meanwhile.
    expect(net.calls).toBe(afterFirst);
    expect(runs(rig.events)).toBe(runsBefore + 1);
    // The server comes back; the retry sends every write, in order.
    net.down = false;
    for (const timer of timers.armed.splice(0)) timer.cb();
    await rig.engine.idle();
    expect(rig.server.live('work-orders').map((r) => String(r.title))).toEqual([
      'first',
      'more 0',
      'more 1',
      'more 2',
      'more 3',
      'more 4',
    ]);
    await rig.engine.close();
  });
});
