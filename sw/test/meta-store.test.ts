/** The start's meta values are read in one transaction; nothing read ahead may be served after it changed. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openPartition } from '../src/core/storage/db.js';
import { MetaStore, startupMetaKeys } from '../src/core/storage/meta-store.js';

describe('MetaStore.preload', () => {
  it('serves the values read ahead, never one changed since, and asks the store again after the start', async () => {
    const db = await openPartition(`meta-${Math.random()}`);
    const before = new MetaStore(db);
    await before.setFlag('simulatedOffline', true);
    await before.setResyncing('parts', true);

    const meta = new MetaStore(db);
    await meta.preload(startupMetaKeys(['parts']));
    expect(await meta.flag('simulatedOffline')).toBe(true);
    expect(await meta.resyncing('parts')).toBe(true);
    // Written through this store during the start: the new value, not the one read ahead.
    await meta.setResyncing('parts', false);
    expect(await meta.resyncing('parts')).toBe(false);
    // Written by another module in its own transaction: seen once the start is over.
    await before.setFlag('simulatedOffline', false);
    meta.endPreload();
    expect(await meta.flag('simulatedOffline')).toBe(false);
    db.close();
  });
});
