/**
 * What the stores put on disk for bodies and records: as is, or sealed with AES-GCM under a non-extractable key that
 * lives in the partition's `keys` store (a CryptoKey is structured-clonable; its bytes can never be read back).
 *
 * Contract: sealing is async WebCrypto work, and an IndexedDB transaction commits as soon as it waits on anything
 * else — so callers seal before they open a transaction and open after it completed, never inside one.
 */
import type { Db, Sealed } from './db.js';
import { isObject } from '../shared/guards.js';

export interface Codec {
  readonly encrypted: boolean;
  sealJson(value: unknown): Promise<unknown>;
  openJson(stored: unknown): Promise<unknown>;
  sealBytes(bytes: ArrayBuffer | null): Promise<ArrayBuffer | Sealed | null>;
  openBytes(stored: unknown): Promise<ArrayBuffer | null>;
}

export const plainCodec: Codec = {
  encrypted: false,
  sealJson: (value) => Promise.resolve(value),
  openJson: (stored) => Promise.resolve(stored),
  sealBytes: (bytes) => Promise.resolve(bytes),
  openBytes: (stored) => Promise.resolve(stored instanceof ArrayBuffer ? stored : null),
};

function isSealed(value: unknown): value is Sealed {
  return isObject(value) && value.iv instanceof Uint8Array && value.data instanceof ArrayBuffer;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function aesCodec(db: Db, subtle: SubtleCrypto = crypto.subtle): Promise<Codec> {
  let key = await db.get('keys', 'aes-gcm');
  if (!key) {
    key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await db.put('keys', key, 'aes-gcm');
  }
  const k = key;
  async function seal(bytes: ArrayBuffer): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    return { iv, data: await subtle.encrypt({ name: 'AES-GCM', iv }, k, bytes) };
  }
  async function open(stored: unknown): Promise<ArrayBuffer | null> {
    if (stored instanceof ArrayBuffer) return stored;
    if (!isSealed(stored)) return null;
    return subtle.decrypt({ name: 'AES-GCM', iv: stored.iv }, k, stored.data);
  }
  return {
    encrypted: true,
    async sealJson(value) {
      if (value === null || value === undefined) return null;
      return seal(encoder.encode(JSON.stringify(value)).buffer);
    },
    async openJson(stored) {
      if (!isSealed(stored)) return stored ?? null;
      const bytes = await open(stored);
      return bytes ? (JSON.parse(decoder.decode(bytes)) as unknown) : null;
    },
    sealBytes: (bytes) => (bytes ? seal(bytes) : Promise.resolve(null)),
    openBytes: open,
  };
}
