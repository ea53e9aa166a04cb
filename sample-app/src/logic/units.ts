/**
 * Sync units in a technician's words, and when each was last brought up to date. A unit's own `lastSyncAt` stays null
 * until that unit runs by name, although the sign-in sync already fetched its collections; "Not downloaded yet" would
 * then be false, so a unit counts as fresh as the oldest of its collections, each as fresh as any unit that synced it.
 */
import type { UnitStatus } from '@offline-kit/sw/protocol';

const UNIT_LABEL: Record<string, string> = {
  login: 'Everything',
  'send-changes': 'Your changes',
  catalogue: 'Parts catalogue',
};

const COLLECTION_LABEL: Record<string, string> = {
  'work-orders': 'work orders',
  notes: 'notes',
  photos: 'photos',
  parts: 'parts',
};

export function unitLabel(name: string): string {
  return UNIT_LABEL[name] ?? name;
}

export function collectionsLabel(collections: readonly string[]): string {
  return collections.map((c) => COLLECTION_LABEL[c] ?? c).join(', ');
}

export function unitFreshness(unit: UnitStatus, units: readonly UnitStatus[]): number | null {
  let oldest: number | null = null;
  for (const collection of unit.collections) {
    let newest: number | null = null;
    for (const other of units) {
      if (other.lastSyncAt !== null && other.collections.includes(collection))
        newest = Math.max(newest ?? 0, other.lastSyncAt);
    }
    if (newest === null) return null;
    oldest = oldest === null ? newest : Math.min(oldest, newest);
  }
  return oldest ?? unit.lastSyncAt;
}
