/**
 * The read side of a partition, without HTTP: storing what the network answered a page's GET, overlaying queued
 * writes on such an answer, and answering an item or a list from the local copy. `worker/reads.ts` turns requests
 * into these calls and their results into Responses. Two in-memory shortcuts (`read-memo.ts`) spare repeated work:
 * an unchanged network answer is not stored twice, and an unchanged local list is not read twice.
 */
import type { JsonRecord } from '../protocol/config.js';
import { isObject } from '../protocol/wire-guards.js';
import type { WireAdapter } from './adapter/adapter.js';
import type { ResolvedCollection } from './config.js';
import type { EngineContext } from './deps.js';
import { withSyncMeta } from './model/records.js';
import { isTempId } from './model/temp-ids.js';
import { StampedMemo } from './read-memo.js';
import type { Db, StoredRecord } from './storage/db.js';
import { syncedAtKey } from './storage/meta-store.js';
import type { CoreRecord } from './model/records.js';

const LOCAL_CURSOR = 'local:';
const RESERVED_PARAMS = new Set(['since', 'limit']);
/** Rows read per further request when filters skip most of a collection. */
const SCAN_CHUNK = 500;

/** Stores server records (pulls, reads, acknowledgements share one algorithm: `applyPage`). */
export type StoreRecords = (
  collection: string,
  records: CoreRecord[],
  deletedIds: string[],
) => Promise<unknown>;

/** The local answer to a list: its body (a Blob unless encrypted, see below) and the collection's last sync. */
export interface LocalList {
  body: string | Blob;
  syncedAt: number | null;
}

export type LocalItem =
  /** `record` in the API's shape; `etag` the validator to answer with, if any. */
  | { kind: 'found'; record: JsonRecord; etag: string | null; syncedAt: number | null }
  | { kind: 'missing'; deleted: boolean };

/**
 * Per URL, the last network answer whose store found every record already held (nothing written), while the records
 * and the queue have not changed since: the same answer again would store nothing, so it is not parsed and read
 * against the store a second time (the cost of an app polling an unchanged list while its next request is in flight).
 */
const lastStored = new StampedMemo<{ text: string; complete: boolean }>(
  ['records', 'queue'],
  32,
  4_000_000,
  (v) => v.text.length,
);

/**
 * Per URL, a list answered from the local copy, kept while nothing it was read from (records, queued writes and
 * their states, the last-sync time) has changed: a page reading the same list again offline gets it without the
 * rows being read and decoded again. Kept as a Blob, which the browser hands to the page without streaming it through
 * this thread again (as it does a Cache API answer) — except for an encrypted partition: the browser may page large
 * blobs out to disk, so its lists stay strings in this worker's memory and no plaintext copy can reach the disk.
 */
const localLists = new StampedMemo<LocalList>(['records', 'queue', 'meta'], 16, 8_000_000, (v) =>
  typeof v.body === 'string' ? v.body.length : v.body.size,
);

/**
 * Taken before a read goes to the network (`LocalReads.ticket`); its answer is stored only while the ticket is good,
 * that is when the partition was not emptied since it was taken.
 */
export type ReadTicket = number & { readonly __ticket: unique symbol };

export class LocalReads {
  /** Stores of network answers still running, per collection: a local answer waits for them. */
  private readonly storing = new Map<string, Set<Promise<void>>>();
  /** Every store of a network answer running now, tracked or awaited by its read: `fence` waits for them. */
  private readonly running = new Set<Promise<unknown>>();
  /** Bumped by `fence`: tickets taken before it are no longer good. */
  private generation = 0;
  /** While the partition is being emptied no ticket is good, not even one taken meanwhile. */
  private fenced = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly db: Db,
    private readonly storeRecords: StoreRecords,
  ) {}

  /** To be taken before a read's request is sent; handed to the store of its answer. */
  ticket(): ReadTicket {
    return (this.fenced ? -1 : this.generation) as ReadTicket;
  }

  /** The ticket of a read sent before this partition was open: good until the partition is first emptied. */
  ticketAtOpen(): ReadTicket {
    return (this.fenced ? -1 : 0) as ReadTicket;
  }

  /**
   * The partition is about to be emptied (`clearLocalData`): from now on no answer asked for earlier is stored, and
   * this resolves once the stores already running have ended, so none lands after the wipe. A sign-out that empties
   * the partition would otherwise find a list read sent just before it stored again, and the user's records kept.
   * Until `unfence`, no ticket is good.
   */
  async fence(): Promise<void> {
    this.generation += 1;
    this.fenced += 1;
    await Promise.allSettled([...this.running]);
  }

  unfence(): void {
    this.fenced -= 1;
  }

  /** Runs `work` (a store) if `ticket` is still good, counted in `running` until it ends; `skipped` otherwise. */
  private guarded<T>(ticket: ReadTicket, skipped: T, work: () => Promise<T>): Promise<T> {
    if (this.fenced || ticket !== this.generation) return Promise.resolve(skipped);
    const run = work();
    this.running.add(run);
    void run.then(
      () => this.running.delete(run),
      () => this.running.delete(run),
    );
    return run;
  }

  /** The server's id of a record created here, once known; the id itself otherwise. */
  async resolveId(id: string): Promise<string> {
    return isTempId(id) ? ((await this.ctx.meta.idFor(id)) ?? id) : id;
  }

  /** Writes queued for a collection (-1 when it cannot be told). */
  queuedFor(collection: string): Promise<number> {
    return this.ctx.queue.countForCollection(collection).catch(() => -1);
  }

  /**
   * Runs `work` (storing a network answer the page already has) and keeps it in view, so a list read online and then
   * offline a moment later shows what the page just saw. A failure only means the local copy did not gain it.
   */
  track(collection: string, work: Promise<void>): Promise<void> {
    let set = this.storing.get(collection);
    if (!set) this.storing.set(collection, (set = new Set<Promise<void>>()));
    const entry = work.catch((error: unknown) => {
      console.warn('[offline-kit] could not store a network read', error);
    });
    set.add(entry);
    void entry.finally(() => set.delete(entry));
    return entry;
  }

  private async settled(collection: string): Promise<void> {
    const set = this.storing.get(collection);
    if (set?.size) await Promise.all([...set]);
  }

  /** A 404 for a record the server says is deleted. */
  storeDeleted(ticket: ReadTicket, collection: string, id: string): Promise<void> {
    return this.guarded(ticket, undefined, async () => {
      await this.storeRecords(collection, [], [id]);
    });
  }

  /** Stores a network answer's text, skipping the work when the same answer was stored and nothing changed since. */
  storeText(
    ticket: ReadTicket,
    collection: string,
    id: string | null,
    url: URL,
    text: string,
    etag: string | null = null,
  ): Promise<void> {
    return this.guarded(ticket, undefined, () => this.storeTextNow(collection, id, url, text, etag));
  }

  private async storeTextNow(
    collection: string,
    id: string | null,
    url: URL,
    text: string,
    etag: string | null,
  ): Promise<void> {
    const key = url.pathname + url.search;
    const stamp = lastStored.stamp(this.db);
    const seen = lastStored.get(this.db, key);
    if (seen?.text === text) {
      if (seen.complete) await this.ctx.meta.setCollectionSyncedAt(collection, this.ctx.deps.now());
      return;
    }
    const stored = await this.store(collection, id, url, parseJson(text), etag);
    // Unchanged stamp: no read-write transaction began while storing, so the store found everything already held.
    if (stored) lastStored.set(this.db, key, stamp, { text, complete: stored.complete });
    else lastStored.delete(this.db, key);
  }

  /**
   * Stores a network answer and returns it with the collection's queued writes overlaid (and, on a first list page,
   * records created here); null when the answer was not a record or a list.
   */
  storeOverlaid(
    ticket: ReadTicket,
    collection: string,
    id: string | null,
    url: URL,
    parsed: unknown,
    etag: string | null = null,
  ): Promise<unknown> {
    return this.guarded(ticket, null, async () => {
      const stored = await this.store(collection, id, url, parsed, etag);
      if (stored === null) return null;
      return this.overlaid(collection, stored, url, parsed);
    });
  }

  /** A record in the API's shape (id field and type, its version where the API keeps it). */
  async forApp(collection: string, record: JsonRecord): Promise<JsonRecord> {
    const adapter = this.ctx.wire.for(collection);
    return adapter.toApi(record, await this.ctx.wire.numericIds(collection));
  }

  /** Stores what a read answered; the records it held, or null when it was not a record or a list. */
  private async store(
    collection: string,
    id: string | null,
    url: URL,
    parsed: unknown,
    etag: string | null,
  ): Promise<Stored | null> {
    const adapter = this.ctx.wire.for(collection);
    let records: CoreRecord[];
    let deleted: string[] = [];
    let complete = false;
    let envelope: string | null = null;
    if (id) {
      const record = adapter.record(parsed, etag);
      if (!record) return null;
      records = [record];
      await this.ctx.wire.observeIds(collection, [parsed]);
    } else {
      const read = adapter.list(parsed, noPaging);
      if (!read) return null;
      records = read.page.records;
      deleted = read.page.deleted.map((d) => d.id);
      envelope = read.shape.envelope?.field ?? null;
      const reserved = reservedParams(adapter);
      complete =
        !read.page.hasMore && ![...url.searchParams.keys()].some((k) => !reserved(k) || k === 'since');
      if (adapter.protocol !== true) {
        await this.ctx.wire.rememberShape(collection, url.pathname + url.search, read.shape);
        await this.ctx.wire.observeIds(collection, read.items);
      }
    }
    await this.storeRecords(collection, records, deleted);
    if (complete) await this.ctx.meta.setCollectionSyncedAt(collection, this.ctx.deps.now());
    return { records, complete, item: id !== null, envelope };
  }

  private async overlaid(collection: string, stored: Stored, url: URL, parsed: unknown): Promise<unknown> {
    const { records } = stored;
    const { rows, marks } = await this.ctx.records.readWithMarks(
      collection,
      stored.item ? [records[0]?.id ?? ''] : [],
    );
    if (marks.size === 0) return parsed;
    const wanted = [...marks.keys()].filter((k) => !rows.has(k));
    if (wanted.length) {
      const more = await this.ctx.records.readWithMarks(collection, wanted);
      for (const [k, v] of more.rows) rows.set(k, v);
    }
    const adapter = this.ctx.wire.for(collection);
    const numeric = await this.ctx.wire.numericIds(collection);
    const present = (data: JsonRecord, row: StoredRecord, m: Mark | undefined): JsonRecord =>
      adapter.toApi(adapter.wire.syncMeta ? withSyncMeta(data, row, m) : data, numeric);
    if (stored.item) {
      const only = records[0];
      const m = only ? marks.get(only.id) : undefined;
      const row = only ? rows.get(only.id) : undefined;
      const data = row ? await this.open(row) : null;
      return m && row && data ? present(data, row, m) : parsed;
    }
    const out: JsonRecord[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      seen.add(r.id);
      const m = marks.get(r.id);
      const row = rows.get(r.id);
      if (!m || !row) {
        out.push(adapter.toApi(r, numeric));
        continue;
      }
      const data = await this.open(row);
      // A record deleted here (its delete still queued) is left out.
      if (data) out.push(present(data, row, m));
    }
    if (!url.searchParams.has('since')) {
      const reserved = reservedParams(adapter);
      for (const [rid, m] of marks) {
        const row = rows.get(rid);
        if (seen.has(rid) || !row || row.fromServer) continue;
        const data = await this.open(row);
        if (data && matches(data, url, reserved)) out.push(present(data, row, m));
      }
    }
    if (adapter.protocol === true)
      return Array.isArray(parsed) ? out : { ...(parsed as JsonRecord), records: out };
    const envelope = stored.envelope;
    return envelope ? { ...(parsed as JsonRecord), [envelope]: out } : out;
  }

  /** The app's view of a stored row (decrypted when sealed); plain rows are answered without a promise turn each. */
  private open(row: StoredRecord): JsonRecord | null | Promise<JsonRecord | null> {
    if (!this.ctx.codec.encrypted) return isObject(row.data) ? row.data : null;
    return this.ctx.codec.openJson(row.data).then((data) => (isObject(data) ? data : null));
  }

  /** One record from the local copy. */
  async item(collection: string, id: string): Promise<LocalItem> {
    await this.settled(collection);
    const [{ rows, marks }, syncedAt] = await Promise.all([
      this.ctx.records.readWithMarks(collection, [id]),
      this.ctx.meta.collectionSyncedAt(collection),
    ]);
    const row = rows.get(id);
    const data = row ? await this.open(row) : null;
    if (!row || !data) return { kind: 'missing', deleted: row !== undefined };
    const adapter = this.ctx.wire.for(collection);
    const shown = adapter.wire.syncMeta ? withSyncMeta(data, row, marks.get(id)) : data;
    return {
      kind: 'found',
      record: adapter.toApi(shown, await this.ctx.wire.numericIds(collection)),
      etag: adapter.etag(row.version),
      syncedAt,
    };
  }

  /**
   * A list from the local copy; null when the collection was never synced here and nothing was created in it. In our
   * protocol's shape, `limit` counts records from the server, in id order, paged with local cursors. For a REST API,
   * in the shape of the last online answer of that list (`adapter/`): its envelope, its order, its id types, paged
   * by its own offset or page parameters when the request has them. Records created here (their creates still
   * queued) come on top of the first page, as the network answer shows them, so an offline list never hides what the
   * user created offline.
   */
  async list(conf: ResolvedCollection, url: URL): Promise<LocalList | null> {
    const name = conf.name;
    await this.settled(name);
    const key = url.pathname + url.search;
    const stamp = localLists.stamp(this.db);
    const kept = localLists.get(this.db, key);
    if (kept) return kept;
    const adapter = this.ctx.wire.for(name);
    const shape = adapter.protocol === true ? null : await this.ctx.wire.shape(name, key, url.pathname);
    const rest = adapter.protocol === false || (shape !== null && shape.envelope?.field !== 'records');
    let text: string;
    let syncedAt: number | null;
    if (rest) {
      const scanned = await this.scan(
        name,
        url,
        null,
        Number.POSITIVE_INFINITY,
        true,
        reservedParams(adapter),
      );
      if (!scanned) return null;
      syncedAt = scanned.syncedAt;
      const numeric = await this.ctx.wire.numericIds(name);
      const items = adapter.pageOf(scanned.records, url);
      text = JSON.stringify(adapter.listBody(items, shape, numeric));
    } else {
      const limitParam = Number(url.searchParams.get('limit'));
      const limit = Number.isSafeInteger(limitParam) && limitParam > 0 ? limitParam : conf.pageSize;
      const since = url.searchParams.get('since');
      const firstPage = !since?.startsWith(LOCAL_CURSOR);
      const after = firstPage ? null : (since?.slice(LOCAL_CURSOR.length) ?? null);
      const scanned = await this.scan(name, url, after, limit, firstPage, reservedParams(adapter));
      if (!scanned) return null;
      syncedAt = scanned.syncedAt;
      const { records, cursor, hasMore } = scanned;
      text = JSON.stringify({ records, deleted: [], cursor, hasMore });
    }
    const body = this.ctx.codec.encrypted ? text : new Blob([text], { type: 'application/json' });
    const list: LocalList = { body, syncedAt };
    // Kept only if no write began while the rows were read (`set` checks the stamp is still current).
    localLists.set(this.db, key, stamp, list);
    return list;
  }

  /** The records of a list that match the request's filters, `limit` of them after `after`, plus those created here. */
  private async scan(
    name: string,
    url: URL,
    after: string | null,
    limit: number,
    firstPage: boolean,
    reserved: (param: string) => boolean,
  ): Promise<{
    records: JsonRecord[];
    cursor: string | null;
    hasMore: boolean;
    syncedAt: number | null;
  } | null> {
    const adapter = this.ctx.wire.for(name);
    const shown = (data: JsonRecord, row: StoredRecord, m: Mark | undefined): JsonRecord =>
      adapter.wire.syncMeta ? withSyncMeta(data, row, m) : data;
    // Enough for the whole page in one request when no filter skips rows: the page, one more to tell `hasMore`, and
    // the rows of records created here that the scan skips.
    const start = await this.ctx.records.readListStart(
      name,
      after,
      Math.min(limit, SCAN_CHUNK) + 1 + 64,
      firstPage,
      syncedAtKey(name),
    );
    const { marks, syncedAt } = start;
    if (firstPage && start.rows.length === 0 && start.creates.length === 0 && syncedAt === null) return null;
    const records: JsonRecord[] = [];
    let hasMore = false;
    let cursor: string | null = null;
    let rows = start.rows;
    let exhausted = start.exhausted;
    outer: for (;;) {
      for (const row of rows) {
        after = row.id;
        // Created here: shown on top of the first page instead.
        if (!row.fromServer && marks.has(row.id)) continue;
        const opened = this.open(row);
        const data = opened instanceof Promise ? await opened : opened;
        if (!data || !matches(data, url, reserved)) continue;
        if (records.length === limit) {
          hasMore = true;
          break outer;
        }
        records.push(shown(data, row, marks.get(row.id)));
        cursor = LOCAL_CURSOR + row.id;
      }
      if (exhausted) break;
      rows = await this.ctx.records.page(name, after, SCAN_CHUNK);
      exhausted = rows.length < SCAN_CHUNK;
    }
    if (firstPage) {
      for (const row of start.creates) {
        const data = await this.open(row);
        if (data && matches(data, url, reserved)) records.push(shown(data, row, marks.get(row.id)));
      }
    }
    return { records, cursor, hasMore, syncedAt };
  }
}

/** Whether a `since` names one of our own paging cursors, which only the local copy can answer. */
export function isLocalCursor(since: string | null): boolean {
  return since?.startsWith(LOCAL_CURSOR) ?? false;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (a login page, a proxy's error page): passed on untouched, nothing kept.
    return undefined;
  }
}

/**
 * Query parameters that are not filters on a field: our protocol's `limit` and `since`; for a REST API also its
 * paging and delta parameters and those that start with `_` (`_sort`, `_embed`: json-server's and many others'
 * convention for options).
 */
function reservedParams(adapter: WireAdapter): (param: string) => boolean {
  if (adapter.protocol === true) return (k) => RESERVED_PARAMS.has(k);
  const own = new Set(adapter.ownParams());
  return (k) => RESERVED_PARAMS.has(k) || own.has(k) || k.startsWith('_');
}

const noPaging = (): { cursor: null; hasMore: false } => ({ cursor: null, hasMore: false });

interface Stored {
  records: CoreRecord[];
  complete: boolean;
  /** An item answer (one record), not a list. */
  item: boolean;
  /** The field of a list answer's envelope that holds the records; null for a bare array or an item. */
  envelope: string | null;
}

type Mark = Parameters<typeof withSyncMeta>[2];

function matches(data: JsonRecord, url: URL, reserved: (param: string) => boolean): boolean {
  for (const [k, v] of url.searchParams) {
    if (reserved(k)) continue;
    const value = data[k];
    const text =
      typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : null;
    if (text !== v) return false;
  }
  return true;
}
