/**
 * The service worker's events come from outside the page, so each is checked before the store trusts it: the fields
 * the app reads must be there.
 */
import type { OfflineKitEvent } from '@offline-kit/sw/protocol';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isStatus(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.online === 'boolean' &&
    typeof value.serverReachable === 'boolean' &&
    typeof value.pending === 'number' &&
    typeof value.failed === 'number' &&
    typeof value.conflicts === 'number' &&
    Array.isArray(value.units)
  );
}

/** The status bar prints these counts: a missing one must not read "undefined records". */
function isProgress(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.runId === 'string' &&
    (value.phase === 'push' || value.phase === 'pull') &&
    typeof value.done === 'number' &&
    (value.total === null || typeof value.total === 'number')
  );
}

function isSummary(value: unknown): boolean {
  return isObject(value) && typeof value.runId === 'string' && typeof value.outcome === 'string';
}

/** What each event kind must carry for the app to use it. */
const CHECKS: Record<OfflineKitEvent['type'], (event: Fields) => boolean> = {
  status: (e) => isStatus(e.status),
  'sync-started': (e) => typeof e.runId === 'string',
  'sync-progress': (e) => isProgress(e.progress),
  'sync-completed': (e) => isSummary(e.summary),
  'sync-failed': (e) => isSummary(e.summary),
  'write-queued': (e) => isObject(e.write),
  'write-sent': (e) => isObject(e.write),
  'write-acknowledged': (e) => isObject(e.write),
  'write-failed': (e) => isObject(e.write),
  'write-conflicted': (e) => isObject(e.conflict),
  'write-discarded': (e) => typeof e.writeId === 'string',
  'conflict-resolved': (e) => typeof e.writeId === 'string',
  'credentials-needed': (e) => isObject(e.reason) && typeof e.reason.code === 'string',
  'data-changed': (e) => typeof e.collection === 'string' && Array.isArray(e.ids),
  error: (e) => isObject(e.error),
};

export function toKitEvent(value: unknown): OfflineKitEvent | null {
  if (!isObject(value) || typeof value.type !== 'string' || !(value.type in CHECKS)) return null;
  const check = CHECKS[value.type as OfflineKitEvent['type']];
  return check(value) ? (value as unknown as OfflineKitEvent) : null;
}

/**
 * The server id a record created on this device got, from the acknowledgement of its creation: `[temporary, server]`,
 * or null when the event is not such a swap (or its record did not come with the answer).
 */
export function newIdOf(event: OfflineKitEvent): [string, string] | null {
  if (event.type !== 'write-acknowledged' || event.write.method !== 'POST') return null;
  const from = event.write.recordId;
  const to: unknown = event.record?.id;
  if (typeof from !== 'string' || !from.startsWith('tmp_') || typeof to !== 'string' || to === from)
    return null;
  return [from, to];
}
