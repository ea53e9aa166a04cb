/** Narrowing of database rows (they arrive as unknown): a wrong type is a broken database, never a user error. */
function column(row: unknown, name: string): unknown {
  if (typeof row !== 'object' || row === null) throw new Error('stored row is not an object');
  return (row as Record<string, unknown>)[name];
}

export function intColumn(row: unknown, name: string): number {
  const value = column(row, name);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new Error(`stored column ${name} is not an integer`);
}

export function textColumn(row: unknown, name: string): string {
  const value = column(row, name);
  if (typeof value !== 'string') throw new Error(`stored column ${name} is not text`);
  return value;
}

export function nullableTextColumn(row: unknown, name: string): string | null {
  const value = column(row, name);
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new Error(`stored column ${name} is not text`);
  return value;
}

export function boolColumn(row: unknown, name: string): boolean {
  const value = column(row, name);
  if (typeof value === 'boolean') return value;
  return intColumn(row, name) === 1;
}

/** A JSON column: text in SQLite, already parsed (jsonb) in PostgreSQL. */
export function jsonColumn(row: unknown, name: string): unknown {
  const value = column(row, name);
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export function isJsonLiteral(value: string): boolean {
  return (
    value === 'true' || value === 'false' || value === 'null' || /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)
  );
}

export function blobColumn(row: unknown, name: string): Buffer {
  const value = column(row, name);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new Error(`stored column ${name} is not bytes`);
}
