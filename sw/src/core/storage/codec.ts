/**
 * What the stores put on disk for everything that holds user data (bodies, records, a write's URL, headers and last
 * error, history details): as is, or sealed with AES-GCM. The key is either the partition's own (`encryptAtRest: true`:
 * generated non-extractable and kept in the `keys` store) or the app's (`encryptAtRest: { key: 'app' }`: handed over
 * by the page, kept in the worker's memory only; until then the partition is locked).
 *
 * Contract: sealing is async WebCrypto work, and an IndexedDB transaction commits as soon as it waits on anything
 * else — so callers seal before they open a transaction and open after it completed, never inside one.
 */
import { writeOne } from './changes.js';
import { isSealed, type Db, type Sealed } from './db.js';
import { OfflineKitError } from '../../protocol/errors.js';

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A codec sealing with `key`. */
export function keyCodec(key: CryptoKey, subtle: SubtleCrypto = crypto.subtle): Codec {
  async function seal(bytes: ArrayBuffer): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    return { iv, data: await subtle.encrypt({ name: 'AES-GCM', iv }, key, bytes) };
  }
  async function open(stored: unknown): Promise<ArrayBuffer | null> {
    if (stored instanceof ArrayBuffer) return stored;
    if (!isSealed(stored)) return null;
    return subtle.decrypt({ name: 'AES-GCM', iv: stored.iv }, key, stored.data);
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

/** `encryptAtRest: true`: the partition's own key, generated once and stored beside the data (non-extractable). */
export async function aesCodec(db: Db, subtle: SubtleCrypto = crypto.subtle): Promise<Codec> {
  const stored = await db.get('keys', 'aes-gcm');
  let key = stored instanceof CryptoKey ? stored : null;
  if (!key) {
    const fresh = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await writeOne(db, 'keys', (s) => s.put(fresh, 'aes-gcm'));
    key = fresh;
  }
  return keyCodec(key, subtle);
}

/** Where the app key's check value lives (the `keys` store: `clearLocalData` leaves it, so the key stays bound). */
const CHECK_ID = 'app-key-check';
const CHECK_VALUE = 'offline-kit app key check v1';

export function lockedError(): OfflineKitError {
  return new OfflineKitError(
    'locked',
    'the local data is encrypted with the app key, which the page has not handed over yet',
    { status: 503 },
  );
}

/** Whether `value` can seal and open: an AES-GCM CryptoKey allowed to encrypt and decrypt, not extractable. */
export function isAppKey(value: unknown): value is CryptoKey {
  return (
    typeof CryptoKey !== 'undefined' &&
    value instanceof CryptoKey &&
    value.algorithm.name === 'AES-GCM' &&
    value.usages.includes('encrypt') &&
    value.usages.includes('decrypt') &&
    !value.extractable
  );
}

/**
 * `encryptAtRest: { key: 'app' }`: sealed with a key the page hands over, held in memory only. Until then (a restarted
 * worker, no page yet) every seal and open rejects with `locked`: nothing is read or written in the clear, and nothing
 * already stored is touched. A wrong key is told by the check value sealed with the first key ever given.
 */
export class AppKeyCodec implements Codec {
  readonly encrypted = true;
  private inner: Codec | null = null;

  constructor(
    private readonly db: Db,
    private readonly subtle: SubtleCrypto = crypto.subtle,
  ) {}

  get locked(): boolean {
    return this.inner === null;
  }

  /** Rejects with `locked` (`details.wrongKey`) when the key does not open what this partition was sealed with. */
  async unlock(key: CryptoKey): Promise<void> {
    if (!isAppKey(key)) {
      throw new OfflineKitError(
        'invalid_message',
        'encryptionKey must be a non-extractable AES-GCM CryptoKey for encrypt and decrypt',
      );
    }
    const candidate = keyCodec(key, this.subtle);
    const check = await this.db.get('keys', CHECK_ID);
    if (isSealed(check)) {
      let opened: unknown = null;
      try {
        opened = await candidate.openJson(check);
      } catch {
        // AES-GCM's tag does not match: another key sealed this partition.
      }
      if (opened !== CHECK_VALUE) {
        throw new OfflineKitError('locked', 'this encryption key does not open the local data', {
          status: 503,
          details: { wrongKey: true },
        });
      }
    } else {
      const check = (await candidate.sealJson(CHECK_VALUE)) as Sealed;
      await writeOne(this.db, 'keys', (s) => s.put(check, CHECK_ID));
    }
    this.inner = candidate;
  }

  /**
   * The partition was wiped (`clearLocalData`): nothing sealed is left, so the binding goes too — the key in hand is
   * bound again, or, while locked (the old secret is lost), the next key given becomes the partition's.
   */
  async rebind(): Promise<void> {
    const check = this.inner ? ((await this.inner.sealJson(CHECK_VALUE)) as Sealed) : null;
    await writeOne(this.db, 'keys', async (s) => {
      if (check) await s.put(check, CHECK_ID);
      else await s.delete(CHECK_ID);
    });
  }

  /** Forgets the key (sign-out): the partition is locked again. */
  lock(): void {
    this.inner = null;
  }

  private codec(): Codec {
    if (!this.inner) throw lockedError();
    return this.inner;
  }

  async sealJson(value: unknown): Promise<unknown> {
    return this.codec().sealJson(value);
  }
  async openJson(stored: unknown): Promise<unknown> {
    return this.codec().openJson(stored);
  }
  async sealBytes(bytes: ArrayBuffer | null): Promise<ArrayBuffer | Sealed | null> {
    return this.codec().sealBytes(bytes);
  }
  async openBytes(stored: unknown): Promise<ArrayBuffer | null> {
    return this.codec().openBytes(stored);
  }
}
