import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  recordOf,
  recordsOf,
  useSuite,
  waitForQueueDrained,
} from '../harness/index.js';

describe('parent and children created offline', () => {
  const suite = useSuite();

  it('attaches the notes to the work order under its server id', async () => {
    const { context, page } = await suite.open();
    await api(page, 'GET', '/api/work-orders');
    await goOffline(context);

    const order = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Parent made offline' }));
    expect(order.status, order.text).toBe(202);
    const tempId = recordOf(order).id;
    expect(tempId).toMatch(/^tmp_/);
    for (const text of ['First child note', 'Second child note']) {
      const note = await api(page, 'POST', '/api/notes', jsonBody({ workOrderId: tempId, text }));
      expect(note.status, note.text).toBe(202);
    }
    // Offline, the children read back attached to the temporary parent.
    const offlineNotes = recordsOf(await api(page, 'GET', `/api/notes?workOrderId=${tempId}`));
    expect(offlineNotes.map((n) => n.text).sort()).toEqual(['First child note', 'Second child note']);

    await goOnline(context);
    await waitForQueueDrained(page);

    const { mock } = suite.server;
    const parents = (await mock.liveRecords('work-orders')).filter((r) => r.title === 'Parent made offline');
    expect(parents).toHaveLength(1);
    const serverId = parents[0]?.id;
    expect(serverId).not.toMatch(/^tmp_/);
    const children = (await mock.liveRecords('notes')).filter((n) => /child note$/.test(String(n.text)));
    expect(children.map((n) => n.text).sort()).toEqual(['First child note', 'Second child note']);
    for (const child of children) expect(child.workOrderId).toBe(serverId);

    // The page's local copies were rewritten too: no temporary id left anywhere the app reads.
    const localNotes = await kitOf(page).listRecords({ collection: 'notes', limit: 1000 });
    expect(localNotes.items.filter((n) => n.data?.workOrderId === tempId)).toEqual([]);
    const onlineNotes = recordsOf(await api(page, 'GET', `/api/notes?workOrderId=${serverId}`));
    expect(onlineNotes.map((n) => n.text).sort()).toEqual(['First child note', 'Second child note']);
  });
});
