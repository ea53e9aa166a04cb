import { describe, expect, it } from 'vitest';
import {
  canKeepBoth,
  consequenceOf,
  defaultPicks,
  diffFields,
  mergeRecord,
  parseEdit,
  summarisePicks,
} from '../src/logic/fieldDiff.js';

const base = {
  id: 'wo_1',
  version: 3,
  title: 'Boiler',
  status: 'open',
  description: 'Noise',
  priority: 'normal',
};
const local = { ...base, status: 'done', description: 'Replaced valve' };
const server = { ...base, version: 4, status: 'on_hold', priority: 'high' };

describe('diffFields', () => {
  it('compares application fields only, differing first, and says who changed what', () => {
    const rows = diffFields(base, local, server);
    expect(rows.map((r) => r.field)).toEqual(['description', 'priority', 'status', 'title']);
    const byField = Object.fromEntries(rows.map((r) => [r.field, r]));
    expect(byField.status).toMatchObject({ changedLocally: true, changedOnServer: true, differs: true });
    expect(byField.description).toMatchObject({
      changedLocally: true,
      changedOnServer: false,
      differs: true,
    });
    expect(byField.priority).toMatchObject({ changedLocally: false, changedOnServer: true, differs: true });
    expect(byField.title).toMatchObject({ differs: false });
  });

  it('keeps my one-sided edits and their one-sided edits by default, and mine where both changed', () => {
    const rows = diffFields(base, local, server);
    expect(defaultPicks(rows)).toEqual({ description: 'local', priority: 'server', status: 'local' });
  });

  it('merges field by field from the picked side, never losing the untouched fields', () => {
    const rows = diffFields(base, local, server);
    const merged = mergeRecord(rows, { description: 'local', priority: 'server', status: 'server' });
    expect(merged).toEqual({
      title: 'Boiler',
      status: 'on_hold',
      description: 'Replaced valve',
      priority: 'high',
    });
    expect(merged).not.toHaveProperty('version');
  });

  it('leaves out a field the picked side does not have', () => {
    const rows = diffFields({ a: 1 }, { a: 1, b: 'mine' }, { a: 1 });
    expect(mergeRecord(rows, { b: 'server' })).toEqual({ a: 1 });
    expect(mergeRecord(rows, { b: 'local' })).toEqual({ a: 1, b: 'mine' });
  });

  it('states the consequence of each choice with the fields it affects', () => {
    const rows = diffFields(base, local, server);
    expect(consequenceOf('local', rows, {})).toBe(
      'Your version is saved. Their changes to priority and status are overwritten.',
    );
    expect(consequenceOf('server', rows, {})).toBe(
      'The server version is kept. Your changes to description and status are discarded.',
    );
    const picks = { description: 'local', priority: 'server', status: 'server' } as const;
    expect(summarisePicks(rows, picks)).toBe('mixed');
    expect(consequenceOf('mixed', rows, picks)).toBe(
      'Saves a mix: yours for description, theirs for priority and status.',
    );
  });

  it('treats a create (no base) as changed on neither side', () => {
    const rows = diffFields(null, { title: 'A' }, { title: 'B' });
    expect(rows[0]).toMatchObject({ field: 'title', differs: true, changedLocally: false });
  });

  it('keeps both texts of a free-text field, mine first, and counts it as a mix', () => {
    const rows = diffFields(
      { text: 'Noise' },
      { text: 'Mine: replaced the valve' },
      { text: 'Theirs: pump is loud' },
    );
    const [row] = rows;
    if (!row) throw new Error('one row');
    expect(canKeepBoth(row)).toBe(true);
    expect(mergeRecord(rows, { text: 'both' })).toEqual({
      text: 'Mine: replaced the valve\n\nTheirs: pump is loud',
    });
    expect(summarisePicks(rows, { text: 'both' })).toBe('mixed');
    expect(consequenceOf('mixed', rows, { text: 'both' })).toBe(
      'Saves a mix: yours for no field, theirs for no field, both texts for text.',
    );
    // A status or a number is not free text: nothing to put side by side.
    for (const [field, a, b] of [
      ['status', 'open', 'done'],
      ['n', 2, 3],
    ] as const) {
      const [other] = diffFields({ [field]: a }, { [field]: a }, { [field]: b });
      if (!other) throw new Error('one row');
      expect(canKeepBoth(other)).toBe(false);
    }
  });

  it('writes what the person typed for any field, read as that field’s kind', () => {
    const rows = diffFields(
      { text: 'a', qty: 1, tags: ['x'] },
      { text: 'b', qty: 2, tags: ['y'] },
      { text: 'c', qty: 3, tags: ['z'] },
    );
    const byField = Object.fromEntries(rows.map((r) => [r.field, r]));
    const edits = {
      text: parseEdit(byField.text!, 'merged by hand'),
      qty: parseEdit(byField.qty!, ' 5 '),
      tags: parseEdit(byField.tags!, '["y","z"]'),
    };
    expect(mergeRecord(rows, { text: 'edit', qty: 'edit', tags: 'edit' }, edits)).toEqual({
      text: 'merged by hand',
      qty: 5,
      tags: ['y', 'z'],
    });
    expect(() => parseEdit(byField.qty!, 'five')).toThrow('qty must be a number.');
    expect(() => parseEdit(byField.tags!, '[y')).toThrow(/must be written as JSON/);
    expect(consequenceOf('mixed', rows, { text: 'edit', qty: 'local', tags: 'server' })).toBe(
      'Saves a mix: yours for qty, theirs for tags, your edit for text.',
    );
  });
});
