import { describe, expect, it } from 'vitest';
import {
  consequenceOf,
  defaultPicks,
  diffFields,
  mergeRecord,
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
});
