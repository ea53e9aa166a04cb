import { describe, expect, it, vi } from 'vitest';
import { baseConfig, makeRig } from './harness.js';

describe('a write fixed by a person', () => {
  it('goes out once its body is saved, with no other action (as the panel promises)', async () => {
    const rig = await makeRig(baseConfig);
    rig.server.faults.failNext = { count: 1, status: 422 };
    await rig.write('POST', '/api/work-orders', { title: '' });
    await rig.engine.sync();
    const [failed] = (await rig.engine.listQueue({ state: 'failed' })).items;
    if (failed === undefined) throw new Error('a 422 leaves the write failed');

    await rig.engine.editWrite(failed.id, { title: 'Fixed by a person' });
    // No sync call, no retry: the edit itself sends what the person fixed.
    await vi.waitFor(
      () => expect(rig.server.live('work-orders').map((r) => r.title)).toContain('Fixed by a person'),
      { timeout: 5_000 },
    );
    await vi.waitFor(async () => expect((await rig.engine.listQueue()).total).toBe(0));
    expect(rig.server.live('work-orders').filter((r) => r.title === 'Fixed by a person')).toHaveLength(1);
  });
});
