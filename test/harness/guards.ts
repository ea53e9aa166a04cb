/** Narrowing helpers for everything that reaches a test from outside (HTTP answers, page results, stored rows). */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isArrayOf<T>(value: unknown, guard: (item: unknown) => item is T): value is T[] {
  return Array.isArray(value) && value.every((item) => guard(item));
}

/** Throws with a readable description when `value` does not pass `guard`. */
export function expectShape<T>(value: unknown, guard: (v: unknown) => v is T, what: string): T {
  if (guard(value)) return value;
  throw new Error(`unexpected ${what}: ${describe(value)}`);
}

export function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(value);
  }
}
