/**
 * The three-way comparison behind the conflict screen: for each application field, what both sides started from
 * (base), what I changed it to (local) and what the server holds now (server), and which side a merge takes.
 */
import type { JsonRecord } from '../api/types.js';

/** Fields the server owns: never shown as a choice, never written back. */
const SERVER_FIELDS = new Set(['id', 'version', 'updatedAt']);

export type Side = 'local' | 'server';

export interface FieldRow {
  field: string;
  base: unknown;
  local: unknown;
  server: unknown;
  /** I changed this field since the base. */
  changedLocally: boolean;
  /** Someone else changed this field since the base. */
  changedOnServer: boolean;
  /** Mine and theirs disagree: the person must choose. */
  differs: boolean;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Rows for every application field present on any side; fields that differ come first, then alphabetical. */
export function diffFields(
  base: JsonRecord | null,
  local: JsonRecord | null,
  server: JsonRecord | null,
): FieldRow[] {
  const names = new Set<string>();
  for (const record of [base, local, server]) {
    if (record) for (const key of Object.keys(record)) if (!SERVER_FIELDS.has(key)) names.add(key);
  }
  const rows = [...names].map((field): FieldRow => {
    const b = base?.[field];
    const l = local?.[field];
    const s = server?.[field];
    return {
      field,
      base: b,
      local: l,
      server: s,
      changedLocally: base !== null && !sameValue(b, l),
      changedOnServer: base !== null && !sameValue(b, s),
      differs: !sameValue(l, s),
    };
  });
  return rows.sort((x, y) => Number(y.differs) - Number(x.differs) || x.field.localeCompare(y.field));
}

/**
 * The side pre-selected for each field: a field only I changed keeps mine, a field only they changed keeps theirs;
 * a field both changed starts on mine, since losing the technician's own work silently is the worse mistake.
 */
export function defaultPicks(rows: FieldRow[]): Record<string, Side> {
  const picks: Record<string, Side> = {};
  for (const row of rows) {
    if (!row.differs) continue;
    picks[row.field] = row.changedOnServer && !row.changedLocally ? 'server' : 'local';
  }
  return picks;
}

/** The record to write on top of the server's version: each differing field from the picked side. */
export function mergeRecord(rows: FieldRow[], picks: Record<string, Side>): JsonRecord {
  const merged: JsonRecord = {};
  for (const row of rows) {
    const value = row.differs && (picks[row.field] ?? 'local') === 'server' ? row.server : row.local;
    if (value !== undefined) merged[row.field] = value;
  }
  return merged;
}

/** Whether the picks amount to "all mine", "all theirs" or a mix, so the resolution can be sent as the plain choice. */
export function summarisePicks(rows: FieldRow[], picks: Record<string, Side>): Side | 'mixed' {
  const sides = new Set(rows.filter((r) => r.differs).map((r) => picks[r.field] ?? 'local'));
  if (sides.size === 1) return sides.has('server') ? 'server' : 'local';
  return sides.size === 0 ? 'local' : 'mixed';
}

/** One sentence stating what a choice does, shown next to the buttons. */
export function consequenceOf(choice: Side | 'mixed', rows: FieldRow[], picks: Record<string, Side>): string {
  const differing = rows.filter((r) => r.differs);
  const lost = (side: Side): string[] =>
    differing.filter((r) => (picks[r.field] ?? 'local') !== side).map((r) => r.field);
  // A create has no base: every differing field counts as changed on both sides.
  const theirs = differing.filter((r) => r.changedOnServer || (!r.changedLocally && !r.changedOnServer));
  const mine = differing.filter((r) => r.changedLocally || (!r.changedLocally && !r.changedOnServer));
  if (choice === 'local') {
    const overwritten = theirs.map((r) => r.field);
    return overwritten.length === 0
      ? 'Your version is saved; nothing of theirs is overwritten.'
      : `Your version is saved. Their changes to ${listFields(overwritten)} are overwritten.`;
  }
  if (choice === 'server') {
    const dropped = mine.map((r) => r.field);
    return dropped.length === 0
      ? 'The server version is kept; you lose nothing.'
      : `The server version is kept. Your changes to ${listFields(dropped)} are discarded.`;
  }
  const keptTheirs = lost('local');
  const keptMine = lost('server');
  return `Saves a mix: yours for ${listFields(keptMine) || 'no field'}, theirs for ${listFields(keptTheirs) || 'no field'}.`;
}

export function listFields(fields: string[]): string {
  const names = fields.map(fieldLabel);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

const LABELS: Record<string, string> = {
  title: 'title',
  description: 'description',
  status: 'status',
  priority: 'priority',
  customer: 'customer',
  address: 'address',
  assignees: 'assigned to',
  dueDate: 'due date',
  text: 'text',
};

export function fieldLabel(field: string): string {
  return LABELS[field] ?? field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A value as a person reads it in the comparison table. */
export function displayValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(empty)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(displayValue).join(', ');
  return JSON.stringify(value);
}
