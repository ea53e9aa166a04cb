/**
 * Tiny guard combinators. Everything that reaches the extension from outside (a port, window.postMessage, a server
 * answer, an imported file) is `unknown` until one of these narrows it. `shape` is typed against the interface it
 * checks, so a field added to the contract without a guard fails to compile.
 */
export type Guard<T> = (value: unknown) => value is T;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const str: Guard<string> = (v): v is string => typeof v === 'string';
export const num: Guard<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
export const bool: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
export const unknownValue: Guard<unknown> = (_v): _v is unknown => true;

export function literal<const T extends string | number | boolean>(...values: T[]): Guard<T> {
  return (v): v is T => values.includes(v as T);
}

export function nullable<T>(guard: Guard<T>): Guard<T | null> {
  return (v): v is T | null => v === null || guard(v);
}

export function optional<T>(guard: Guard<T>): Guard<T | undefined> {
  return (v): v is T | undefined => v === undefined || guard(v);
}

export function arrayOf<T>(guard: Guard<T>): Guard<T[]> {
  return (v): v is T[] => Array.isArray(v) && v.every((item) => guard(item));
}

export function recordOf<T>(guard: Guard<T>): Guard<Record<string, T>> {
  return (v): v is Record<string, T> => isObject(v) && Object.values(v).every((item) => guard(item));
}

export function shape<T>(fields: { [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  const entries: [string, Guard<unknown>][] = Object.entries(fields);
  return (v): v is T => isObject(v) && entries.every(([key, guard]) => guard(v[key]));
}

export function oneOf<A, B>(a: Guard<A>, b: Guard<B>): Guard<A | B> {
  return (v): v is A | B => a(v) || b(v);
}
