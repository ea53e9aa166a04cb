import type { ConflictView } from '@offline-kit/sw/protocol';

export interface ConflictRow {
  field: string;
  base: unknown;
  local: unknown;
  server: unknown;
  /** Local and server disagree: the person has to choose. */
  differs: boolean;
  /** The user changed this field (base → local). */
  changedLocally: boolean;
  /** Someone else changed it on the server (base → server). */
  changedOnServer: boolean;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One row per field of any of the three states, in a stable order (the module's `fields` first). */
export function conflictRows(conflict: ConflictView): ConflictRow[] {
  const names = new Set<string>(conflict.fields);
  for (const state of [conflict.base, conflict.local, conflict.server]) {
    if (state) for (const key of Object.keys(state)) names.add(key);
  }
  return [...names].map((field) => {
    const base = conflict.base?.[field];
    const local = conflict.local?.[field];
    const server = conflict.server?.[field];
    return {
      field,
      base,
      local,
      server,
      differs: conflict.fields.includes(field) || !same(local, server),
      changedLocally: !same(base, local),
      changedOnServer: !same(base, server),
    };
  });
}

/**
 * The starting point of a manual merge: the server's record with the user's own changes on top, so that nothing
 * either side did is lost unless the person removes it.
 */
export function mergeDraft(conflict: ConflictView): Record<string, unknown> {
  const draft: Record<string, unknown> = { ...(conflict.server ?? {}) };
  for (const row of conflictRows(conflict)) {
    if (row.changedLocally && conflict.local && row.field in conflict.local) draft[row.field] = row.local;
  }
  // Server-owned fields: the module and the server set them, a merge only carries the application's own.
  for (const owned of SERVER_FIELDS) delete draft[owned];
  return draft;
}

const SERVER_FIELDS = ['id', 'version', 'updatedAt'];
