import { describe, expect, it } from 'vitest';
import { makeRig } from './harness.js';

describe('listQueue pages', () => {
  it('returns the page asked for, in issue order, with the total — filtered or not', async () => {
    const rig = await makeRig();
    for (let i = 0; i < 25; i++) {
      await rig.write('POST', i % 5 === 0 ? '/api/notes' : '/api/work-orders', {
        title: `w${i}`,
        text: `w${i}`,
      });
    }
    const all = await rig.engine.listQueue({ offset: 0, limit: 100 });
    expect(all.total).toBe(25);
    const order = all.items.map((w) => w.seq);
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const page = await rig.engine.listQueue({ offset: 10, limit: 5 });
    expect(page.total).toBe(25);
    expect(page.items.map((w) => w.id)).toEqual(all.items.slice(10, 15).map((w) => w.id));

    const past = await rig.engine.listQueue({ offset: 30, limit: 5 });
    expect(past).toEqual({ items: [], total: 25 });

    const notes = await rig.engine.listQueue({ collection: 'notes', offset: 1, limit: 2 });
    expect(notes.total).toBe(5);
    expect(notes.items.map((w) => w.id)).toEqual(
      all.items
        .filter((w) => w.collection === 'notes')
        .slice(1, 3)
        .map((w) => w.id),
    );
  });
});
