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
import { appFields, versionOf } from '../model/records.js';

export class ConflictResolver {
  constructor(
    private readonly ctx: EngineContext,
    private readonly outbox: Outbox,
  ) {}

  /** Applies the collection's automatic strategy; false when it is manual (or a merge function declined). */
  async applyStrategy(write: StoredWrite): Promise<boolean> {
    const strategy = this.ctx.config.collections.get(write.collection)?.conflict ?? 'manual';
    if (strategy === 'manual') return false;
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

  async resolve(writeId: string, resolution: Resolution, by: 'auto' | 'person' = 'person'): Promise<void> {
    const found = await this.ctx.queue.get(writeId);
    if (!found) throw new OfflineKitError('not_found', `no queued write ${writeId}`);
    // The record's lock: a write captured meanwhile is queued either before the resolution reads the queue or after
    // the resolution's write, never on a version in between.
    await this.ctx.locks.run([found.recordId], () => this.resolveLocked(writeId, resolution, by));
  }

  private async resolveLocked(writeId: string, resolution: Resolution, by: 'auto' | 'person'): Promise<void> {
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
      const fields =
        resolution.choice === 'merged'
          ? appFields(resolution.record)
          : view.local
            ? appFields(view.local)
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
        message: `resolved (${resolution.choice}) by ${by === 'auto' ? 'the collection strategy' : 'a person'}`,
        // What the user had typed stays in the log even when the server's version won.
        details: { local: view.local, server: view.server, newWriteId: next?.id ?? null },
      },
    });
    ctx.deps.emit({ type: 'conflict-resolved', writeId: write.id, resolution: resolution.choice });
    ctx.deps.emit({ type: 'data-changed', collection: write.collection, ids: [write.recordId] });
  }
}
