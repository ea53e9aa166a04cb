/** Unsynced notes and photos per work order, so the list can mark a work order whose children are not saved yet. */
import type { QueuedWriteView } from '@offline-kit/sw/protocol';
import { isObject } from '../api/types.js';

export function parentOf(write: QueuedWriteView): string | null {
  if (isObject(write.json) && typeof write.json.workOrderId === 'string') return write.json.workOrderId;
  try {
    return new URL(write.url, 'http://x').searchParams.get('workOrderId');
  } catch {
    return null;
  }
}

export function childWritesByWorkOrder(queue: QueuedWriteView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const write of queue) {
    if (write.collection !== 'notes' && write.collection !== 'photos') continue;
    const parent = parentOf(write);
    if (parent) counts.set(parent, (counts.get(parent) ?? 0) + 1);
  }
  return counts;
}
