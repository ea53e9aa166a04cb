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

  it('lists without bodies on request: every other field as with them, json null, bodies still one getWrite away', async () => {
    const rig = await makeRig();
    for (let i = 0; i < 3; i++) await rig.write('POST', '/api/work-orders', { title: `w${i}` });
    const full = await rig.engine.listQueue({ offset: 0, limit: 10 });
    const bare = await rig.engine.listQueue({ offset: 0, limit: 10, bodies: false });
    expect(full.items.map((w) => w.json)).toEqual([{ title: 'w0' }, { title: 'w1' }, { title: 'w2' }]);
    expect(bare.total).toBe(3);
    expect(bare.items.map((w) => w.json)).toEqual([null, null, null]);
    expect(bare.items).toEqual(full.items.map((w) => ({ ...w, json: null })));
    const filtered = await rig.engine.listQueue({ collection: 'work-orders', bodies: false });
    expect(filtered.items.map((w) => w.json)).toEqual([null, null, null]);
    const one = await rig.engine.getWrite(bare.items[1]?.id ?? '');
    expect(one?.write.json).toEqual({ title: 'w1' });
  });
});
