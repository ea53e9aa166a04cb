// Rows come back from SQLite as `unknown`: these guards narrow them, and fail loudly on a row of an unexpected shape
// (a data file written by something else) instead of letting a wrong type travel into an answer.

function column(row: unknown, name: string): unknown {
  if (typeof row !== 'object' || row === null || !(name in row)) {
    throw new Error(`stored row has no column ${name}`);
  }
  return (row as Record<string, unknown>)[name];
}

export function intColumn(row: unknown, name: string): number {
  const value = column(row, name);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw new Error(`stored column ${name} is not an integer`);
}

export function textColumn(row: unknown, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string') throw new Error(`stored column ${name} is not text`);
  return value;
}

export function nullableTextColumn(row: unknown, name: string): string | null {
  const value = column(row, name);
  if (value === null) return null;
  if (typeof value !== 'string') throw new Error(`stored column ${name} is not text`);
  return value;
}

export function blobColumn(row: unknown, name: string): Buffer {
  const value = column(row, name);
  if (!Buffer.isBuffer(value)) throw new Error(`stored column ${name} is not a blob`);
  return value;
}

export function jsonObjectColumn(row: unknown, name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(textColumn(row, name));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`stored column ${name} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
