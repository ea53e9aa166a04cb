/**
 * The way out to the server: every request of a sync is built here, on the worker's origin with the user's current
 * credentials; discovery (`GET {apiBase}/_sync`) and its cache; the `GET` that reads a conflicted record again; and
 * how a thrown error ends a push or a pull (`Stop`).
 */
import type { ErrorInfo } from '../../protocol/api.js';
import { OfflineKitError, toErrorInfo } from '../../protocol/errors.js';
import { isObject, isSameOriginPath, parseDiscovery } from '../../protocol/wire-guards.js';
import {
  DISCOVERY_PATH,
  HEADERS,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type Discovery,
} from '../../protocol/wire.js';
import { apiPath } from '../config.js';
import type { EngineContext } from '../deps.js';
import { readJson } from '../model/classify.js';
import type { StoredWrite } from '../storage/db.js';
import type { CoreRecord } from '../model/records.js';

/** How a push or a pull ended early: `transient` and `auth` stop the run; the rest let it go on to the pull. */
export type Stop =
  | { kind: 'transient'; error: ErrorInfo; retryAfterMs: number | null; network: boolean }
  | { kind: 'auth'; error: ErrorInfo }
  /** The server speaks another protocol version (`server_incompatible`): nothing is sent until it or the app changes. */
  | { kind: 'incompatible'; error: ErrorInfo };

const DISCOVERY_TTL_MS = 5 * 60 * 1000;
/** How long a refused version is believed: a server rolled back is seen again within this, without a request per run. */
const REFUSED_TTL_MS = 30 * 1000;

export class Transport {
  private discovery: { at: number; value: Discovery | null; refused: OfflineKitError | null } | null = null;

  constructor(private readonly ctx: EngineContext) {}

  /** What `GET {apiBase}/_sync` announced (null: a plain REST backend), cached for a few minutes. */
  get protocol(): Discovery | null {
    return this.discovery?.value ?? null;
  }

  api(suffix: string): string {
    return apiPath(this.ctx.config, suffix);
  }

  /**
   * The one place requests are built, so the one place that makes sure they stay on the worker's origin: credentials
   * are attached to whatever URL comes out, and its path may come from a server's answer or a stored queue row.
   */
  async send(path: string, init: RequestInit): Promise<Response> {
    const origin = new URL(this.ctx.deps.origin).origin;
    const url = isSameOriginPath(path) ? new URL(path, origin) : null;
    if (!url || url.origin !== origin) {
      throw new OfflineKitError(
        'rejected',
        `refused to send to ${JSON.stringify(path)}: not a path on ${origin}`,
        {
          details: { path },
        },
      );
    }
    const creds = await this.ctx.deps.credentials();
    const headers = new Headers(init.headers);
    if (creds) for (const [k, v] of Object.entries(creds)) headers.set(k, v);
    const response = await this.ctx.deps.fetch(
      new Request(url.href, { ...init, headers, credentials: 'same-origin' }),
    );
    // A server updated since discovery was cached says so on every answer (PROTOCOL.md §1): the next run asks again.
    const spoken = response.headers.get(HEADERS.protocol);
    if (spoken !== null && spoken !== String(PROTOCOL_VERSION) && !this.discovery?.refused)
      this.discovery = null;
    return response;
  }

  async discover(): Promise<Discovery | null> {
    const now = this.ctx.deps.now();
    const cached = this.discovery;
    if (cached?.refused && now - cached.at < REFUSED_TTL_MS) throw cached.refused;
    if (cached && !cached.refused && now - cached.at < DISCOVERY_TTL_MS) return cached.value;
    // Every collection is plain REST: nothing to ask (an API that knows nothing of us would log a 404 each run).
    if (!this.ctx.wire.discovers) {
      this.discovery = { at: now, value: null, refused: null };
      this.ctx.wire.learned(false);
      return null;
    }
    const response = await this.send(this.api(DISCOVERY_PATH), { method: 'GET' });
    let value: Discovery | null = null;
    if (response.ok) {
      try {
        value = parseDiscovery(await readJson(response));
        for (const why of value.ignored) console.error(`[offline-kit] discovery answer: ${why}`);
      } catch {
        value = null;
      }
      // PROTOCOL.md §1: versions are compared for equality; any other version may give writes another meaning, so
      // nothing is sent (the queue keeps every write) until the server or the app changes.
      if (value && value.version !== PROTOCOL_VERSION) {
        const refused = new OfflineKitError(
          'server_incompatible',
          `the server speaks ${PROTOCOL_NAME} ${value.version}, this app ${PROTOCOL_VERSION}: ` +
            'writes wait until one of them is updated',
          { details: { server: value.version, client: PROTOCOL_VERSION } },
        );
        this.discovery = { at: now, value: this.discovery?.value ?? null, refused };
        throw refused;
      }
    } else if (response.status === 401) {
      throw new OfflineKitError('unauthorized', 'the server asks for credentials', { status: 401 });
    } else if (response.status >= 500 || response.status === 429) {
      throw new OfflineKitError('server_error', `discovery answered ${response.status}`, {
        status: response.status,
      });
    } else {
      await response.body?.cancel();
    }
    this.discovery = { at: now, value, refused: null };
    this.ctx.wire.learned(value !== null);
    return value;
  }

  /**
   * The server's current copy of a write's record (by default the id the write names), read again (`GET`): after a
   * conflict, or a 2xx that did not carry it. Null when it cannot be known (an error, a network failure, an answer
   * that is not this record).
   */
  async refetch(
    w: StoredWrite,
    id: string = w.recordId,
  ): Promise<{ server: CoreRecord | null; deleted: boolean } | null> {
    const adapter = this.ctx.wire.for(w.collection);
    try {
      const response = await this.send(
        this.api(`/${encodeURIComponent(w.collection)}/${encodeURIComponent(id)}`),
        { method: 'GET', headers: { accept: 'application/json' } },
      );
      const json = await readJson(response);
      const record = response.status === 200 ? adapter.record(json, response.headers.get('etag')) : null;
      if (record && record.id === id) return { server: record, deleted: false };
      // PROTOCOL.md §4: a deleted record reads as 404 with `"error": "deleted"`; a REST API's 404 says the same.
      if (
        response.status === 404 &&
        (adapter.protocol !== true || (isObject(json) && json.error === 'deleted'))
      )
        return { server: null, deleted: true };
      return null;
    } catch {
      return null;
    }
  }
}

/** A thrown error as the end of a push or a pull: a TypeError from `fetch` is the network going away. */
export function stopFor(error: unknown): Stop {
  const info = toErrorInfo(error);
  if (info.code === 'unauthorized') return { kind: 'auth', error: info };
  if (info.code === 'server_incompatible') return { kind: 'incompatible', error: info };
  if (error instanceof TypeError) {
    return {
      kind: 'transient',
      error: { code: 'network', message: info.message },
      retryAfterMs: null,
      network: true,
    };
  }
  return { kind: 'transient', error: info, retryAfterMs: null, network: info.code === 'network' };
}
