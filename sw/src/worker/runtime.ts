/**
 * The running module inside a service worker: the signed-in user's partition (`${dbName}-${user}`) and its engine,
 * credentials kept in memory only, and the switch between users.
 *
 * Isolation contract (docs/RELIABILITY.md, "Threat model"):
 * - An engine only ever sends with the credentials of the user whose partition it holds. Its `fetch` and
 *   `credentials` are bound to that user: once another user signs in (or the user signs out) they refuse, and its run
 *   is aborted before the switch, so a write queued by alice is never sent with bob's token. Alice's writes wait in
 *   her partition, visible, until she signs in again.
 * - A request from a page is stored in (or answered from) a partition only when the credentials it carries are the
 *   signed-in user's (`owns`). Which user is signed in (an id, never a secret) is remembered in a small session
 *   database, with a salted SHA-256 digest of each credential header value (never the value), so a restarted worker
 *   that has not been handed the credentials again can still tell whose request it holds.
 */
import { openDB } from 'idb';
import type { OfflineKitEvent } from '../protocol/api.js';
import { OfflineKitError } from '../protocol/errors.js';
import { isObject } from '../protocol/wire-guards.js';
import type { ResolvedConfig } from '../core/config.js';
import type { EngineDeps } from '../core/deps.js';
import { deletePartition, openPartition } from '../core/storage/db.js';
import { Engine } from '../core/engine.js';

const ANONYMOUS = 'anonymous';
/** Request headers that carry a user's identity. Cookies never reach a service worker's `Request.headers`. */
const IDENTITY_HEADERS = ['authorization'];

/**
 * Who is signed in, as remembered across worker restarts. `everSignedIn`: someone was signed in on this device and
 * signed out; from then on a request that carries credentials belongs to nobody we hold data for. `proof`: per
 * lowercase header name, the salted digest of the value the user's requests carry.
 */
interface Session {
  user: string | null;
  everSignedIn: boolean;
  salt: string;
  proof: Record<string, string>;
  /**
   * The user signed in with no headers at all: the app authenticates by the origin's cookies, which the browser adds
   * to replays by itself, so a restarted worker has every credential it needs without a page.
   */
  cookieOnly?: boolean;
}

function isSession(value: unknown): value is Session {
  return (
    isObject(value) &&
    (value.user === null || typeof value.user === 'string') &&
    typeof value.everSignedIn === 'boolean' &&
    typeof value.salt === 'string' &&
    isObject(value.proof) &&
    Object.values(value.proof).every((v) => typeof v === 'string') &&
    (value.cookieOnly === undefined || typeof value.cookieOnly === 'boolean')
  );
}

async function digest(salt: string, value: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}\n${value}`));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Runtime {
  private current: Engine | null = null;
  private opening: Promise<Engine> | null = null;
  private session: Session | null = null;
  /** The signed-in user's headers for replay, in memory only; null until handed over (again) by a page. */
  private secrets: Record<string, string> | null = null;
  /** Aborts everything the engine of a user who is no longer signed in still has on the wire. */
  private readonly aborts = new WeakMap<Engine, AbortController>();
  /** The last header value that matched, per header name: most requests carry the same token, digested once. */
  private readonly matched = new Map<string, string>();
  devtools = false;

  constructor(
    readonly config: ResolvedConfig,
    private readonly emit: (event: OfflineKitEvent) => void,
  ) {}

  /** The signed-in user's partition is open (false at a cold start, until the first request has opened it). */
  get ready(): boolean {
    return this.current !== null;
  }

  /** The engine of the signed-in user's partition, opened on first use. */
  engine(): Promise<Engine> {
    if (this.current) return Promise.resolve(this.current);
    this.opening ??= this.loadSession().then((s) => this.openEngine(s.user));
    return this.opening;
  }

  /**
   * The engine whose partition `request` may be stored in and answered from, or null: the request carries
   * credentials that are not the signed-in user's (another user's token, one sent before `setCredentials` arrived,
   * one sent after sign-out). Such a request is passed through to the network and nothing of it is kept.
   */
  async engineFor(request: Request): Promise<Engine | null> {
    const engine = await this.engine();
    return (await this.owns(request, engine)) ? engine : null;
  }

  private async owns(request: Request, engine: Engine): Promise<boolean> {
    const session = await this.loadSession();
    if (engine.user !== session.user) return false;
    const names = new Set([...IDENTITY_HEADERS, ...Object.keys(session.proof)]);
    for (const name of names) {
      const value = request.headers.get(name);
      // Absent: the request relies on the origin's cookies (or on nothing), which the browser scopes itself.
      if (value === null) continue;
      const expected = session.proof[name];
      // Credentials nobody signed in with: before any sign-in (an app that never names users) they are the app's
      // own, kept in the one anonymous partition; after a sign-out they are someone's we hold no partition for.
      if (expected === undefined) {
        if (session.user === null && !session.everSignedIn) continue;
        return false;
      }
      if (this.matched.get(name) === value) continue;
      if ((await digest(session.salt, value)) !== expected) return false;
      this.matched.set(name, value);
    }
    return true;
  }

  private sessionDb() {
    return openDB(this.config.dbName, 1, {
      upgrade(db) {
        db.createObjectStore('session');
      },
    });
  }

  private async loadSession(): Promise<Session> {
    if (this.session) return this.session;
    const db = await this.sessionDb();
    let stored: unknown;
    let legacyUser: unknown;
    try {
      // One transaction: a cold start's first request waits for this.
      const tx = db.transaction('session');
      const both: unknown[] = await Promise.all([tx.store.get('state'), tx.store.get('user')]);
      [stored, legacyUser] = both;
      await tx.done;
    } finally {
      db.close();
    }
    // A session written by an earlier version held the user id alone: it is kept, with no proof yet, so that user's
    // requests are not stored until the page hands the credentials over again.
    this.session ??= isSession(stored)
      ? stored
      : {
          user: typeof legacyUser === 'string' ? legacyUser : null,
          everSignedIn: typeof legacyUser === 'string',
          salt: crypto.randomUUID(),
          proof: {},
        };
    return this.session;
  }

  private async saveSession(session: Session): Promise<void> {
    this.session = session;
    this.matched.clear();
    const db = await this.sessionDb();
    try {
      await db.put('session', session, 'state');
      await db.delete('session', 'user');
    } finally {
      db.close();
    }
  }

  private partitionName(user: string | null): string {
    return `${this.config.dbName}-${user ?? ANONYMOUS}`;
  }

  private async openEngine(user: string | null): Promise<Engine> {
    const db = await openPartition(this.partitionName(user));
    const abort = new AbortController();
    const engine = await Engine.open(this.config, this.deps(user, abort.signal), db, user);
    this.aborts.set(engine, abort);
    this.current = engine;
    this.opening = null;
    return engine;
  }

  /** The outside world of the engine of `user`'s partition: its way out works only while `user` is signed in. */
  private deps(user: string | null, signal: AbortSignal): EngineDeps {
    const stillSignedIn = (): void => {
      if (signal.aborted || (this.session !== null && this.session.user !== user)) {
        throw new OfflineKitError(
          'unauthorized',
          `waiting for ${user ?? 'the anonymous user'} to sign in again`,
          {
            details: { missing: true, user },
          },
        );
      }
    };
    return {
      fetch: async (request) => {
        stillSignedIn();
        if (this.current?.simulatedOffline)
          throw new TypeError('Failed to fetch (Offline Kit: simulated offline)');
        return fetch(request, { signal });
      },
      now: () => Date.now(),
      setTimer: (cb, ms) => setTimeout(cb, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: () => Math.random(),
      uuid: () => crypto.randomUUID(),
      emit: this.emit,
      credentials: async () => {
        stillSignedIn();
        return this.replayCredentials();
      },
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
    if (this.secrets) return { ...this.secrets };
    // A cookie session needs nothing from the page: a restarted worker replays at once instead of waiting for one.
    const session = this.session;
    return session !== null && session.user !== null && session.cookieOnly === true ? {} : null;
  }

  /**
   * The page signed in (`value`) or out (`null`). Another user — or signing out — first stops the current engine
   * (its run is aborted, its writes stay queued in its partition), then opens the next partition: the anonymous one
   * after a sign-out. Returns whether the user changed.
   */
  async setCredentials(
    value: { headers: Record<string, string>; user: string; encryptionKey?: CryptoKey | undefined } | null,
  ): Promise<boolean> {
    const before = await this.loadSession();
    const engine = await this.engine();
    const user = value?.user ?? null;
    const proof: Record<string, string> = {};
    for (const [name, v] of Object.entries(value?.headers ?? {}))
      proof[name.toLowerCase()] = await digest(before.salt, v);
    // The session changes before the switch awaits anything: from here on the old engine can no longer send.
    const session: Session = {
      user,
      everSignedIn: true,
      salt: before.salt,
      proof,
      cookieOnly: value !== null && Object.keys(value.headers).length === 0,
    };
    this.session = session;
    this.matched.clear();
    this.secrets = value ? { ...value.headers } : null;
    const changed = engine.user !== user;
    if (changed) await this.switchTo(engine, session);
    else await this.saveSession(session);
    // The app's key (encryptAtRest: { key: 'app' }) lives in memory only, like the headers: handed over at each sign-in.
    if (value?.encryptionKey) await (await this.engine()).unlock(value.encryptionKey);
    else if (value === null) this.current?.lock();
    return changed;
  }

  /**
   * Requests arriving during a switch must wait for the new partition, never reopen the old one: `opening` is set
   * before the first await.
   */
  private async switchTo(engine: Engine, session: Session): Promise<void> {
    const next = (async () => {
      this.aborts.get(engine)?.abort();
      // What the anonymous partition cached while nobody was signed in may be the next user's first list: it is
      // not kept for whoever uses the device next (its queued writes, if any, are).
      if (engine.user === null && session.user !== null) await engine.dropCachedReads();
      // A user's partition the app emptied (clearLocalData at sign-out) goes whole, database and name with it.
      const forget = engine.user !== null && engine.emptied;
      await engine.close();
      if (forget) await deletePartition(this.partitionName(engine.user));
      await this.saveSession(session);
      return this.openEngine(session.user);
    })();
    this.current = null;
    this.opening = next;
    await next;
  }
}
