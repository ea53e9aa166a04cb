import type { CollectionDef } from './types.js';

/** The parts catalogue: read-only for clients, seeded (and changed) only through `/__mock/*`. */
export const parts: CollectionDef = {
  name: 'parts',
  idPrefix: 'pt',
  writable: false,
  scope: 'everyone',
  accepts: { json: false, form: false, binary: false },
  updatable: false,
  create(input) {
    return input;
  },
  replace(input) {
    return input;
  },
  touch(data, round) {
    const stock = typeof data.stock === 'number' ? data.stock : 0;
    return { ...data, stock: (stock + 7 * round) % 500 };
  },
};
