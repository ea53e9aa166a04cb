import type { DiscoveryCollection } from '@offline-kit/sw/protocol';
import type { ZodType } from 'zod';
import { invalidBody } from './errors.js';
import { isObject, mergePatch, type JsonObject } from './json.js';

/** Fields every record carries and the server owns (PROTOCOL.md §2): ignored on input, never an error. */
export const SERVER_FIELDS = ['id', 'version', 'updatedAt'] as const;

/** Who is writing, and when: handed to owned-field functions and `readers`. */
export interface WriteContext {
  /** The user the request acts for (from `auth`), or `system` for the server's own changes. */
  user: string;
  now: Date;
}

/** A collection the app declares. Only `name` is required. */
export interface CollectionConfig {
  /** The path segment: `{basePath}/{name}`. */
  name: string;
  /** Ids are `<idPrefix>_<n>`. Default: the name. */
  idPrefix?: string;
  /** Clients may write it. Default true; a read-only collection changes only through the server's own API. */
  writable?: boolean;
  /**
   * The application's fields a client sends, validated on every create, PUT and PATCH (the patched whole). Use a
   * strict object (`z.strictObject`) so a typo is a 400 rather than silently dropped data; `.default()` gives server
   * defaults. Without a schema, any JSON object is accepted.
   */
  schema?: ZodType<JsonObject>;
  /**
   * Fields the server owns: set on create from the writer and the clock, kept on every update, and ignored when a
   * client sends them (like `id` and `version`). Example: `{ author: (ctx) => ctx.user }`.
   */
  owned?: Record<string, (ctx: WriteContext) => unknown>;
  /** Server defaults that depend on the writer (`{ assignees: [ctx.user] }`), for fields a create leaves out. */
  defaults?: (ctx: WriteContext) => JsonObject;
  /**
   * Who may read (and so write) a record: `everyone` signed in (the default), `parent` (whoever may read the parent
   * record), or a function naming the user ids from the record's fields.
   */
  readers?: 'everyone' | 'parent' | ((data: JsonObject) => readonly string[]);
  /**
   * The field of a child that names its parent record: the parent must exist and be readable by the writer, a child
   * never moves to another parent, and deleting the parent deletes its children.
   */
  parent?: { field: string; collection: string };
  /** Fields a PUT keeps when it leaves them out (the parent field always is), such as who a record is assigned to. */
  keep?: readonly string[];
  /**
   * Creates may also come as `application/x-www-form-urlencoded` or `multipart/form-data` (an HTML form that works
   * without script): every field is a string; the fields named in `arrays` take every value sent, repeated or
   * comma-separated. File parts are refused.
   */
  forms?: { arrays?: readonly string[] };
  /**
   * A collection of uploads: a create is the raw bytes of one of `types` (`image/*` matches any image), stored beside
   * the record and served at `{basePath}/{name}/{id}/content`; `fields` makes the record's fields from the upload and
   * the query string of the POST. Creates take no other body.
   */
  binary?: { types: readonly string[]; fields: (upload: Upload) => JsonObject };
  /** PUT and PATCH are refused (405 `read_only`): a record is replaced by deleting it and creating another. */
  immutable?: boolean;
}

/** What a binary collection's `fields` gets: the upload (not its bytes) and the POST's query string. */
export interface Upload {
  contentType: string;
  size: number;
  query: URLSearchParams;
}

/** A form body: each field with every value it was sent with, in order. */
export type FormFields = Map<string, string[]>;

/** A collection with its defaults filled in. */
export interface Collection {
  name: string;
  idPrefix: string;
  writable: boolean;
  readers: 'everyone' | 'parent' | ((data: JsonObject) => readonly string[]);
  parent: { field: string; collection: string } | null;
  immutable: boolean;
  binary: { types: readonly string[]; fields: (upload: Upload) => JsonObject } | null;
  /** A form create as the JSON object it stands for; null when the collection takes no forms. */
  fromForm: ((fields: FormFields) => JsonObject) | null;
  /** The application's fields of a create, validated, with owned fields set. */
  create(input: JsonObject, ctx: WriteContext): JsonObject;
  /** A PUT (`replace`) or PATCH (`patch`) onto the current fields, validated, owned fields kept. */
  update(kind: 'replace' | 'patch', input: JsonObject, current: JsonObject): JsonObject;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function compileCollections(configs: readonly CollectionConfig[]): Map<string, Collection> {
  const out = new Map<string, Collection>();
  for (const config of configs) {
    if (!NAME.test(config.name))
      throw new Error(`collection name ${JSON.stringify(config.name)} is not a path segment`);
    if (config.name.startsWith('_')) throw new Error(`collection names starting with _ are the protocol's`);
    if (out.has(config.name)) throw new Error(`collection ${config.name} is declared twice`);
    out.set(config.name, compile(config));
  }
  for (const collection of out.values()) {
    const parent = collection.parent;
    if (parent && !out.has(parent.collection)) {
      throw new Error(`${collection.name}.parent names ${parent.collection}, which is not declared`);
    }
    if (collection.readers === 'parent' && !parent) {
      throw new Error(`${collection.name} reads through its parent but declares no parent`);
    }
  }
  return out;
}

function compile(config: CollectionConfig): Collection {
  const owned = config.owned ?? {};
  const ignored = new Set<string>([...SERVER_FIELDS, ...Object.keys(owned)]);
  const strip = (input: JsonObject): JsonObject =>
    Object.fromEntries(Object.entries(input).filter(([name]) => !ignored.has(name)));
  const validate = (input: JsonObject): JsonObject => {
    const schema = config.schema;
    if (!schema) return input;
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    if (!issue) throw invalidBody('(body)', 'does not fit the collection');
    const keys = 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as unknown[]) : [];
    const named = issue.code === 'unrecognized_keys' ? keys[0] : issue.path[0];
    const field = typeof named === 'string' || typeof named === 'number' ? String(named) : '(body)';
    throw invalidBody(field, issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message);
  };
  const ownedOf = (current: JsonObject): JsonObject =>
    Object.fromEntries(
      Object.keys(owned)
        .filter((name) => name in current)
        .map((name) => [name, current[name]]),
    );
  const parent = config.parent ?? null;
  return {
    name: config.name,
    idPrefix: config.idPrefix ?? config.name,
    writable: config.writable ?? true,
    readers: config.readers ?? 'everyone',
    parent,
    immutable: config.immutable ?? false,
    binary: config.binary ?? null,
    fromForm: config.forms ? (fields) => formToObject(fields, config.forms?.arrays ?? []) : null,
    create(input, ctx) {
      const data = validate({ ...config.defaults?.(ctx), ...strip(input) });
      for (const [name, make] of Object.entries(owned)) data[name] = make(ctx);
      return data;
    },
    update(kind, input, current) {
      const base = strip(current);
      // A PUT that leaves out the parent field keeps it: it names where the record lives, not what it says.
      const kept: JsonObject = parent ? { [parent.field]: current[parent.field] } : {};
      for (const name of config.keep ?? []) if (name in current) kept[name] = current[name];
      const merged = kind === 'patch' ? mergePatch(base, strip(input)) : { ...kept, ...strip(input) };
      const data = validate(isObject(merged) ? merged : {});
      if (parent && data[parent.field] !== current[parent.field]) {
        throw invalidBody(parent.field, `a record cannot move to another ${parent.collection} record`);
      }
      return { ...data, ...ownedOf(current) };
    },
  };
}

/** The discovery document's entry for a collection (PROTOCOL.md §1). */
export function discoveryEntry(collection: Collection): DiscoveryCollection {
  const entry: DiscoveryCollection = { writable: collection.writable };
  if (collection.writable) entry.conflicts = 'if-match';
  if (collection.parent) entry.parent = { ...collection.parent };
  if (collection.binary) entry.binary = true;
  return entry;
}

/** Whether `type` (lower-case, no parameters) is one of `types`, where `image/*` stands for any image. */
export function acceptsType(types: readonly string[], type: string): boolean {
  return types.some((accepted) =>
    accepted.endsWith('/*') ? type.startsWith(accepted.slice(0, -1)) : accepted === type,
  );
}

function formToObject(fields: FormFields, arrays: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [name, values] of fields) {
    if (arrays.includes(name)) {
      out[name] = values.flatMap((value) => value.split(',').map((part) => part.trim())).filter(Boolean);
    } else if (values.length === 1) {
      out[name] = values[0];
    } else {
      throw invalidBody(name, 'sent more than once');
    }
  }
  return out;
}
