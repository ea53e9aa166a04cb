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
