/**
 * The records this app reads from its REST API (docs/PROTOCOL.md §2), and the guards that narrow what the API — or
 * the service worker answering in its place — sends back. Everything from the wire starts as `unknown`.
 */
export type JsonRecord = Record<string, unknown>;

export const WORK_ORDER_STATUSES = ['open', 'in-progress', 'done', 'cancelled'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

export const STATUS_LABEL: Record<string, string> = {
  open: 'Open',
  'in-progress': 'In progress',
  done: 'Done',
  cancelled: 'Cancelled',
};

export const PRIORITIES = ['low', 'normal', 'high'] as const;

export interface ServerFields {
  id: string;
  /** Absent on a record created offline that the server has not seen yet. */
  version?: number;
  updatedAt?: string;
}

export interface WorkOrder extends ServerFields {
  title: string;
  status: string;
  priority?: string;
  description?: string;
  customer?: string;
  address?: string;
  assignees?: string[];
  /** `YYYY-MM-DD` or ISO 8601; null when there is none. */
  dueDate?: string | null;
}

export interface Note extends ServerFields {
  workOrderId: string;
  text: string;
  author?: string;
  createdAt?: string;
}

export interface Photo extends ServerFields {
  workOrderId: string;
  contentType?: string;
  size?: number;
}

export interface Part extends ServerFields {
  name: string;
  sku?: string;
  description?: string;
  price?: number;
  stock?: number;
}

export interface ListPage<T> {
  records: T[];
  cursor: string | null;
  hasMore: boolean;
}

export function isObject(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(record: JsonRecord, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function serverFields(value: unknown): (ServerFields & { raw: JsonRecord }) | null {
  if (!isObject(value) || typeof value.id !== 'string' || value.id === '') return null;
  return {
    raw: value,
    id: value.id,
    version: optionalNumber(value, 'version'),
    updatedAt: optionalString(value, 'updatedAt'),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function toWorkOrder(value: unknown): WorkOrder | null {
  const base = serverFields(value);
  if (!base || typeof base.raw.title !== 'string') return null;
  const { raw, ...fields } = base;
  return withoutUndefined({
    ...fields,
    title: raw.title as string,
    status: optionalString(raw, 'status') ?? 'open',
    priority: optionalString(raw, 'priority'),
    description: optionalString(raw, 'description'),
    customer: optionalString(raw, 'customer'),
    address: optionalString(raw, 'address'),
    assignees: Array.isArray(raw.assignees)
      ? raw.assignees.filter((a): a is string => typeof a === 'string')
      : undefined,
    dueDate: optionalString(raw, 'dueDate'),
  });
}

export function toNote(value: unknown): Note | null {
  const base = serverFields(value);
  if (!base || typeof base.raw.workOrderId !== 'string' || typeof base.raw.text !== 'string') return null;
  const { raw, ...fields } = base;
  return withoutUndefined({
    ...fields,
    workOrderId: raw.workOrderId as string,
    text: raw.text as string,
    author: optionalString(raw, 'author'),
    createdAt: optionalString(raw, 'createdAt'),
  });
}

export function toPhoto(value: unknown): Photo | null {
  const base = serverFields(value);
  if (!base || typeof base.raw.workOrderId !== 'string') return null;
  const { raw, ...fields } = base;
  return withoutUndefined({
    ...fields,
    workOrderId: raw.workOrderId as string,
    contentType: optionalString(raw, 'contentType'),
    size: optionalNumber(raw, 'size'),
  });
}

export function toPart(value: unknown): Part | null {
  const base = serverFields(value);
  if (!base) return null;
  const { raw, ...fields } = base;
  const name = optionalString(raw, 'name') ?? optionalString(raw, 'title');
  if (name === undefined) return null;
  return withoutUndefined({
    ...fields,
    name,
    sku: optionalString(raw, 'sku'),
    description: optionalString(raw, 'description'),
    price: optionalNumber(raw, 'price'),
    stock: optionalNumber(raw, 'stock'),
  });
}

/** A list answer (PROTOCOL.md §4); records that do not fit the guard are dropped rather than crash the screen. */
export function toListPage<T>(value: unknown, narrow: (v: unknown) => T | null): ListPage<T> | null {
  if (!isObject(value) || !Array.isArray(value.records)) return null;
  const records: T[] = [];
  for (const item of value.records) {
    const record = narrow(item);
    if (record) records.push(record);
  }
  return {
    records,
    cursor: typeof value.cursor === 'string' ? value.cursor : null,
    hasMore: value.hasMore === true,
  };
}
