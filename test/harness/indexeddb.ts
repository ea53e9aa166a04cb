import type { Page } from 'playwright-core';

/**
 * Reading the service worker's IndexedDB from a page of the same origin. The page never creates a database (opening
 * a missing one would create it at version 1 and break the worker's own upgrade) and closes its connection at once
 * (an open connection would block the worker's version changes).
 */

/** Names of the origin's databases. */
export async function listIndexedDbs(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await indexedDB.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name])),
  );
}

/** Binary values come back as `{ $bytes: <base64> }` so they survive `page.evaluate`. */
export type PlainValue = unknown;

/**
 * Every value of `store` in database `dbName`, or null when the database or store does not exist. Values are
 * plain data (`ArrayBuffer`s and typed arrays as `{ $bytes: base64 }`, Blobs as `{ $blob: { type, size } }`).
 */
export async function readIndexedDb(page: Page, dbName: string, store: string): Promise<PlainValue[] | null> {
  const dump = await dumpIndexedDb(page, dbName);
  if (dump === null) return null;
  return dump[store] ?? null;
}

/** Every store of `dbName` with all its values, or null when there is no such database. */
export async function dumpIndexedDb(
  page: Page,
  dbName: string,
): Promise<Record<string, PlainValue[]> | null> {
  return page.evaluate(async (name) => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes(name)) return null;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error(`cannot open ${name}`));
    });
    const toBase64 = (bytes: Uint8Array): string => {
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    };
    const plain = (value: unknown): unknown => {
      if (value instanceof ArrayBuffer) return { $bytes: toBase64(new Uint8Array(value)) };
      if (ArrayBuffer.isView(value))
        return { $bytes: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
      if (value instanceof Blob) return { $blob: { type: value.type, size: value.size } };
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return value.map(plain);
      if (typeof value === 'object' && value !== null) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) out[key] = plain(inner);
        return out;
      }
      return value;
    };
    try {
      const result: Record<string, unknown[]> = {};
      for (const storeName of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
          request.onsuccess = () => resolve(request.result as unknown[]);
          request.onerror = () => reject(request.error ?? new Error(`cannot read ${storeName}`));
        });
        result[storeName] = values.map(plain);
      }
      return result;
    } finally {
      db.close();
    }
  }, dbName);
}

/**
 * Where each of `needles` occurs in any database of the origin (keys, values, and binary values decoded as UTF-8), as
 * `db/store` locations per needle. Used to prove that secrets such as tokens are never stored. The origin's databases
 * are read once for all needles: a dump holds every pulled record (seconds for the seeded 10,000 parts).
 */
export async function whereInIndexedDb<N extends string>(
  page: Page,
  needles: readonly N[],
): Promise<Record<N, string[]>> {
  const hits = Object.fromEntries(needles.map((needle) => [needle, [] as string[]])) as Record<N, string[]>;
  for (const name of await listIndexedDbs(page)) {
    const dump = await dumpIndexedDb(page, name);
    if (dump === null) continue;
    for (const [store, values] of Object.entries(dump)) {
      const text = JSON.stringify(values, (_key, value: unknown) =>
        typeof value === 'object' && value !== null && '$bytes' in value && typeof value.$bytes === 'string'
          ? Buffer.from(value.$bytes, 'base64').toString('utf8')
          : value,
      );
      for (const needle of needles) if (text.includes(needle)) hits[needle].push(`${name}/${store}`);
    }
  }
  return hits;
}

/** Where `needle` occurs in any database of the origin, as `db/store` locations (`whereInIndexedDb` for one). */
export async function findInIndexedDb(page: Page, needle: string): Promise<string[]> {
  return (await whereInIndexedDb(page, [needle]))[needle] ?? [];
}
