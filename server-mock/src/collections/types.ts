import type { FormFields } from '../http/forms.js';
import type { JsonObject } from '../json.js';

/** Who may read (and so write) a collection's records. */
export type Scope =
  /** Everyone signed in (the parts catalogue). */
  | 'everyone'
  /** The users in the record's own `assignees`. */
  | 'assignees'
  /** Whoever may read the parent record. */
  | 'parent';

export interface WriteContext {
  /** The user (or `system`) making the change. */
  actor: string;
  now: Date;
}

export interface CollectionDef {
  name: string;
  /** Ids are `<prefix>_<n>`. */
  idPrefix: string;
  writable: boolean;
  scope: Scope;
  parent?: { field: string; collection: string };
  /** Which request bodies a create accepts. Updates are JSON only. */
  accepts: { json: boolean; form: boolean; binary: boolean };
  /** Whether PUT and PATCH are allowed (photos are immutable: delete and add another). */
  updatable: boolean;
  /** Validates a create and fills defaults; throws 400 `invalid_body` naming the field. */
  create(input: JsonObject, ctx: WriteContext): JsonObject;
  /** Validates a full replacement of the application's fields. */
  replace(input: JsonObject, current: JsonObject, ctx: WriteContext): JsonObject;
  /** Turns a form-encoded or multipart create into the fields of a JSON create. */
  fromForm?(fields: FormFields): JsonObject;
  /** The users who may read a record of an `assignees` collection. */
  readers?(data: JsonObject): string[];
  /** A small, valid change for `/__mock/touch`. */
  touch(data: JsonObject, round: number): JsonObject;
}
