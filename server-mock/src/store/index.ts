import { BlobTable } from './blobs.js';
import { openDb, type Db, type StorageOption } from './db.js';
import { IdempotencyTable, TempIdTable } from './idempotency.js';
import { Meta } from './meta.js';
import { RecordTable } from './records.js';
import { TokenTable } from './tokens.js';

export type { StorageOption } from './db.js';
export type { StoredRecord, ListRow, ListQuery } from './records.js';
export type { StoredAnswer } from './idempotency.js';

/** Every table of the server's state, over one SQLite database (a file, or memory for tests). */
export class Store {
  readonly meta: Meta;
  readonly records: RecordTable;
  readonly idempotency: IdempotencyTable;
  readonly tempIds: TempIdTable;
  readonly blobs: BlobTable;
  readonly tokens: TokenTable;

  private constructor(
    readonly db: Db,
    readonly clock: () => Date,
  ) {
    this.meta = new Meta(db);
    this.records = new RecordTable(db, this.meta, clock);
    this.idempotency = new IdempotencyTable(db);
    this.tempIds = new TempIdTable(db);
    this.blobs = new BlobTable(db);
    this.tokens = new TokenTable(db);
  }

  static open(storage: StorageOption, clock: () => Date = () => new Date()): Store {
    return new Store(openDb(storage), clock);
  }

  /** Runs `fn` in one transaction (a savepoint when nested): everything it writes commits together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Forgets every record, tombstone, temporary id, idempotency answer and photo; keeps counters and tokens. */
  clearData(): void {
    this.db.exec(
      'DELETE FROM records; DELETE FROM access; DELETE FROM idempotency; DELETE FROM temp_ids; DELETE FROM blobs;',
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
