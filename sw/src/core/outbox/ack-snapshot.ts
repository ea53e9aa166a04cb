/**
 * The in-memory copy an acknowledgement works on (`acknowledge.ts`): queue rows and records as read (prefetched, or
 * read on the spot when a step reaches one that was not), what the steps changed, and what the commit must check.
 */
import type { EngineContext } from '../deps.js';
import type { StoredWrite } from '../storage/db.js';
import type { NewEntry } from '../storage/history-store.js';
import type { OpenRecord } from '../storage/record-store.js';

/** A record row with its data opened (decrypted), as the record store hands it out. */
type OpenRow = OpenRecord;

export const recKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

export class Snapshot {
  constructor(private readonly ctx: EngineContext) {}

  readonly queue = new Map<string, StoredWrite>();
  /** `rev` of each queue row as read: the commit refuses if it moved. */
  readonly readRev = new Map<string, number>();
  readonly changedWrites = new Set<string>();
  readonly deletedWrites = new Set<string>();
  readonly records = new Map<string, OpenRow | null>();
  readonly changedRecords = new Set<string>();
  /** Records whose every queued write was loaded (by the `by-record` index), with the ids on disk then. */
  readonly recordWrites = new Map<string, Set<string>>();
  /** Temporary ids whose referring writes were loaded (by the `by-ref` index). */
  readonly refsLoaded = new Set<string>();
  /** Records rebuilt: their set of writes is checked again at commit. */
  readonly rebuilt = new Set<string>();
  readonly idMap = new Map<string, string>();
  readonly history: NewEntry[] = [];

  addWrite(w: StoredWrite): void {
    if (this.queue.has(w.id)) return;
    this.queue.set(w.id, w);
    this.readRev.set(w.id, w.rev);
  }

  /** The queue row `id` as the snapshot holds it, read from disk if it was not prefetched (undefined: gone). */
  async write(id: string): Promise<StoredWrite | undefined> {
    if (!this.queue.has(id)) {
      const w = await this.ctx.queue.get(id);
      if (w) this.addWrite(w);
    }
    return this.queue.get(id);
  }

  async rec(collection: string, id: string): Promise<OpenRow | null> {
    const key = recKey(collection, id);
    if (!this.records.has(key)) this.records.set(key, await this.ctx.records.get(collection, id));
    return this.records.get(key) ?? null;
  }

  setRec(collection: string, id: string, value: OpenRow | null): void {
    const key = recKey(collection, id);
    this.records.set(key, value);
    this.changedRecords.add(key);
  }

  async writesFor(collection: string, id: string): Promise<StoredWrite[]> {
    const key = recKey(collection, id);
    if (!this.recordWrites.has(key)) {
      const ids = new Set<string>();
      for (const w of await this.ctx.queue.forRecord(collection, id)) {
        this.addWrite(w);
        ids.add(w.id);
      }
      this.recordWrites.set(key, ids);
    }
    return this.live()
      .filter((w) => w.collection === collection && w.recordId === id)
      .sort((a, b) => a.seq - b.seq);
  }

  async referring(tempId: string): Promise<StoredWrite[]> {
    if (!this.refsLoaded.has(tempId)) {
      for (const w of await this.ctx.queue.referring(tempId)) this.addWrite(w);
      this.refsLoaded.add(tempId);
    }
    return this.live().filter((w) => w.refs.includes(tempId));
  }

  private live(): StoredWrite[] {
    return [...this.queue.values()].filter((w) => !this.deletedWrites.has(w.id));
  }

  putWrite(w: StoredWrite): void {
    this.queue.set(w.id, w);
    this.changedWrites.add(w.id);
  }

  deleteWrite(id: string): void {
    // A write no longer on disk (never read) has nothing to delete and nothing to check at commit.
    if (this.readRev.has(id)) this.deletedWrites.add(id);
  }
}
