/**
 * What a person does to queued writes, from the page or the panel: retry, edit, discard, resolve a conflict. Each
 * holds the record's lock (`storage/locks.ts`) so a write captured meanwhile sees its result, and leaves a history
 * entry; afterwards the engine publishes its status and asks for a sync.
 */
import type { Resolution } from '../../protocol/api.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';
import type { EngineContext } from '../deps.js';
import { encodeJson } from '../model/bodies.js';
import type { StoredWrite } from '../storage/db.js';
import { writeEntry } from '../storage/history-store.js';
import { canTakeWriteEvent, nextQueuedState } from '../model/write-state.js';
import type { ConflictResolver } from './conflicts.js';
import type { Migrations } from './migrate.js';
import type { Outbox } from './outbox.js';

/** What the engine does once a command changed the queue. */
export interface AfterCommand {
  statusSoon(): void;
  syncSoon(): void;
}

export class Commands {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
    private readonly conflicts: ConflictResolver,
    private readonly migrations: Migrations,
    private readonly after: AfterCommand,
  ) {}

  private async mustGet(id: string): Promise<StoredWrite> {
    const w = await this.ctx.queue.get(id);
    if (!w) throw new OfflineKitError('not_found', `no queued write ${id}`);
    return w;
  }

  /**
   * Runs `fn` holding the lock of the record write `id` belongs to (`record-locks.ts`), so a write captured meanwhile
   * sees its result. `fn` reads the write again: it may have changed while the lock was awaited.
   */
  private async underWriteLock(id: string, fn: () => Promise<void>): Promise<void> {
    const w = await this.mustGet(id);
    await this.ctx.locks.run([w.recordId], fn);
  }

  async retryWrite(id: string): Promise<void> {
    await this.underWriteLock(id, () => this.retryLocked(id));
  }

  private async retryLocked(id: string): Promise<void> {
    let w = await this.mustGet(id);
    if (!canTakeWriteEvent(w.state, 'retry'))
      throw new OfflineKitError('invalid_state', 'resolve the conflict instead', {
        details: { state: w.state },
      });
    // A write a migration failed on goes back to the queue only in the new shape: the migration is tried again first.
    if (this.migrations.isStale(w)) {
      const migrated = await this.migrations.migrateWrite(w);
      await this.outbox.rebuild(w.collection, w.recordId);
      this.ctx.deps.emit({ type: 'data-changed', collection: w.collection, ids: [w.recordId] });
      this.after.statusSoon();
      if (migrated !== 'migrated') return;
      w = await this.mustGet(id);
    }
    // Pending and sending writes stay as they are (a sync is asked for); a failed one goes back to the queue.
    if (w.state === 'failed') {
      // The server stored its 4xx answer under the old key: a deliberate retry needs a new one. A write that failed
      // after too many transient attempts may have been committed, so it keeps its key.
      const definitive = w.lastStatus !== null && w.lastStatus >= 400 && w.lastStatus < 500;
      if (definitive) await this.outbox.replace(w, {});
      else
        await this.ctx.queue.put({
          ...w,
          state: nextQueuedState(w.state, 'retry'),
          attempts: 0,
          nextAttemptAt: null,
          rev: w.rev + 1,
        });
    }
    await this.logWrite(w, 'retried');
    this.after.syncSoon();
  }

  async editWrite(id: string, body: unknown): Promise<void> {
    await this.underWriteLock(id, () => this.editLocked(id, body));
  }

  private async editLocked(id: string, body: unknown): Promise<void> {
    const w = await this.mustGet(id);
    if (!canTakeWriteEvent(w.state, 'edit'))
      throw new OfflineKitError('invalid_state', 'the write is being sent; try again', {
        details: { state: w.state },
      });
    if (w.method === 'DELETE') throw new OfflineKitError('invalid_state', 'a delete has no body to edit');
    if (!isObject(body)) throw new OfflineKitError('invalid_message', 'the new body must be a JSON object');
    const bytes = encodeJson(body);
    const sealed = await this.ctx.codec.sealBytes(bytes);
    // A person's body is in the shape the app speaks now.
    const schemaVersion = this.ctx.config.collections.get(w.collection)?.schemaVersion ?? 1;
    const patch = {
      body: sealed,
      bodySize: bytes.byteLength,
      contentType: 'application/json',
      schemaVersion,
    };
    // A write the server may have seen keeps nothing of its old key: a changed body under it would be refused (422).
    if (w.attempts > 0 || w.state !== 'pending') await this.outbox.replace(w, patch);
    else {
      await this.ctx.queue.put({ ...w, ...patch, state: nextQueuedState(w.state, 'edit'), rev: w.rev + 1 });
      await this.outbox.rebuild(w.collection, w.recordId);
    }
    await this.logWrite(w, 'edited');
    this.ctx.deps.emit({ type: 'data-changed', collection: w.collection, ids: [w.recordId] });
    this.after.statusSoon();
    // A person who fixed a write (a failed one above all) expects it to go out now, as Retry does: not at the next
    // timer, which for a failed write never comes.
    this.after.syncSoon();
  }

  async discardWrite(id: string): Promise<void> {
    await this.underWriteLock(id, () => this.discardLocked(id));
  }

  private async discardLocked(id: string): Promise<void> {
    const w = await this.mustGet(id);
    if (!canTakeWriteEvent(w.state, 'discard'))
      throw new OfflineKitError('invalid_state', 'the write is being sent; try again', {
        details: { state: w.state },
      });
    await this.ctx.queue.delete(id);
    await this.outbox.rebuild(w.collection, w.recordId);
    await this.logWrite(w, 'discarded');
    this.ctx.deps.emit({ type: 'write-discarded', writeId: id });
    this.ctx.deps.emit({ type: 'data-changed', collection: w.collection, ids: [w.recordId] });
    this.after.statusSoon();
  }

  private async logWrite(w: StoredWrite, event: 'retried' | 'edited' | 'discarded'): Promise<void> {
    await this.ctx.history.add(writeEntry(w, event, this.ctx.deps.now()));
  }

  async resolveConflict(writeId: string, resolution: Resolution): Promise<void> {
    await this.conflicts.resolve(writeId, resolution);
    this.after.statusSoon();
    this.after.syncSoon();
  }
}
