/**
 * App updates that change a collection's shape (`schemaVersion`, `migrateWrite`, `migrateRecord`): what the queue and
 * the local records made under an older version become before anything is sent.
 *
 * Contract: `run()` finishes before the first push of a worker (the engine awaits it in `open`, after `unlock`, and
 * before each push until it succeeded once), so no write is ever sent in an older shape. Afterwards only a write a
 * migration failed keeps an older version, and `retryWrite` migrates it again before it goes back to the queue.
 *
 * - Writes: each step `fromVersion → fromVersion + 1` goes through the collection's `migrateWrite`; the result's body
 *   replaces the old one under the same Idempotency-Key (a server that committed the old body answers
 *   `422 idempotency_key_reused`: the write fails visibly instead of applying twice). `null` drops the write (history
 *   `dropped`), a throw keeps it `failed` with `migration_failed`; other writes go on either way.
 * - Records: a `migrateRecord` function rewrites the app's view and the server's copy in place, page by page, each
 *   row stamped with the new version so a crash resumes where it stopped; `'repull'` (or a record the function
 *   throws on) drops local copies and pulls again, the collection flagged `resyncing` until a pull of it ends.
 */
import type { ErrorInfo } from '../../protocol/api.js';
import type { JsonRecord, MigratableWrite } from '../../protocol/config.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { ResolvedCollection } from '../config.js';
import type { EngineContext } from '../deps.js';
import { encodeJson, isJsonType, parseJsonBody } from '../model/bodies.js';
import { nextQueuedState, nextWriteState } from '../model/write-state.js';
import { writeSchemaVersion, type StoredRecord, type StoredWrite } from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { cursorKey, resyncKey, schemaKey } from '../storage/meta-store.js';
import type { Outbox } from './outbox.js';

export type WriteMigration = 'current' | 'migrated' | 'failed' | 'dropped';

const PAGE = 500;

export class Migrations {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
  ) {}

  /** Whether a write was made under another `schemaVersion` than its collection's (older, or newer: a rollback). */
  isStale(w: StoredWrite): boolean {
    const conf = this.ctx.config.collections.get(w.collection);
    return conf !== undefined && writeSchemaVersion(w) !== conf.schemaVersion;
  }

  /** Records first, then writes, then the app's view of every record whose writes changed. Idempotent. */
  async run(): Promise<void> {
    for (const conf of this.ctx.config.collections.values()) await this.migrateRecords(conf);
    const touched = new Map<string, Set<string>>();
    let after = 0;
    for (;;) {
      const page = await this.ctx.queue.page(after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]?.seq ?? after;
      for (const w of page) {
        if (!this.isStale(w)) continue;
        if ((await this.migrateWrite(w)) === 'current') continue;
        const ids = touched.get(w.collection) ?? new Set<string>();
        ids.add(w.recordId);
        touched.set(w.collection, ids);
      }
    }
    for (const [collection, ids] of touched) for (const id of ids) await this.outbox.rebuild(collection, id);
    // After a re-pull the records that only live in the queue (created offline) are shown again from their writes.
    for (const conf of this.ctx.config.collections.values()) {
      if (!(await this.ctx.meta.resyncing(conf.name))) continue;
      for (const id of await this.ctx.queue.recordIdsWithWrites(conf.name))
        if (!touched.get(conf.name)?.has(id)) await this.outbox.rebuild(conf.name, id);
    }
  }

  /**
   * One write through every version step. The caller rebuilds the record's view (in `run`) or holds its lock and
   * rebuilds (`retryWrite`).
   */
  async migrateWrite(w: StoredWrite): Promise<WriteMigration> {
    const { ctx } = this;
    const conf = ctx.config.collections.get(w.collection);
    const from = writeSchemaVersion(w);
    if (!conf || from === conf.schemaVersion) return 'current';
    const to = conf.schemaVersion;
    // An app rolled back: this version cannot know the newer shape, and migrations only go up. A person decides.
    if (from > to) return this.fail(w, from, to, new Error('made by a newer version of the app'));
    // The worker that had it on the wire is gone (this runs before any push): it goes back to pending first.
    if (w.state === 'sending') w = { ...w, state: nextQueuedState(w.state, 'worker-restart') };
    const json = isJsonType(w.contentType);
    const bytes = await ctx.codec.openBytes(w.body);
    const parsed = json ? parseJsonBody(bytes, w.contentType) : null;
    let shape: MigratableWrite = {
      collection: w.collection,
      method: w.method,
      recordId: w.recordId,
      body: isObject(parsed) ? parsed : null,
    };
    let base: unknown = await ctx.codec.openJson(w.baseRecord);
    try {
      for (let v = from; v < to; v += 1) {
        const next = callMigrateWrite(conf, shape, v);
        if (next === null) return await this.drop(w, from, to);
        shape = { ...shape, body: next.body };
        if (isObject(base) && typeof conf.migrateRecord === 'function') base = conf.migrateRecord(base, v);
      }
    } catch (error) {
      return this.fail(w, from, to, error);
    }
    // Only a JSON body can be rewritten: any other (a form, a photo) stays as it was captured.
    const body = json ? (shape.body === null ? null : encodeJson(shape.body)) : bytes;
    await ctx.queue.put({
      ...w,
      body: await ctx.codec.sealBytes(body),
      bodySize: body?.byteLength ?? 0,
      baseRecord: await ctx.codec.sealJson(isObject(base) ? base : null),
      state: nextQueuedState(w.state, 'migrate'),
      schemaVersion: to,
      rev: w.rev + 1,
    });
    await ctx.history.add(writeEntry(w, 'migrated', ctx.deps.now(), null, null, { from, to }));
    return 'migrated';
  }

  private async drop(w: StoredWrite, from: number, to: number): Promise<WriteMigration> {
    const { ctx } = this;
    nextWriteState(w.state, 'migration-drop');
    // The history first: a crash in between drops the write again at the next start rather than losing the record.
    const error: ErrorInfo = {
      code: 'invalid_state',
      message: `dropped by migrateWrite: not sent (schemaVersion ${from} → ${to})`,
      details: { from, to },
    };
    await ctx.history.add(writeEntry(w, 'dropped', ctx.deps.now(), null, error, { from, to }));
    await ctx.queue.delete(w.id);
    ctx.deps.emit({ type: 'write-discarded', writeId: w.id });
    return 'dropped';
  }

  private async fail(w: StoredWrite, from: number, to: number, thrown: unknown): Promise<WriteMigration> {
    const { ctx } = this;
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    const lastError: ErrorInfo = {
      code: 'migration_failed',
      message: `migrateWrite threw at schemaVersion ${from} → ${to}: ${why}`,
      details: { from, to },
    };
    const failed: StoredWrite = {
      ...w,
      state: nextQueuedState(w.state, 'migration-failed'),
      lastError,
      // A retry migrates again and keeps the key: no 4xx of the server is behind this failure.
      lastStatus: null,
      nextAttemptAt: null,
      rev: w.rev + 1,
    };
    await ctx.queue.put(failed);
    await ctx.history.add(writeEntry(w, 'failed', ctx.deps.now(), null, lastError, { from, to }));
    ctx.deps.emit({ type: 'write-failed', write: this.outbox.viewOf(failed, null) });
    return 'failed';
  }

  /** The collection's local records brought to its `schemaVersion`, in place or by a re-pull. */
  private async migrateRecords(conf: ResolvedCollection): Promise<void> {
    const { ctx } = this;
    const recorded = await ctx.meta.schemaOf(conf.name);
    const to = conf.schemaVersion;
    // Nothing recorded: records stored before versions were (version 1), or none at all (a new partition).
    const stored = recorded ?? ((await ctx.records.count(conf.name)) > 0 ? 1 : to);
    if (stored === to) {
      if (recorded === null) await ctx.meta.setValue(schemaKey(conf.name), to);
      return;
    }
    // A lower version than the records': an app rolled back. Their shape is unknown to it: pulled again.
    const migrate = stored < to ? conf.migrateRecord : 'repull';
    if (migrate === 'repull') return this.repull(conf.name, to);
    let failed = false;
    let after: string | null = null;
    for (;;) {
      const rows: StoredRecord[] = await ctx.records.page(conf.name, after, PAGE);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]?.id ?? after;
      const out: { row: StoredRecord; data: JsonRecord | null; server: JsonRecord | null }[] = [];
      for (const row of rows) {
        const from = row.schemaVersion ?? stored;
        if (from >= to) continue;
        const open = await ctx.records.open(row);
        try {
          out.push({
            row: { ...row, schemaVersion: to },
            data: open.data && stepRecord(migrate, open.data, from, to),
            server: open.server && stepRecord(migrate, open.server, from, to),
          });
        } catch (error) {
          // One record the app cannot migrate does not hold up the others: its copy is dropped and pulled again.
          console.warn(`[offline-kit] migrateRecord threw for ${conf.name}/${row.id}: pulled again`, error);
          await ctx.records.delete(conf.name, row.id);
          failed = true;
        }
      }
      if (out.length) await ctx.records.putMany(out);
    }
    await ctx.meta.setValue(schemaKey(conf.name), to);
    if (failed) await this.markResync(conf.name);
  }

  private async repull(collection: string, to: number): Promise<void> {
    await this.ctx.records.dropCollection(collection, [
      [schemaKey(collection), to],
      [cursorKey(collection), null],
      [resyncKey(collection), true],
    ]);
    this.ctx.deps.emit({ type: 'data-changed', collection, ids: [] });
  }

  /** After a wipe: whatever is stored from now on is in the current shapes. */
  async recordCurrent(): Promise<void> {
    for (const conf of this.ctx.config.collections.values())
      await this.ctx.meta.setValue(schemaKey(conf.name), conf.schemaVersion);
  }

  private async markResync(collection: string): Promise<void> {
    await this.ctx.meta.setValue(cursorKey(collection), null);
    await this.ctx.meta.setResyncing(collection, true);
  }
}

function callMigrateWrite(
  conf: ResolvedCollection,
  write: MigratableWrite,
  from: number,
): MigratableWrite | null {
  // Writable collections above version 1 always have one (`config.ts`); a read-only collection holds no writes.
  if (!conf.migrateWrite) return write;
  const next: unknown = conf.migrateWrite(structuredClone(write), from);
  if (next === null) return null;
  const body = !isObject(next)
    ? undefined
    : next.body === null
      ? null
      : isObject(next.body)
        ? next.body
        : undefined;
  if (body === undefined)
    throw new Error('migrateWrite must return a write ({ body: object | null }) or null');
  return { ...write, body };
}

function stepRecord(
  migrate: (record: JsonRecord, fromVersion: number) => JsonRecord,
  record: JsonRecord,
  from: number,
  to: number,
): JsonRecord {
  let out = record;
  for (let v = from; v < to; v += 1) {
    const next: unknown = migrate(structuredClone(out), v);
    if (!isObject(next)) throw new Error('migrateRecord must return a record');
    out = next;
  }
  return out;
}
