import { TEMP_PREFIX } from '@offline-kit/sw/protocol';
import { findCollection, type CollectionDef, type WriteContext } from './collections/index.js';
import { SYSTEM_ACTOR } from './auth/users.js';
import { forbidden, invalidBody } from './http/errors.js';
import type { JsonObject } from './json.js';
import type { Store, StoredRecord } from './store/index.js';

export interface Tombstone {
  id: string;
  version: number;
  updatedAt: string;
  deleted: true;
}

/** A record as the wire shows it: server fields first, then the application's. */
export function toWire(record: StoredRecord): JsonObject {
  return { id: record.id, version: record.version, updatedAt: record.updatedAt, ...record.data };
}

export function toTombstone(record: StoredRecord): Tombstone {
  return { id: record.id, version: record.version, updatedAt: record.updatedAt, deleted: true };
}

/**
 * The rules every change follows, whoever makes it (a client's write, a batch, `/__mock/edit`): ids, versions,
 * who may read each record, and what happens to a work order's notes and photos when it changes. Callers run these
 * inside a transaction.
 */
export class Records {
  constructor(private readonly store: Store) {}

  canRead(def: CollectionDef, record: StoredRecord, user: string): boolean {
    return def.scope === 'everyone' || this.store.records.canRead(def.name, record.id, user);
  }

  create(def: CollectionDef, input: JsonObject, ctx: WriteContext, id?: string): StoredRecord {
    const data = def.create(input, ctx);
    const parentId = def.parent ? this.checkParent(def, data, ctx.actor) : null;
    const recordId = id ?? `${def.idPrefix}_${this.store.meta.nextId(def.idPrefix)}`;
    const record = this.store.records.insert(def.name, recordId, data, parentId);
    this.grantReaders(def, record);
    return record;
  }

  replace(def: CollectionDef, current: StoredRecord, data: JsonObject): StoredRecord {
    const record = this.store.records.update(current, data);
    if (def.scope === 'assignees' && this.grantReaders(def, record)) {
      // Children are visible to whoever sees the parent: moving them to the end of the change order makes the next
      // delta pull deliver them to new assignees, and report them deleted to removed ones.
      for (const child of this.store.records.liveChildren(record.id)) {
        this.store.records.setReaders(
          child.collection,
          child.id,
          this.store.records.readers(def.name, record.id),
        );
        this.store.records.resequence(child);
      }
    }
    return record;
  }

  /** Deletes a record, leaving a tombstone; a work order takes its notes and photos with it. */
  remove(def: CollectionDef, current: StoredRecord): StoredRecord {
    for (const child of this.store.records.liveChildren(current.id)) {
      const childDef = findCollection(child.collection);
      if (childDef) this.remove(childDef, child);
    }
    if (def.name === 'photos') this.store.blobs.delete(current.id);
    return this.store.records.update(current, current.data, true);
  }

  /** The parent a child record refers to must exist, be live, and be readable by whoever writes the child. */
  private checkParent(def: CollectionDef, data: JsonObject, actor: string): string {
    const relation = def.parent;
    if (!relation) throw new Error(`${def.name} has no parent`);
    const parentId = data[relation.field];
    const parentDef = findCollection(relation.collection);
    if (typeof parentId !== 'string' || !parentDef) throw invalidBody(relation.field, 'required');
    const parent = this.store.records.get(relation.collection, parentId);
    if (!parent || parent.deleted) {
      throw invalidBody(
        relation.field,
        parentId.startsWith(TEMP_PREFIX)
          ? `the temporary id ${parentId} has not been created yet`
          : `no ${relation.collection} record ${parentId}${parent ? ' (it was deleted)' : ''}`,
      );
    }
    if (actor !== SYSTEM_ACTOR && !this.canRead(parentDef, parent, actor)) {
      throw forbidden(`${relation.collection}/${parentId}`);
    }
    return parentId;
  }

  /** Sets who may read a record from its own assignees or its parent's readers. Returns whether that changed. */
  private grantReaders(def: CollectionDef, record: StoredRecord): boolean {
    if (def.scope === 'assignees' && def.readers) {
      return this.store.records.setReaders(def.name, record.id, def.readers(record.data));
    }
    if (def.scope === 'parent' && def.parent && record.parentId !== null) {
      return this.store.records.setReaders(
        def.name,
        record.id,
        this.store.records.readers(def.parent.collection, record.parentId),
      );
    }
    return false;
  }
}
