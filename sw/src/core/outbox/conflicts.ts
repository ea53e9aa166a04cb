/**
 * Settling 409s. Every resolution becomes a new write (a new Idempotency-Key: the old key's 409 is the server's stored
 * answer) based on the server's version, in the conflicted write's place in the queue. Nothing the user typed is lost:
 * until a person or a rule chooses, the write keeps base, local and server states.
 */
import type { Resolution } from '../../protocol/api.js';
import type { JsonRecord } from '../../protocol/config.js';
import { OfflineKitError } from '../../protocol/errors.js';
import { isObject } from '../../protocol/wire-guards.js';
import { apiPath } from '../config.js';
import { encodeJson } from '../model/bodies.js';
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import type { Outbox } from './outbox.js';
import { appFields, threeWayMerge, versionOf } from '../model/records.js';

/** Who settled a conflict: a person, the collection's strategy, or `manual`'s field-by-field merge. */
type ResolvedBy = 'person' | 'auto' | 'merge';

const RESOLVED_BY: Record<ResolvedBy, string> = {
  person: 'a person',
  auto: 'the collection strategy',
  merge: 'itself: the changes were to different fields',
};

export class ConflictResolver {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Applies the collection's automatic strategy; false when the conflict is left for a person: `manual` with a field
   * both sides changed to different values (or nothing to merge on), or a merge function that declined.
   */
  async applyStrategy(write: StoredWrite): Promise<boolean> {
    const strategy = this.ctx.config.collections.get(write.collection)?.conflict ?? 'manual';
    if (strategy === 'manual') return this.mergeDisjoint(write);
    if (strategy === 'server-wins') {
      await this.resolve(write.id, { choice: 'server' }, 'auto');
      return true;
    }
    if (strategy === 'client-wins') {
      await this.resolve(write.id, { choice: 'local' }, 'auto');
      return true;
    }
    const view = await this.outbox.conflictView(write);
    if (!view) return false;
    let merged: JsonRecord | null;
    try {
      merged = await strategy({ base: view.base, local: view.local, server: view.server });
    } catch (error) {
      console.error('[offline-kit] merge function threw; the conflict is left for a person', error);
      return false;
    }
    if (!isObject(merged)) return false;
    await this.resolve(
      write.id,
      { choice: 'merged', record: { ...appFields(view.server), ...merged } },
      'auto',
    );
    return true;
  }

  /**
   * `manual`'s first step, as RxDB, Dexie Cloud and CouchDB apps do: changes to different fields merge by themselves
   * (the user's fields on top of the server's copy); only a field both sides changed to different values needs a person.
   */
  private async mergeDisjoint(write: StoredWrite): Promise<boolean> {
    const view = await this.outbox.conflictView(write);
    if (!view?.merged || !view.local || view.fields.length > 0) return false;
    await this.resolve(write.id, { choice: 'merged', record: view.merged }, 'merge');
    return true;
  }

  async resolve(writeId: string, resolution: Resolution, by: ResolvedBy = 'person'): Promise<void> {
    const found = await this.ctx.queue.get(writeId);
    if (!found) throw new OfflineKitError('not_found', `no queued write ${writeId}`);
    // The record's lock: a write captured meanwhile is queued either before the resolution reads the queue or after
    // the resolution's write, never on a version in between.
    await this.ctx.locks.run([found.recordId], () => this.resolveLocked(writeId, resolution, by));
  }

  private async resolveLocked(writeId: string, resolution: Resolution, by: ResolvedBy): Promise<void> {
    const { ctx, outbox } = this;
    const write = await ctx.queue.get(writeId);
    if (!write) throw new OfflineKitError('not_found', `no queued write ${writeId}`);
    if (write.state !== 'conflict' || !write.conflict) {
      throw new OfflineKitError('invalid_state', `write ${writeId} is ${write.state}, not in conflict`);
    }
    const view = await outbox.conflictView(write);
    if (!view) throw new OfflineKitError('invalid_state', `write ${writeId} has no conflict states`);
    const server = view.server;
    let next: StoredWrite | null = null;
    // The record's later queued writes are part of `local`: settled by this resolution, not sent on their own. They
    // leave the queue after the resolution is in it: a crash in between sends them again (their changes, already in
    // the resolution), never loses them.
    const covered = (await Promise.all(view.covers.map((id) => ctx.queue.get(id)))).filter(
      (w): w is StoredWrite => w !== undefined && w.state !== 'sending',
    );

    if (resolution.choice === 'server') {
      await ctx.queue.delete(write.id);
      if (server) {
        const existing = await ctx.records.get(write.collection, write.recordId);
        if (existing)
          await ctx.records.putMany([
            { row: { ...existing.row, version: versionOf(server) }, data: server, server },
          ]);
      }
      await outbox.rebuild(write.collection, write.recordId);
    } else {
      // "Mine" is the user's changes on top of the server's copy: a field they did not touch keeps the server's value.
      const fields =
        resolution.choice === 'merged'
          ? appFields(resolution.record)
          : view.local
            ? view.base && server
              ? threeWayMerge(view.base, view.local, server, 'local').merged
              : appFields(view.local)
            : null;
      if (fields === null) {
        // The user deleted the record: delete the server's version (nothing to do if the server deleted it too).
        if (view.serverDeleted) {
          await ctx.queue.delete(write.id);
          await outbox.rebuild(write.collection, write.recordId);
        } else {
          next = await outbox.replace(write, {
            method: 'DELETE',
            body: null,
            bodySize: 0,
            contentType: null,
            baseVersion: versionOf(server),
            baseRecord: await ctx.codec.sealJson(server),
          });
        }
      } else {
        const body = encodeJson(fields);
        const base = apiPath(ctx.config, '/' + encodeURIComponent(write.collection));
        next = await outbox.replace(
          write,
          view.serverDeleted
            ? {
                // The server deleted the record meanwhile: keeping the user's version means creating it again.
                method: 'POST',
                url: base,
                body: await ctx.codec.sealBytes(body),
                bodySize: body.byteLength,
                contentType: 'application/json',
                baseVersion: null,
                baseRecord: null,
              }
            : {
                method: 'PUT',
                url: `${base}/${encodeURIComponent(write.recordId)}`,
                body: await ctx.codec.sealBytes(body),
                bodySize: body.byteLength,
                contentType: 'application/json',
                baseVersion: versionOf(server),
                baseRecord: await ctx.codec.sealJson(server),
              },
        );
      }
    }
    if (covered.length > 0) {
      for (const w of covered) await ctx.queue.delete(w.id);
      await outbox.rebuild(write.collection, write.recordId);
    }
    await ctx.history.add({
      kind: 'write',
      at: ctx.deps.now(),
      event: 'resolved',
      writeId: write.id,
      collection: write.collection,
      recordId: write.recordId,
      method: write.method,
      status: null,
      error: {
        code: 'conflict',
        message: `resolved (${resolution.choice}) by ${RESOLVED_BY[by]}`,
        // What the user had typed stays in the log even when the server's version won.
        details: {
          local: view.local,
          server: view.server,
          newWriteId: next?.id ?? null,
          covered: covered.map((w) => w.id),
        },
      },
    });
    for (const w of covered)
      await ctx.history.add({
        kind: 'write',
        at: ctx.deps.now(),
        event: 'resolved',
        writeId: w.id,
        collection: w.collection,
        recordId: w.recordId,
        method: w.method,
        status: null,
        error: { code: 'conflict', message: `settled with the conflict of write ${write.id}`, details: null },
      });

    ctx.deps.emit({ type: 'conflict-resolved', writeId: write.id, resolution: resolution.choice });
    ctx.deps.emit({ type: 'data-changed', collection: write.collection, ids: [write.recordId] });
  }
}
