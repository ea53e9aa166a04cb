/**
 * Write stamps: the storage classes announce every read-write transaction they begin, per store, and answers kept in
 * memory (`core/read-memo.ts`) compare stamps to tell whether anything they were built from may have changed. The
 * core announces its own changes here — nothing patches IndexedDB to observe them — and a lint rule (eslint.config.js)
 * refuses a read-write transaction or a shortcut write (`db.put`, `db.delete`…) made anywhere but through this file.
 *
 * Contract: read `changeStamp` before creating the read-only transaction(s) an answer is built from, and keep the
 * answer only if the stamp is unchanged afterwards. IndexedDB starts a read-only transaction only after every earlier
 * read-write transaction of an overlapping scope finished, so such an answer holds everything committed before it;
 * while the stamp stays the same no write has begun since, so it is still what the database would answer. Only this
 * connection's writes are seen: another context writing the same database (two service-worker versions, briefly) is
 * not. An untracked connection (closed, or opened elsewhere) has no stamp, and then nothing may be kept.
 */
import { unwrap, type IDBPObjectStore, type IDBPTransaction, type StoreNames } from 'idb';
import type { Db, OfflineKitDB } from './db.js';

type Store = StoreNames<OfflineKitDB>;

const begun = new WeakMap<Db, Map<Store, number>>();

/** Starts counting for a connection just opened. */
export function track(db: Db): void {
  begun.set(db, new Map());
}

/** Stops counting (the connection closes): stamps are null from now on. */
export function untrack(db: Db): void {
  begun.delete(db);
}

/** Announces a write to `stores` about to begin. */
export function announce(db: Db, stores: Store | readonly Store[]): void {
  const counts = begun.get(db);
  if (!counts) return;
  for (const name of typeof stores === 'string' ? [stores] : stores)
    counts.set(name, (counts.get(name) ?? 0) + 1);
}

/** A read-write transaction, announced. The only way the core begins one. */
export function writeTx<Name extends Store>(
  db: Db,
  store: Name,
): IDBPTransaction<OfflineKitDB, [Name], 'readwrite'>;
export function writeTx<Names extends ArrayLike<Store>>(
  db: Db,
  stores: Names,
): IDBPTransaction<OfflineKitDB, Names, 'readwrite'>;
export function writeTx(db: Db, stores: Store | ArrayLike<Store>): unknown {
  const names = typeof stores === 'string' ? [stores] : Array.from(stores);
  announce(db, names);
  return db.transaction(names, 'readwrite');
}

/** One announced write in a transaction of its own (what idb's `db.put`, `db.delete`… shortcuts do, announced). */
export async function writeOne<Name extends Store, T>(
  db: Db,
  store: Name,
  op: (store: IDBPObjectStore<OfflineKitDB, [Name], Name, 'readwrite'>) => Promise<T>,
): Promise<T> {
  const tx = writeTx(db, store);
  const [result] = await Promise.all([op(tx.store), tx.done]);
  return result;
}

/** The same, as the browser's own transaction: for the hot paths that skip idb's promise wrappers (`idb-raw.ts`). */
export function rawWriteTx(db: Db, stores: readonly Store[]): IDBTransaction {
  announce(db, stores);
  return unwrap(db).transaction(stores, 'readwrite');
}

/** A number that changes whenever a read-write transaction on any of `stores` begins; null when untracked. */
export function changeStamp(db: Db, stores: readonly Store[]): number | null {
  const counts = begun.get(db);
  if (!counts) return null;
  let sum = 0;
  for (const name of stores) sum += counts.get(name) ?? 0;
  return sum;
}
