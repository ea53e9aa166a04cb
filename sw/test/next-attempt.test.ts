import { describe, expect, it } from 'vitest';
import { baseConfig, makeRig } from './harness.js';

/**
 * A write's `nextAttemptAt` (shown in the panel as "next attempt") is a promise: the engine's own runs (the retry
 * timer, the interval, a new write) do not send it before then. A person's manual sync, a login or the network coming
 * back still send it at once. The clock and the timers are fakes, driven by hand.
 */
function fakeClock() {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    deps: {
      now: () => now,
      setTimer: (fn: () => void, ms: number) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      clearTimer: (h: unknown) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    },
    advance(ms: number) {
      now += ms;
    },
    /** When the armed timers are due. */
    timersAt: () => timers.map((t) => t.at),
    get now() {
      return now;
    },
  };
}

const config = {
  ...baseConfig,
  retry: { initialDelayMs: 10_000, maxDelayMs: 60_000, factor: 2, jitter: 0 },
};

describe('nextAttemptAt', () => {
  it('keeps a backing-off write (and its record’s later writes) out of retry runs until its time', async () => {
    const clock = fakeClock();
    const rig = await makeRig(config, { deps: clock.deps });
    const held = rig.server.seed('work-orders', { title: 'Held' });
    rig.server.faults.failNext = { count: 1, status: 503 };
    await rig.write('PATCH', `/api/work-orders/${held.id}`, { title: 'First try' });
    expect((await rig.engine.sync()).outcome).toBe('failed');
    const [backingOff] = (await rig.engine.listQueue()).items;
    expect(backingOff?.nextAttemptAt).toBe(clock.now + 10_000);

    // Meanwhile: a later edit of the same record, and a write of another record.
    await rig.write('PATCH', `/api/work-orders/${held.id}`, { title: 'Second' });
    await rig.write('POST', '/api/work-orders', { title: 'Other' });

    clock.advance(2_000);
    const early = await rig.engine.sync('all', 'retry');
    expect(early.pushed).toBe(1);
    const titles = () => rig.server.live('work-orders').map((r) => r.title);
    expect(titles()).toContain('Other');
    expect(titles()).toContain('Held');
    expect(titles()).not.toContain('First try');
    expect((await rig.engine.listQueue()).total).toBe(2);
    // The engine wakes itself when the write is due.
    expect(clock.timersAt()).toContain(backingOff?.nextAttemptAt);

    clock.advance(8_000);
    const due = await rig.engine.sync('all', 'retry');
    expect(due.pushed).toBe(2);
    expect(titles()).toContain('Second');
    expect((await rig.engine.listQueue()).total).toBe(0);
  });

  for (const trigger of ['manual', 'login', 'online'] as const) {
    it(`sends a backing-off write at once on a ${trigger} sync`, async () => {
      const clock = fakeClock();
      const rig = await makeRig(config, { deps: clock.deps });
      rig.server.faults.failNext = { count: 1, status: 503 };
      await rig.write('POST', '/api/work-orders', { title: 'Now' });
      expect((await rig.engine.sync()).outcome).toBe('failed');
      clock.advance(1_000);
      expect((await rig.engine.sync('all', trigger)).pushed).toBe(1);
      expect(rig.server.live('work-orders').map((r) => r.title)).toContain('Now');
    });
  }
});
