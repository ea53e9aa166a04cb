/** Reads and writes of the app's collections, as plain REST calls (docs/PROTOCOL.md §4–5). */
import { api, ApiError, jsonBody, type ApiAnswer } from './http.js';
import {
  toListPage,
  toNote,
  toPart,
  toPhoto,
  toWorkOrder,
  type JsonRecord,
  type Note,
  type Part,
  type Photo,
  type WorkOrder,
} from './types.js';

export interface Loaded<T> {
  items: T[];
  /** When this data left the server: now for a network answer, the last sync for a local one. */
  asOf: number | null;
  fromLocal: boolean;
}

/** Every page of a collection, following `cursor` while `hasMore` (PROTOCOL.md §4). */
async function listAll<T>(
  collection: string,
  filter: Record<string, string>,
  narrow: (v: unknown) => T | null,
  pageSize = 1000,
): Promise<Loaded<T>> {
  const items: T[] = [];
  let since: string | null = null;
  let asOf: number | null = null;
  let fromLocal = false;
  // Bounded so a misbehaving server cannot spin the page forever.
  for (let page = 0; page < 100; page++) {
    const params = new URLSearchParams({ ...filter, limit: String(pageSize) });
    if (since) params.set('since', since);
    const answer = await api(`/api/${collection}?${params.toString()}`);
    const list = toListPage(answer.body, narrow);
    if (!list) throw new ApiError(answer.status, 'bad_response', `The ${collection} list could not be read.`);
    items.push(...list.records);
    if (page === 0) {
      fromLocal = answer.source === 'local';
      asOf = fromLocal ? answer.lastSyncAt : Date.now();
    }
    if (!list.hasMore || !list.cursor) break;
    since = list.cursor;
  }
  return { items: dedupeById(items), asOf, fromLocal };
}

/** Later pages carry a record's latest state (PROTOCOL.md §4), so the last occurrence wins. */
function dedupeById<T>(items: T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const id = (item as { id: string }).id;
    byId.delete(id);
    byId.set(id, item);
  }
  return [...byId.values()];
}

function ifMatch(version: number | undefined): Record<string, string> {
  return version === undefined ? {} : { 'If-Match': `"${version}"` };
}

/** A write's answer: the stored record (201/200), or the optimistic one the service worker queued (202). */
function recordFrom<T>(answer: ApiAnswer, narrow: (v: unknown) => T | null, fallback: T): T {
  return narrow(answer.body) ?? fallback;
}

export const listWorkOrders = (): Promise<Loaded<WorkOrder>> => listAll('work-orders', {}, toWorkOrder);

export async function getWorkOrder(id: string): Promise<WorkOrder> {
  const answer = await api(`/api/work-orders/${encodeURIComponent(id)}`);
  const order = toWorkOrder(answer.body);
  if (!order) throw new ApiError(answer.status, 'bad_response', 'The work order could not be read.');
  return order;
}

export async function createWorkOrder(
  fields: Omit<WorkOrder, 'id'>,
): Promise<{ order: WorkOrder; queued: boolean }> {
  const answer = await api('/api/work-orders', { method: 'POST', ...jsonBody(fields) });
  const order = recordFrom(answer, toWorkOrder, null);
  if (!order) throw new ApiError(answer.status, 'bad_response', 'The new work order could not be read.');
  return { order, queued: answer.status === 202 };
}

export async function updateWorkOrder(
  order: WorkOrder,
  patch: JsonRecord,
): Promise<{ order: WorkOrder; queued: boolean }> {
  const { headers, body } = jsonBody(patch);
  const answer = await api(`/api/work-orders/${encodeURIComponent(order.id)}`, {
    method: 'PATCH',
    body,
    headers: { ...(headers as Record<string, string>), ...ifMatch(order.version) },
  });
  const fallback = toWorkOrder({ ...order, ...patch }) ?? order;
  return { order: recordFrom(answer, toWorkOrder, fallback), queued: answer.status === 202 };
}

export const listNotes = (workOrderId: string): Promise<Loaded<Note>> =>
  listAll('notes', { workOrderId }, toNote);

export async function addNote(workOrderId: string, text: string, author: string): Promise<Note> {
  // The server sets author and createdAt itself and ignores ours; sent anyway, so that a note added offline shows who
  // wrote it and when from the device's copy, before the server's values replace them.
  const createdAt = new Date().toISOString();
  const answer = await api('/api/notes', {
    method: 'POST',
    ...jsonBody({ workOrderId, text, author, createdAt }),
  });
  return recordFrom(answer, toNote, {
    id: answer.writeId ?? `pending-${Date.now()}`,
    workOrderId,
    text,
    author,
    createdAt,
  });
}

export const listPhotos = (workOrderId: string): Promise<Loaded<Photo>> =>
  listAll('photos', { workOrderId }, toPhoto);

export async function uploadPhoto(workOrderId: string, file: Blob): Promise<Photo> {
  const answer = await api(`/api/photos?workOrderId=${encodeURIComponent(workOrderId)}`, {
    method: 'POST',
    body: file,
    headers: { 'Content-Type': file.type || 'image/jpeg' },
  });
  return recordFrom(answer, toPhoto, {
    id: answer.writeId ?? `pending-${Date.now()}`,
    workOrderId,
    contentType: file.type,
    size: file.size,
  });
}

export function photoContentUrl(id: string): string {
  return `/api/photos/${encodeURIComponent(id)}/content`;
}

export const listParts = (): Promise<Loaded<Part>> => listAll('parts', {}, toPart);
