/**
 * The running module inside a service worker: the current user's partition (`${dbName}-${user}`) and its engine,
 * credentials kept in memory only, and the switch between users. Which user is signed in (an id, never a secret) is
 * remembered in a small session database so a restarted worker opens the right partition.
 */
import { openDB } from 'idb';
import type { OfflineKitEvent } from '../shared/api.js';
import type { ResolvedConfig } from '../shared/validate-config.js';
import type { EngineDeps } from '../engine/context.js';
import { openPartition } from '../engine/db.js';
import { Engine } from '../engine/engine.js';

const ANONYMOUS = 'anonymous';

export class Runtime {
  private current: Engine | null = null;
  private opening: Promise<Engine> | null = null;
  private credentials: Record<string, string> | null = null;
  devtools = false;

  constructor(
    readonly config: ResolvedConfig,
    private readonly emit: (event: OfflineKitEvent) => void,
  ) {}

  /** The engine of the signed-in user's partition, opened on first use. */
  engine(): Promise<Engine> {
    if (this.current) return Promise.resolve(this.current);
    this.opening ??= this.loadUser().then((user) => this.openEngine(user));
    return this.opening;
  }

  private sessionDb() {
    return openDB(this.config.dbName, 1, {
      upgrade(db) {
        db.createObjectStore('session');
      },
    });
  }

  private async loadUser(): Promise<string | null> {
    const db = await this.sessionDb();
    try {
      const user: unknown = await db.get('session', 'user');
      return typeof user === 'string' ? user : null;
    } finally {
      db.close();
    }
  }

  private async saveUser(user: string | null): Promise<void> {
    const db = await this.sessionDb();
    try {
      await db.put('session', user, 'user');
    } finally {
      db.close();
    }
  }

  private async openEngine(user: string | null): Promise<Engine> {
    const db = await openPartition(`${this.config.dbName}-${user ?? ANONYMOUS}`);
    const engine = await Engine.open(this.config, this.deps(), db, user);
    this.current = engine;
    this.opening = null;
    return engine;
  }

  private deps(): EngineDeps {
    return {
      fetch: (request) =>
        this.current?.simulatedOffline
          ? Promise.reject(new TypeError('Failed to fetch (Offline Kit: simulated offline)'))
          : fetch(request),
      now: () => Date.now(),
      setTimer: (cb, ms) => setTimeout(cb, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: () => Math.random(),
      uuid: () => crypto.randomUUID(),
      emit: this.emit,
      credentials: () => this.replayCredentials(),
      origin: self.location.origin,
      browserOnline: () => navigator.onLine,
      devtools: this.devtools,
    };
  }

  /** Credentials for replay: the configured hook first, then what the page handed over. Never stored. */
  private async replayCredentials(): Promise<Record<string, string> | null> {
    if (this.config.credentials) {
      try {
        const fromHook = await this.config.credentials();
        if (fromHook) return fromHook;
      } catch (error) {
        console.error('[offline-kit] the credentials hook threw', error);
      }
    }
    return this.credentials;
  }

  /**
   * The page signed in (or out). A different user switches partition: the old engine finishes its run and closes;
   * its data stays on disk for that user until `clearLocalData`. Returns whether the user changed.
   */
  async setCredentials(
    value: { headers: Record<string, string>; user: string; encryptionKey?: CryptoKey | undefined } | null,
  ): Promise<boolean> {
    this.credentials = value ? { ...value.headers } : null;
    if (!value) {
      // Signed out: the app's key goes with the credentials (memory only), so the partition is locked again.
      this.current?.lock();
      return false;
    }
    const engine = await this.engine();
    const changed = engine.user !== value.user;
    if (changed) await this.switchTo(engine, value.user);
    if (value.encryptionKey) await (await this.engine()).unlock(value.encryptionKey);
    return changed;
  }

  /**
   * Requests arriving during a switch must wait for the new partition, never reopen the old one: `opening` is set
   * before the first await.
   */
  private async switchTo(engine: Engine, user: string | null): Promise<void> {
    const next = (async () => {
      await engine.close();
      await this.saveUser(user);
      return this.openEngine(user);
    })();
    this.current = null;
    this.opening = next;
    await next;
  }

  /** Called after `clearLocalData`: the signed-out user's partition is gone and the next one is anonymous. */
  async signOut(): Promise<void> {
    this.credentials = null;
    await this.switchTo(await this.engine(), null);
  }
}
