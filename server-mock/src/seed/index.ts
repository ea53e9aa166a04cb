import { findCollection, type CollectionDef } from '../collections/index.js';
import type { Records } from '../records.js';
import type { Store } from '../store/index.js';
import { partFields } from './parts.js';
import { SEED_NOTES, SEED_WORK_ORDERS } from './work-orders.js';

function collection(name: string): CollectionDef {
  const def = findCollection(name);
  if (!def) throw new Error(`no collection ${name}`);
  return def;
}

/** Writes the demo data into an empty store: work orders, notes, and `parts` catalogue entries. */
export function seedAll(store: Store, records: Records, parts: number): void {
  store.transaction(() => {
    const workOrders = collection('work-orders');
    const notes = collection('notes');
    const now = store.clock();
    SEED_WORK_ORDERS.forEach((fields, index) => {
      records.create(workOrders, fields, { actor: fields.assignees[0] ?? 'system', now }, `wo_${index + 1}`);
    });
    store.meta.reserveId('wo', SEED_WORK_ORDERS.length);
    SEED_NOTES.forEach((note, index) => {
      records.create(
        notes,
        { workOrderId: `wo_${note.workOrder}`, text: note.text },
        { actor: note.author, now },
        `nt_${index + 1}`,
      );
    });
    store.meta.reserveId('nt', SEED_NOTES.length);
    seedParts(store, records, parts);
    store.meta.set('seeded', 1);
  });
}

/**
 * Makes the catalogue exactly parts pt_1..pt_<count> with their deterministic fields: missing or changed ones are
 * (re)written, extra ones are deleted (leaving tombstones, so delta pulls see them go). Returns what changed.
 */
export function seedParts(
  store: Store,
  records: Records,
  count: number,
): { written: number; deleted: number } {
  const def = collection('parts');
  return store.transaction(() => {
    let written = 0;
    let deleted = 0;
    const ctx = { actor: 'system', now: store.clock() };
    for (let n = 1; n <= count; n++) {
      const fields = partFields(n);
      const current = store.records.get('parts', `pt_${n}`);
      if (!current) {
        records.create(def, fields, ctx, `pt_${n}`);
        written++;
      } else if (current.deleted || JSON.stringify(current.data) !== JSON.stringify(fields)) {
        store.records.update(current, fields);
        written++;
      }
    }
    for (const record of store.records.all('parts')) {
      if (!record.deleted && Number(record.id.slice(3)) > count) {
        records.remove(def, record);
        deleted++;
      }
    }
    store.meta.reserveId('pt', count);
    return { written, deleted };
  });
}
