/** Small named values of a partition: cursors, last-sync times, the paused and simulated-offline flags. */
import { writeOne } from './changes.js';
import type { ErrorInfo, SyncOutcome } from '../../protocol/api.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { Db } from './db.js';

export interface UnitMeta {
  lastSyncAt: number | null;
  lastOutcome: SyncOutcome | null;
}

/** Key of a delta collection's cursor, for code that saves it inside its own transaction (with the page it follows). */
export const cursorKey = (collection: string): string => `cursor:${collection}`;

/** Key of a collection's last successful sync time, for code that reads it inside its own transaction. */
export const syncedAtKey = (collection: string): string => `synced:${collection}`;

/** Key of the `schemaVersion` a collection's local records are stored under (`outbox/migrate.ts`). */
export const schemaKey = (collection: string): string => `schema:${collection}`;

/** Key of the flag of a collection whose local records were dropped by a `'repull'` migration, until a pull ends. */
export const resyncKey = (collection: string): string => `resync:${collection}`;

/** Key of a named flag (`flag` / `setFlag`). */
const flagKey = (name: string): string => `flag:${name}`;

/** Key of what discovery found the API to speak (`adapter/adapters.ts`). */
export const WIRE_PROTOCOL_KEY = 'wire:protocol';

/** Every meta value an engine's start reads (`Engine.open`), for `preload`; one missing here is only read alone. */
export function startupMetaKeys(collections: Iterable<string>): string[] {
  const keys = ['paused', flagKey('simulatedOffline'), flagKey('sealed-v3'), WIRE_PROTOCOL_KEY];
  for (const name of collections) keys.push(schemaKey(name), resyncKey(name));
  return keys;
}

export class MetaStore {
  /** Values read ahead in one transaction (`preload`), served by `read` until `endPreload`; a write drops its key. */
  private ahead: Map<string, unknown> | null = null;

  constructor(private readonly db: Db) {}

  /**
   * Reads `keys` in one transaction. A worker's start asks for a dozen small values one after another (the pause,
   * flags, the wire's protocol, each collection's schema version and re-pull flag), each its own transaction: at a cold
   * start, with a page waiting for its read, that was a few milliseconds of the worker's start for nothing.
   */
  async preload(keys: readonly string[]): Promise<void> {
    const tx = this.db.transaction('meta');
    const values = await Promise.all(keys.map((key) => tx.store.get(key)));
    await tx.done;
    this.ahead = new Map(keys.map((key, i) => [key, values[i]]));
  }

  /** The start is over: from now on every read asks the store (other modules write meta in their own transactions). */
  endPreload(): void {
    this.ahead = null;
  }

  private async read(key: string): Promise<unknown> {
    if (this.ahead?.has(key)) return this.ahead.get(key);
    return this.db.get('meta', key);
  }

  private async write(key: string, value: unknown): Promise<void> {
    this.ahead?.delete(key);
    await writeOne(this.db, 'meta', (s) => s.put(value, key));
  }

  async cursor(collection: string): Promise<string | null> {
    const v = await this.read(cursorKey(collection));
    return typeof v === 'string' ? v : null;
  }

  setCursor(collection: string, cursor: string | null): Promise<void> {
    return this.write(cursorKey(collection), cursor);
  }

  async collectionSyncedAt(collection: string): Promise<number | null> {
    const v = await this.read(syncedAtKey(collection));
    return typeof v === 'number' ? v : null;
  }

  setCollectionSyncedAt(collection: string, at: number): Promise<void> {
    return this.write(syncedAtKey(collection), at);
  }

  async unit(name: string): Promise<UnitMeta> {
    const v = await this.read(`unit:${name}`);
    if (!isObject(v)) return { lastSyncAt: null, lastOutcome: null };
    return {
      lastSyncAt: typeof v.lastSyncAt === 'number' ? v.lastSyncAt : null,
      lastOutcome: typeof v.lastOutcome === 'string' ? (v.lastOutcome as UnitMeta['lastOutcome']) : null,
    };
  }

  setUnit(name: string, value: UnitMeta): Promise<void> {
    return this.write(`unit:${name}`, value);
  }

  async paused(): Promise<ErrorInfo | null> {
    const v = await this.read('paused');
    return isObject(v) && typeof v.code === 'string' && typeof v.message === 'string'
      ? (v as unknown as ErrorInfo)
      : null;
  }

  setPaused(reason: ErrorInfo | null): Promise<void> {
    return this.write('paused', reason);
  }

  /** The `schemaVersion` a collection's records are stored under; null before one was ever recorded. */
  async schemaOf(collection: string): Promise<number | null> {
    const v = await this.read(schemaKey(collection));
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : null;
  }

  async resyncing(collection: string): Promise<boolean> {
    return (await this.read(resyncKey(collection))) === true;
  }

  setResyncing(collection: string, value: boolean): Promise<void> {
    return this.write(resyncKey(collection), value);
  }

  /** The server id a temporary id became, remembered for pages that still show the temporary one. */
  async idFor(tempId: string): Promise<string | null> {
    const v = await this.read(`id:${tempId}`);
    return typeof v === 'string' ? v : null;
  }

  setIdFor(tempId: string, id: string): Promise<void> {
    return this.write(`id:${tempId}`, id);
  }

  async flag(name: string): Promise<boolean> {
    return (await this.read(flagKey(name))) === true;
  }

  setFlag(name: string, value: boolean): Promise<void> {
    return this.write(flagKey(name), value);
  }

  /** A value of another part of the core (the wire adapters' learned shapes), under its own key prefix. */
  value(key: string): Promise<unknown> {
    return this.read(key);
  }

  setValue(key: string, value: unknown): Promise<void> {
    return this.write(key, value);
  }

  async clear(): Promise<void> {
    this.ahead = null;
    await writeOne(this.db, 'meta', (s) => s.clear());
  }
}
