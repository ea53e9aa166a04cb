import { describe, expect, it } from 'vitest';
import type { UnitStatus } from '@offline-kit/sw/protocol';
import { unitFreshness } from '../src/logic/units.js';

const unit = (name: string, collections: string[], lastSyncAt: number | null): UnitStatus => ({
  name,
  collections,
  lastSyncAt,
  lastOutcome: lastSyncAt === null ? null : 'completed',
});

describe('unitFreshness', () => {
  it('counts a unit as synced when another unit fetched all its collections', () => {
    const units = [unit('login', ['work-orders', 'parts'], 100), unit('catalogue', ['parts'], null)];
    expect(unitFreshness(units[1]!, units)).toBe(100);
  });

  it('is as old as its least fresh collection, and null while one was never fetched', () => {
    const units = [
      unit('login', ['work-orders'], 100),
      unit('catalogue', ['parts'], 300),
      unit('both', ['work-orders', 'parts'], null),
      unit('photos', ['photos'], null),
    ];
    expect(unitFreshness(units[2]!, units)).toBe(100);
    expect(unitFreshness(units[3]!, units)).toBeNull();
  });
});
