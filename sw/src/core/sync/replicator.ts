/**
 * One sync's network work, composed from its parts: push the queue (`push.ts`, `push-batch.ts`), turning each answer
 * into the write's next state (`settle.ts`), then pull the unit's collections (`pull.ts`), all through one transport
 * (`transport.ts`). Server records are stored by `outbox/server-records.ts`, also for reads and direct writes.
 */
import type { SyncProgress, SyncTrigger } from '../../protocol/api.js';
import type { Discovery } from '../../protocol/wire.js';
import type { EngineContext } from '../deps.js';
import type { ConflictResolver } from '../outbox/conflicts.js';
import type { Outbox } from '../outbox/outbox.js';
import { ServerRecords } from '../outbox/server-records.js';
import { Pull, type PullResult } from './pull.js';
import { Push, type PushResult } from './push.js';
import { Settler } from './settle.js';
import { Transport } from './transport.js';

export type { PullResult } from './pull.js';
export type { PushResult } from './push.js';
export type { Stop } from './transport.js';

type OnProgress = (p: Omit<SyncProgress, 'runId' | 'unit'>) => void;

export class Replicator {
  private readonly transport: Transport;
  private readonly serverRecords: ServerRecords;
  private readonly pusher: Push;
  private readonly puller: Pull;
  /** Pull pages, reads' answers and direct acknowledgements are stored through it (`ServerRecords.applyPage`). */
  readonly applyPage: ServerRecords['applyPage'];

  constructor(ctx: EngineContext, outbox: Outbox, resolver: ConflictResolver) {
    this.transport = new Transport(ctx);
    this.serverRecords = new ServerRecords(ctx, outbox);
    const settler = new Settler(ctx, outbox, resolver, this.transport, this.serverRecords);
    this.pusher = new Push(ctx, outbox, this.transport, settler);
    this.puller = new Pull(ctx, this.transport, this.serverRecords);
    this.applyPage = this.serverRecords.applyPage.bind(this.serverRecords);
  }

  /** What `GET {apiBase}/_sync` announced (null: a plain REST backend), cached for a few minutes. */
  get protocol(): Discovery | null {
    return this.transport.protocol;
  }

  push(collections: ReadonlySet<string>, onProgress: OnProgress, trigger?: SyncTrigger): Promise<PushResult> {
    return this.pusher.push(collections, onProgress, trigger);
  }

  pull(collections: readonly string[], mark: string, onProgress: OnProgress): Promise<PullResult> {
    return this.puller.pull(collections, mark, onProgress);
  }
}
