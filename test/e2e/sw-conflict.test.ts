import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  kitOf,
  pageEvents,
  recordsOf,
  screenshot,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
  type Resolution,
  type Suite,
} from '../harness/index.js';

/** Alice edits a work order offline while Bob edits the same one on the server; back online it conflicts. */
async function makeConflict(suite: Suite): Promise<{ page: Page; id: string; writeId: string }> {
  const { context, page } = await suite.open();
  const [record] = recordsOf(await api(page, 'GET', '/api/work-orders'));
  if (record === undefined) throw new Error('alice needs a work order in the seed');
  await goOffline(context);
  const write = await api(page, 'PATCH', `/api/work-orders/${record.id}`, jsonBody({ title: 'Alice title' }));
  expect(write.status, write.text).toBe(202);
  await suite.server.mock.edit({
    collection: 'work-orders',
    id: record.id,
    patch: { title: 'Bob title' },
    as: 'bob',
  });
  await goOnline(context);
  return { page, id: record.id, writeId: writeIdOf(write) };
}

describe('conflicts', () => {
  const suite = useSuite();

  it('keeps both versions when another user changed the record, and writes nothing over theirs', async () => {
    const { page, id, writeId } = await makeConflict(suite);
    const conflict = await waitFor(
      async () => (await kitOf(page).listConflicts()).find((c) => c.writeId === writeId),
      { message: 'the conflict to be listed' },
    );
    expect(conflict.recordId).toBe(id);
    expect(conflict.local?.title).toBe('Alice title');
    expect(conflict.server?.title).toBe('Bob title');
    expect(conflict.fields).toContain('title');
    expect(conflict.base?.title).not.toBe('Alice title');
    const server = (await suite.server.mock.records('work-orders')).find((r) => r.id === id);
    expect(server?.title).toBe('Bob title');
    const events = await pageEvents(page);
    expect(events.some((e) => e.type === 'write-conflicted' && e.conflict.writeId === writeId)).toBe(true);
    const queued = (await kitOf(page).listQueue()).items.find((w) => w.id === writeId);
    expect(queued?.state).toBe('conflict');
    expect((await kitOf(page).getStatus()).conflicts).toBe(1);
    await screenshot(page, 'sw-conflict-detected');
  });

  const resolutions: [string, (server: Record<string, unknown>) => Resolution, string][] = [
    ['local', () => ({ choice: 'local' }), 'Alice title'],
    ['server', () => ({ choice: 'server' }), 'Bob title'],
    [
      'merged',
      (server) => ({ choice: 'merged', record: { ...server, title: 'Alice and Bob title' } }),
      'Alice and Bob title',
    ],
  ];

  it.each(resolutions)(
    'resolved with "%s": the server holds the resolution',
    async (_name, choose, expected) => {
      const { page, id, writeId } = await makeConflict(suite);
      const conflict = await waitFor(
        async () => (await kitOf(page).listConflicts()).find((c) => c.writeId === writeId),
        { message: 'the conflict to be listed' },
      );
      const versionBefore =
        (await suite.server.mock.records('work-orders')).find((r) => r.id === id)?.version ?? 0;
      const { id: _id, version: _v, updatedAt: _u, ...serverFields } = conflict.server ?? {};
      await kitOf(page).resolveConflict(writeId, choose(serverFields));
      await waitForQueueDrained(page);
      await waitFor(async () => (await kitOf(page).listConflicts()).length === 0, {
        message: 'no conflict left',
      });

      const server = (await suite.server.mock.records('work-orders')).find((r) => r.id === id);
      expect(server?.title).toBe(expected);
      // Keeping the server's version writes nothing; the other two write once on top of Bob's version.
      expect(server?.version).toBe(expected === 'Bob title' ? versionBefore : versionBefore + 1);
      const shown = recordsOf(await api(page, 'GET', '/api/work-orders')).find((r) => r.id === id);
      expect(shown?.title).toBe(expected);
    },
  );
});
