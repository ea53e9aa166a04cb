/**
 * The three-way comparison behind the conflict screen: for each application field, what both sides started from
 * (base), what I changed it to (local) and what the server holds now (server), and which side a merge takes.
 */
import type { JsonRecord } from '../api/types.js';

/** Fields the server owns: never shown as a choice, never written back. */
const SERVER_FIELDS = new Set(['id', 'version', 'updatedAt']);

/** A plain side, as the whole-record buttons choose. */
export type Side = 'local' | 'server';
/**
 * What one field keeps: mine, theirs, both texts (mine first, for free text both sides wrote), or what the person
 * typed (`edits`).
 */
export type Pick = Side | 'both' | 'edit';

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

/** The app's free-text fields: two people's words there can stand one after the other, a status cannot. */
const FREE_TEXT = new Set(['description', 'text']);

/** Both sides wrote in this free-text field: it can keep both texts. */
export function canKeepBoth(row: FieldRow): boolean {
  return (
    FREE_TEXT.has(row.field) &&
    typeof row.local === 'string' &&
    typeof row.server === 'string' &&
    row.local.trim() !== '' &&
    row.server.trim() !== ''
  );
}

/** Both texts, mine first, a blank line between. */
export function bothTexts(row: FieldRow): string {
  return `${String(row.local)}\n\n${String(row.server)}`;
}

/** The value a field keeps for a pick; `edited` is what the person typed, for `edit`. */
export function pickedValue(row: FieldRow, pick: Pick, edited?: unknown): unknown {
  if (pick === 'server') return row.server;
  if (pick === 'both') return canKeepBoth(row) ? bothTexts(row) : row.local;
  if (pick === 'edit') return edited === undefined ? row.local : edited;
  return row.local;
}

/**
 * What the person typed for a field, as a value of the field's kind: text stays text, a number must read as one,
 * anything else (lists, objects) is JSON. Throws a sentence for the person when it cannot be read.
 */
export function parseEdit(row: FieldRow, typed: string): unknown {
  const sample = row.local ?? row.server;
  if (sample === undefined || sample === null || typeof sample === 'string') return typed;
  if (typeof sample === 'number') {
    const n = Number(typed.trim());
    if (typed.trim() === '' || !Number.isFinite(n))
      throw new Error(`${fieldLabel(row.field)} must be a number.`);
    return n;
  }
  if (typeof sample === 'boolean') {
    if (typed.trim() === 'true' || typed.trim() === 'false') return typed.trim() === 'true';
    throw new Error(`${fieldLabel(row.field)} must be true or false.`);
  }
  try {
    return JSON.parse(typed) as unknown;
  } catch {
    throw new Error(`${fieldLabel(row.field)} must be written as JSON, as shown.`);
  }
}

/** The text a person starts editing from: the value the field keeps now. */
export function editText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The record to write on top of the server's version: each differing field as picked. */
export function mergeRecord(
  rows: FieldRow[],
  picks: Record<string, Pick>,
  edits: Record<string, unknown> = {},
): JsonRecord {
  const merged: JsonRecord = {};
  for (const row of rows) {
    const value = row.differs ? pickedValue(row, picks[row.field] ?? 'local', edits[row.field]) : row.local;
    if (value !== undefined) merged[row.field] = value;
  }
  return merged;
}

/** Whether the picks amount to "all mine", "all theirs" or a mix, so the resolution can be sent as the plain choice. */
export function summarisePicks(rows: FieldRow[], picks: Record<string, Pick>): Side | 'mixed' {
  const sides = new Set(rows.filter((r) => r.differs).map((r) => picks[r.field] ?? 'local'));
  if (sides.size === 1 && (sides.has('server') || sides.has('local')))
    return sides.has('server') ? 'server' : 'local';
  return sides.size === 0 ? 'local' : 'mixed';
}

/** One sentence stating what a choice does, shown next to the buttons. */
export function consequenceOf(choice: Side | 'mixed', rows: FieldRow[], picks: Record<string, Pick>): string {
  const differing = rows.filter((r) => r.differs);
  const kept = (pick: Pick): string[] =>
    differing.filter((r) => (picks[r.field] ?? 'local') === pick).map((r) => r.field);
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
  const parts = [
    `yours for ${listFields(kept('local')) || 'no field'}`,
    `theirs for ${listFields(kept('server')) || 'no field'}`,
  ];
  if (kept('both').length > 0) parts.push(`both texts for ${listFields(kept('both'))}`);
  if (kept('edit').length > 0) parts.push(`your edit for ${listFields(kept('edit'))}`);
  return `Saves a mix: ${parts.join(', ')}.`;
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
