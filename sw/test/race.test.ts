import { describe, expect, it } from 'vitest';
import { FakeServer } from './fake-server.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

/**
 * Writes captured while the replay settles an earlier write of the same record (or of its parent). The capture reads
 * the record (its version becomes the new write's base, a parent's temporary id its reference) and commits a few
 * awaits later; the settle commits the acknowledged version, rebases later writes and renames temporary ids in
 * between. Found by the browser property test (seed 627471458): the new write kept the old base, the server refused
 * it 409, and the user's last edit ended up behind a conflict with their own earlier edit.
 *
 * The new write starts a varying number of macrotasks after the batch answer arrives so that, across the loop, it
 * lands at every point of the settle. Whatever the timing, the outcome must be the same.
 */
async function rigWithBatchSignal(): Promise<{ rig: Rig; batchAnswered: () => Promise<void> }> {
  const server = new FakeServer();
  let answered: () => void = () => undefined;
  let signal = new Promise<void>((resolve) => (answered = resolve));
  const fetch = async (request: Request): Promise<Response> => {
    const response = await server.fetch(request);
    if (new URL(request.url).pathname.endsWith('/_batch')) answered();
    return response;
  };
  const rig = await makeRig(baseConfig, { server, deps: { fetch } });
  return {
    rig,
    batchAnswered: async () => {
      await signal;
      signal = new Promise<void>((resolve) => (answered = resolve));
    },
  };
}

async function macrotasks(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('a write captured while an earlier write is being acknowledged', () => {
  it('an edit is based on the acknowledged version: the last edit wins, no conflict with itself', async () => {
    for (let delay = 0; delay < 30; delay += 1) {
      const { rig, batchAnswered } = await rigWithBatchSignal();
      const wo = rig.server.seed('work-orders', { title: 'start' });
      await rig.engine.sync('all', 'manual');
      await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: 'first' });
      const sync = rig.engine.sync('all', 'manual');
      await batchAnswered();
      await macrotasks(delay);
      await rig.write('PATCH', `/api/work-orders/${wo.id}`, { title: `second-${delay}` });
      await sync;
      await rig.engine.sync('all', 'manual');
      const status = await rig.engine.status();
      expect({ delay, conflicts: status.conflicts, pending: status.pending }).toEqual({
        delay,
        conflicts: 0,
        pending: 0,
      });
      expect(rig.server.live('work-orders').find((r) => r.id === wo.id)).toMatchObject({
        title: `second-${delay}`,
        version: 3,
      });
      const local = await rig.engine.ctx.records.get('work-orders', wo.id);
      expect(local?.row.version, `local version after delay ${delay}`).toBe(3);
      await rig.engine.close();
    }
  });

  it("a child created while its parent's create is acknowledged reaches the server under the parent's server id", async () => {
    for (let delay = 0; delay < 30; delay += 1) {
      const { rig, batchAnswered } = await rigWithBatchSignal();
      const parent = await rig.write('POST', '/api/work-orders', { title: `parent-${delay}` });
      const sync = rig.engine.sync('all', 'manual');
      await batchAnswered();
      await macrotasks(delay);
      await rig.write('POST', '/api/notes', { workOrderId: parent.recordId, text: `note-${delay}` });
      await sync;
      await rig.engine.sync('all', 'manual');
      const status = await rig.engine.status();
      expect({ delay, failed: status.failed, pending: status.pending }).toEqual({
        delay,
        failed: 0,
        pending: 0,
      });
      const serverId = rig.server.live('work-orders').find((r) => r.title === `parent-${delay}`)?.id;
      expect(serverId).toBeDefined();
      expect(rig.server.live('notes')).toEqual([
        expect.objectContaining({ text: `note-${delay}`, workOrderId: serverId }),
      ]);
      await rig.engine.close();
    }
  });
});
