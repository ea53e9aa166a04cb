import { invalidBody } from '../http/errors.js';
import type { JsonObject } from '../json.js';
import type { FormFields } from '../http/forms.js';

/** Fields a client may send but the server owns (PROTOCOL.md §2): ignored on input, never an error. */
export const SERVER_FIELDS = ['id', 'version', 'updatedAt'] as const;

/** Refuses fields the collection does not know, so a typo is a 400 rather than silently dropped data. */
export function rejectUnknown(input: JsonObject, known: readonly string[], ignored: readonly string[]): void {
  for (const field of Object.keys(input)) {
    if (
      !known.includes(field) &&
      !ignored.includes(field) &&
      !(SERVER_FIELDS as readonly string[]).includes(field)
    ) {
      throw invalidBody(field, 'unknown field');
    }
  }
}

export function text(
  input: JsonObject,
  field: string,
  rule: { min?: number; max: number; fallback?: string },
): string {
  const value = input[field];
  if (value === undefined || value === null) {
    if (rule.fallback !== undefined) return rule.fallback;
    throw invalidBody(field, 'required');
  }
  if (typeof value !== 'string') throw invalidBody(field, 'must be a string');
  const length = [...value].length;
  if (length < (rule.min ?? 0)) throw invalidBody(field, `must be at least ${rule.min ?? 0} characters`);
  if (length > rule.max) throw invalidBody(field, `must be at most ${rule.max} characters`);
  return value;
}

export function oneOf<T extends string>(
  input: JsonObject,
  field: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = input[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidBody(field, `must be one of ${values.join(', ')}`);
  }
  return value as T;
}

/** A calendar date `YYYY-MM-DD` or a full ISO 8601 date-time, or null. */
export function nullableDate(input: JsonObject, field: string): string | null {
  const value = input[field];
  if (value === undefined || value === null || value === '') return null;
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw invalidBody(field, 'must be a date (YYYY-MM-DD or ISO 8601) or null');
  }
  return value;
}

export function stringArray(
  input: JsonObject,
  field: string,
  allowed: readonly string[],
): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidBody(field, 'must be an array of strings');
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw invalidBody(field, 'must be an array of strings');
    if (!allowed.includes(item)) throw invalidBody(field, `unknown value ${JSON.stringify(item)}`);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * A form body as a JSON object: each field becomes a string (PROTOCOL.md §5), except the listed array fields, which
 * take every value sent (`assignees=alice&assignees=bob`). A repeated single-valued field is an error.
 */
export function formToObject(fields: FormFields, arrayFields: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [name, values] of fields) {
    if (arrayFields.includes(name)) {
      out[name] = values.flatMap((value) => value.split(',').map((part) => part.trim())).filter(Boolean);
    } else if (values.length === 1) {
      out[name] = values[0];
    } else {
      throw invalidBody(name, 'sent more than once');
    }
  }
  return out;
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: JsonObject =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as JsonObject) }
      : {};
  for (const [name, value] of Object.entries(patch as JsonObject)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}
