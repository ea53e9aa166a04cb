import { describe, expect, it } from 'vitest';
import type { OfflineKitEvent } from '../src/protocol/api.js';
import { makeRig } from './harness.js';
import { manualTimers } from './manual-timers.js';

const runs = (events: OfflineKitEvent[]): number => events.filter((e) => e.type === 'sync-started').length;

describe("a page's 'online' nudge", () => {
  it('is not lost when it reaches the worker before the worker sees the network: it looks again within a second', async () => {
    // Pages and the worker learn that the network is back at slightly different moments (under automation, one target
    // after another): a nudge the worker dropped left the queue to the next heartbeat or back-off.
    let workerOnline = false;
    const timers = manualTimers();
    const rig = await makeRig(undefined, {
      deps: { browserOnline: () => workerOnline, setTimer: timers.setTimer, clearTimer: timers.clearTimer },
    });
    await rig.write('POST', '/api/work-orders', { title: 'After the tunnel' });
    await rig.engine.nudge('online');
    expect(rig.server.live('work-orders')).toEqual([]);
    // A second passes; the worker now sees the network.
    workerOnline = true;
    for (const timer of timers.armed.splice(0).filter((t) => t.ms <= 1_000)) timer.cb();
    await rig.engine.idle();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['After the tunnel']);
  });

  it('that arrives during a run doomed by the outage runs again after it, instead of waiting for the back-off', async () => {
    let down = true;
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const timers = manualTimers();
    const rig = await makeRig(undefined, {
      deps: {
        setTimer: timers.setTimer,
        clearTimer: timers.clearTimer,
        fetch: async (request) => {
          if (down) {
            await firstHeld;
            throw new TypeError('Failed to fetch');
          }
          return rig.server.fetch(request);
        },
      },
    });
    await rig.write('POST', '/api/work-orders', { title: 'Sent once back' });
    const doomed = rig.engine.sync('all', 'retry');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs(rig.events)).toBe(1);
    down = false;
    await rig.engine.nudge('online');
    releaseFirst();
    expect((await doomed).outcome).toBe('failed');
    await rig.engine.idle();
    expect(runs(rig.events)).toBe(2);
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Sent once back']);
  });
});
