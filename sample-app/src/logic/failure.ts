/** Why the server refused a write, in words a technician can act on. */
import type { QueuedWriteView } from '@offline-kit/sw/protocol';
import { isObject } from '../api/types.js';

export function failureReason(write: QueuedWriteView): string {
  const error = write.lastError;
  const status = write.lastStatus ?? error?.status ?? null;
  const detail = error?.message ? ` (${error.message})` : '';
  switch (status) {
    case 400:
      return `The server refused the data${detail}. Edit the change and try again, or discard it.`;
    case 403:
      return 'You are not allowed to change this record. Discard the change or ask a dispatcher.';
    case 404:
      return 'This record no longer exists on the server. Discard the change.';
    case 405:
      return 'This data is read-only on the server. Discard the change.';
    case 413:
      return 'The change is too large for the server (photos must be under 10 MB). Discard it.';
    case 415:
      return 'The server does not accept this kind of file. Discard the change.';
    case 422:
      return 'The server saw this change before with different content. Discard it and make it again.';
    default:
      if (error?.code === 'network' || error?.code === 'timeout' || error?.code === 'server_error')
        return `It could not be delivered after ${write.attempts} tries${detail}. Retry when the server is back.`;
      return error?.message ? `The server refused it: ${error.message}` : 'The server refused this change.';
  }
}

const METHOD_VERB: Record<string, string> = {
  POST: 'New',
  PUT: 'Change to',
  PATCH: 'Change to',
  DELETE: 'Deletion of',
};

const COLLECTION_NOUN: Record<string, string> = {
  'work-orders': 'work order',
  notes: 'note',
  photos: 'photo',
  parts: 'part',
};

/**
 * A queued write in a technician's words: work orders by title, notes and photos by the work order they belong to
 * ("New note on “Boiler check”", "Change to “Boiler check”"), never a record id. `titles` maps work-order ids to titles.
 */
export function describeWrite(
  write: QueuedWriteView,
  titles: ReadonlyMap<string, string> = new Map(),
): string {
  const body = isObject(write.json) ? write.json : null;
  const verb = METHOD_VERB[write.method] ?? 'Change to';
  if (write.collection === 'work-orders') {
    const own = body && typeof body.title === 'string' && body.title !== '' ? body.title : undefined;
    const title = own ?? titles.get(write.recordId);
    if (write.method === 'POST') return title ? `New work order “${title}”` : 'New work order';
    return title ? `${verb} “${title}”` : `${verb} a work order`;
  }
  const noun = COLLECTION_NOUN[write.collection] ?? 'record';
  const parentId = body && typeof body.workOrderId === 'string' ? body.workOrderId : null;
  const parent = parentId === null ? undefined : titles.get(parentId);
  return `${verb} ${noun}${parent ? ` on “${parent}”` : ''}`;
}
