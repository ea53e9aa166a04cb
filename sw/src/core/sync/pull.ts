/**
 * The pull of one sync run: each collection of the unit, page by page from its cursor (a delta) or from nothing (a
 * full pull, which also sweeps records the server no longer has). Pages are fetched ahead of the store (`readAhead`).
 */
import type { ErrorInfo, SyncProgress } from '../../protocol/api.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { notAList, type CorePage, type WireAdapter } from '../adapter/adapter.js';
import type { ResolvedCollection } from '../config.js';
import type { EngineContext } from '../deps.js';
import { readJson } from '../model/classify.js';
import type { ServerRecords } from '../outbox/server-records.js';
import { cursorKey, syncedAtKey } from '../storage/meta-store.js';
import { stopFor, type Stop, type Transport } from './transport.js';

export interface PullResult {
  pulled: number;
  failed: number;
  stop: Stop | null;
  error: ErrorInfo | null;
}

/** Pull pages fetched and not yet stored, at most (the page being stored not counted). */
const PULL_AHEAD = 2;

export class Pull {
  constructor(
    private readonly ctx: EngineContext,
    private readonly transport: Transport,
    private readonly serverRecords: ServerRecords,
  ) {}

  async pull(
    collections: readonly string[],
    mark: string,
    onProgress: (p: Omit<SyncProgress, 'runId' | 'unit'>) => void,
  ): Promise<PullResult> {
    const result: PullResult = { pulled: 0, failed: 0, stop: null, error: null };
    for (const name of collections) {
      const conf = this.ctx.config.collections.get(name);
      if (!conf) continue;
      try {
        // The protocol announces no count: `total` stays null while pages keep coming and becomes the run's count
        // once a collection's last page is stored (see SyncProgress).
        result.pulled += await this.pullCollection(conf, mark, (done, last) =>
          onProgress({
            phase: 'pull',
            done: result.pulled + done,
            total: last ? result.pulled + done : null,
            collection: name,
          }),
        );
        // A collection a migration dropped to pull again (`outbox/migrate.ts`) is whole again.
        if (await this.ctx.meta.resyncing(name)) {
          await this.ctx.meta.setResyncing(name, false);
          this.ctx.deps.emit({ type: 'data-changed', collection: name, ids: [] });
        }
      } catch (error) {
        const stop = stopFor(error);
        if (
          stop.kind === 'auth' ||
          stop.kind === 'incompatible' ||
          stop.error.code === 'network' ||
          stop.error.code === 'server_error' ||
          stop.error.code === 'bad_response'
        ) {
          result.stop = stop;
          return result;
        }
        result.failed += 1;
        result.error = stop.error;
      }
    }
    return result;
  }

  /**
   * Pages of one collection, fetched ahead of the store (`readAhead`) and stored one at a time in order. A delta cursor
   * is saved in the transaction that stores its page, so a killed sync resumes after the last stored page — except on
   * a full pull over records already here, which must sweep what the server no longer has: its cursor waits for the
   * sweep (resuming as a delta would skip it).
   */
  private async pullCollection(
    conf: ResolvedCollection,
    mark: string,
    onPage: (done: number, last: boolean) => void,
  ): Promise<number> {
    const { ctx } = this;
    const adapter = ctx.wire.for(conf.name);
    const protocol = adapter.protocol === true;
    // Our protocol pulls deltas by its own cursor; a REST API by a field's value (`wire.delta`), if it can.
    const delta = protocol ? conf.policy === 'read-only-delta' : adapter.wire.delta !== 'none';
    const from = delta ? await ctx.meta.cursor(conf.name) : null;
    let since = protocol ? from : null;
    const full = from === null;
    const sweep = full && (await ctx.records.count(conf.name)) > 0;
    const startedAt = ctx.deps.now();
    let count = 0;
    let highest = from;
    const next = readAhead((cursor) => this.fetchPage(conf, adapter, cursor, from), since, PULL_AHEAD);
    for (;;) {
      const answer = await next();
      if (answer === 'expired') {
        if (delta && !full) {
          // The server no longer keeps tombstones that old: start again from nothing (and sweep at the end).
          await ctx.meta.setCursor(conf.name, null);
          return this.pullCollection(conf, mark, onPage);
        }
        throw new OfflineKitError('rejected', `pull of ${conf.name} answered 410`, { status: 410 });
      }
      const more = hasNext(answer);
      if (protocol && answer.cursor !== null) since = answer.cursor;
      if (!protocol && delta) highest = adapter.highest(answer.records, highest);
      const cursor = protocol ? answer.cursor : more ? null : highest;
      const meta: [string, unknown][] = [];
      if (delta && !sweep && cursor !== null) meta.push([cursorKey(conf.name), cursor]);
      // With no sweep to wait for, the last page's transaction also dates the collection's sync: one commit less.
      if (!more && !sweep) meta.push([syncedAtKey(conf.name), ctx.deps.now()]);
      await this.serverRecords.applyPage(
        conf.name,
        answer.records,
        answer.deleted.map((d) => d.id),
        new Set(),
        mark,
        meta.length > 0 ? { meta } : {},
      );
      count += answer.records.length + answer.deleted.length;
      onPage(count, !more);
      if (!more) break;
    }
    if (sweep) {
      const keep = await ctx.queue.recordIdsWithWrites(conf.name);
      const removed = await ctx.records.sweep(conf.name, mark, startedAt, keep);
      if (removed.length)
        ctx.deps.emit({ type: 'data-changed', collection: conf.name, ids: removed.slice(0, 1000) });
      if (delta) await ctx.meta.setCursor(conf.name, protocol ? since : highest);
      await ctx.meta.setCollectionSyncedAt(conf.name, ctx.deps.now());
    }
    // Without a sweep every cursor was saved with its page already.
    return count;
  }

  /**
   * One pull page, read and narrowed; `expired` for 410 (the cursor is older than the server's tombstones). `cursor`:
   * our protocol's `since`, or a REST API's page cursor (null: the first page); `from`: a REST delta's lower bound.
   */
  private async fetchPage(
    conf: ResolvedCollection,
    adapter: WireAdapter,
    cursor: string | null,
    from: string | null,
  ): Promise<CorePage | 'expired'> {
    const base = this.transport.api(`/${encodeURIComponent(conf.name)}`);
    const path = adapter.pullPath(base, cursor, conf.pageSize, from);
    const response = await this.transport.send(path, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    if (response.status === 410 && cursor !== null && adapter.protocol === true) {
      await response.body?.cancel();
      return 'expired';
    }
    const json = await readJson(response);
    if (response.status === 401)
      throw new OfflineKitError('unauthorized', 'the server asks for credentials', { status: 401 });
    if (response.status === 429 || response.status >= 500) {
      throw new OfflineKitError('server_error', `pull answered ${response.status}`, {
        status: response.status,
      });
    }
    if (response.status !== 200) {
      throw new OfflineKitError('rejected', `pull of ${conf.name} answered ${response.status}`, {
        status: response.status,
        details: json,
      });
    }
    const read = adapter.list(json, (items) =>
      adapter.pullNext(
        json,
        items,
        response.headers.get('link'),
        cursor,
        conf.pageSize,
        this.ctx.deps.origin,
      ),
    );
    if (!read) throw notAList(conf.name);
    if (adapter.protocol !== true) {
      await this.ctx.wire.observeIds(conf.name, read.items);
      await this.ctx.wire.rememberShape(conf.name, base, {
        ...read.shape,
        order: cursor === null ? read.shape.order : [],
      });
    }
    return read.page;
  }
}

const hasNext = (page: CorePage): boolean => page.hasMore && page.cursor !== null;

/**
 * Pull pages in order, each fetched as soon as the one before it arrived (it only needs that page's cursor), not after
 * the page before it was stored: the network chain and the stores overlap, and a slow page on one side is absorbed by
 * the other instead of stalling both. At most `ahead` pages wait unstored. Each call takes the next page; a failed
 * fetch ends the chain and rejects when its turn comes, so a page stored before it still counts and its own failure
 * is reported first. Call it only while the previous page had more (`hasNext`).
 *
 * Bounded by progress: a page that says "more" must bring a record or a tombstone and a cursor not seen before in this
 * chain. One that does not (the same cursor again, cursors going round, empty pages) is a `bad_response` failure:
 * following it would fetch for as long as the server answers so.
 */
export function readAhead(
  fetch: (since: string | null) => Promise<CorePage | 'expired'>,
  since: string | null,
  ahead: number,
): () => Promise<CorePage | 'expired'> {
  const waiting: Promise<CorePage | 'expired'>[] = [];
  let inFlight = false;
  /** The cursor the next fetch starts from; undefined once the last page (or a failure, or `expired`) arrived. */
  let cursor: string | null | undefined = since;
  const seen = new Set<string | null>([since]);
  const checked = async (from: string | null): Promise<CorePage | 'expired'> => {
    const answer = await fetch(from);
    if (answer === 'expired' || !hasNext(answer)) return answer;
    if (seen.has(answer.cursor))
      throw new OfflineKitError(
        'bad_response',
        `a pull page said "more" but its cursor ${answer.cursor} was seen before`,
      );
    if (answer.records.length === 0 && answer.deleted.length === 0)
      throw new OfflineKitError('bad_response', 'a pull page said "more" but held nothing');
    seen.add(answer.cursor);
    return answer;
  };
  const pump = (): void => {
    if (inFlight || cursor === undefined || waiting.length >= ahead) return;
    inFlight = true;
    const page = checked(cursor);
    waiting.push(page);
    page.then(
      (answer) => {
        inFlight = false;
        cursor = answer !== 'expired' && hasNext(answer) ? answer.cursor : undefined;
        pump();
      },
      () => {
        inFlight = false;
        cursor = undefined;
      },
    );
  };
  pump();
  return () => {
    const page = waiting.shift();
    pump();
    return page ?? Promise.reject(new Error('no further pull page'));
  };
}
