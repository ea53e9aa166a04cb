/**
 * Storing what the server holds: a pull page, a read's answer, a direct write's acknowledgement, the copy read again
 * for a conflict. Versions decide against what is already stored; records with queued writes keep their overlay, which
 * is rebuilt on the new server copy.
 */
import type { EngineContext } from '../deps.js';
import type { Outbox } from './outbox.js';
import type { CoreRecord } from '../model/records.js';

export class ServerRecords {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Stores server records in one transaction. `keep` names records known to have writes (the store also reads them
   * itself, inside its transaction). `announce: false` is for a page's own read: it already has the data, and a
   * `data-changed` would only make it read again. Returns the ids whose local copy changed.
   */
  async applyPage(
    collection: string,
    records: CoreRecord[],
    deletedIds: string[],
    keep: ReadonlySet<string>,
    mark: string | null,
    options: { announce?: boolean; meta?: [string, unknown][] } = {},
  ): Promise<string[]> {
    const { ctx } = this;
    // Locked on the page's records: a write captured meanwhile must not commit a version older than the page's.
    const ids = [...records.map((r) => r.id), ...deletedIds];
    const stored = await ctx.locks.run(ids, async () => {
      const page = await ctx.records.storeServerPage({
        collection,
        records,
        deletedIds,
        mark,
        now: ctx.deps.now(),
        meta: options.meta,
      });
      const rebuild = new Set(page.withWrites);
      for (const id of keep) if (page.changed.includes(id)) rebuild.add(id);
      for (const id of rebuild) await this.outbox.rebuild(collection, id);
      return page;
    });
    if (stored.changed.length && options.announce !== false)
      ctx.deps.emit({ type: 'data-changed', collection, ids: stored.changed });
    return stored.changed;
  }

  /** The server's copy of a record that has a local row (a conflict's), stored beside the local data. */
  async storeServerCopy(collection: string, id: string, server: CoreRecord): Promise<void> {
    await this.ctx.locks.run([id], async () => {
      const existing = await this.ctx.records.get(collection, id);
      if (!existing) return;
      await this.ctx.records.putMany([
        { row: { ...existing.row, version: server.version, fromServer: true }, data: existing.data, server },
      ]);
    });
  }
}
