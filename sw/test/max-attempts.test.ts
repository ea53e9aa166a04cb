import { describe, expect, it } from 'vitest';
import { baseConfig, makeRig } from './harness.js';

describe('retry.maxAttempts', () => {
  it('keeps a write that ran out of attempts as failed, with its reason, until a person retries it', async () => {
    const rig = await makeRig({ ...baseConfig, retry: { maxAttempts: 2 } });
    rig.server.faults.failNext = { count: 2, status: 503 };
    await rig.write('POST', '/api/work-orders', { title: 'Stubborn' });

    expect((await rig.engine.sync()).outcome).toBe('failed');
    expect((await rig.engine.listQueue()).items[0]).toMatchObject({ state: 'pending', attempts: 1 });
    await rig.engine.sync();
    const [failed] = (await rig.engine.listQueue()).items;
    expect(failed).toMatchObject({ state: 'failed', attempts: 2, lastStatus: 503, nextAttemptAt: null });
    expect(rig.events.some((e) => e.type === 'write-failed')).toBe(true);
    expect(rig.server.live('work-orders').map((r) => r.title)).not.toContain('Stubborn');

    // A failed write is not sent on its own again; a person's retry sends it once.
    await rig.engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).not.toContain('Stubborn');
    if (!failed) throw new Error('the write should still be queued');
    await rig.engine.retryWrite(failed.id);
    await rig.engine.sync();
    expect(rig.server.live('work-orders').filter((r) => r.title === 'Stubborn')).toHaveLength(1);
    expect((await rig.engine.listQueue()).total).toBe(0);
  });
});
