import { notes } from './notes.js';
import { parts } from './parts.js';
import { photos } from './photos.js';
import type { CollectionDef } from './types.js';
import { workOrders } from './work-orders.js';

export type { CollectionDef, Scope, WriteContext } from './types.js';

export const COLLECTIONS: readonly CollectionDef[] = [workOrders, notes, photos, parts];

export function findCollection(name: string): CollectionDef | undefined {
  return COLLECTIONS.find((collection) => collection.name === name);
}
