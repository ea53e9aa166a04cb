import type { ServerWrites, SyncHandler } from '@offline-kit/server';
import type { Store } from '../store/index.js';
import { partFields } from './parts.js';
import { SEED_NOTES, SEED_WORK_ORDERS } from './work-orders.js';

/**
 * Writes the demo data into an empty store, in one transaction: work orders, notes, and `parts` catalogue entries,
 * under fixed ids.
 */
export async function seedAll(store: Store, sync: SyncHandler, parts: number): Promise<void> {
  await sync.changes.transaction(async (changes) => {
    for (const [index, fields] of SEED_WORK_ORDERS.entries()) {
      await changes.create('work-orders', fields, { id: `wo_${index + 1}` });
    }
    for (const [index, note] of SEED_NOTES.entries()) {
      await changes.create(
        'notes',
        { workOrderId: `wo_${note.workOrder}`, text: note.text },
        { id: `nt_${index + 1}`, as: note.author },
      );
    }
    await writeParts(changes, new Map(), parts);
  });
  store.meta.set('seeded', 1);
}

/**
 * Makes the catalogue exactly parts pt_1..pt_<count> with their deterministic fields: missing, deleted or changed
 * ones are (re)written, extra ones are deleted (leaving tombstones, so delta pulls see them go). Returns what changed.
 */
export async function seedParts(
  sync: SyncHandler,
  count: number,
): Promise<{ written: number; deleted: number }> {
  const held = new Map((await sync.changes.all('parts')).map((part) => [String(part.id), part]));
  return sync.changes.transaction((changes) => writeParts(changes, held, count));
}

async function writeParts(
  changes: ServerWrites,
  held: Map<string, Record<string, unknown>>,
  count: number,
): Promise<{ written: number; deleted: number }> {
  let written = 0;
  let deleted = 0;
  for (let n = 1; n <= count; n++) {
    const fields = partFields(n);
    const current = held.get(`pt_${n}`);
    if (!current || current.deleted === true) {
      await changes.create('parts', fields, { id: `pt_${n}` });
      written++;
    } else if (Object.entries(fields).some(([name, value]) => current[name] !== value)) {
      await changes.update('parts', `pt_${n}`, fields);
      written++;
    }
  }
  for (const [id, part] of held) {
    if (part.deleted !== true && Number(id.slice(3)) > count) {
      await changes.remove('parts', id);
      deleted++;
    }
  }
  return { written, deleted };
}
