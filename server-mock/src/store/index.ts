import { SqliteStore } from '@offline-kit/server/sqlite';
import { MockMeta } from './meta.js';
import { TokenTable } from './tokens.js';

export type StorageOption = { kind: 'memory' } | { kind: 'sqlite'; file: string };

/**
 * The server's state in one SQLite database (a file, or memory for tests): the library's tables (records,
 * tombstones, readers, idempotency answers, temporary ids, photo bytes) and server-mock's own two beside them
 * (sign-in tokens, and a few counters of the demo). Everything the protocol keeps goes through the library.
 */
export class Store {
  readonly tokens: TokenTable;
  readonly meta: MockMeta;

  private constructor(
    readonly sync: SqliteStore,
    readonly clock: () => Date,
  ) {
    this.tokens = new TokenTable(sync.db);
    this.meta = new MockMeta(sync.db);
  }

  static open(storage: StorageOption, clock: () => Date = () => new Date()): Store {
    const file = storage.kind === 'memory' ? ':memory:' : storage.file;
    return new Store(new SqliteStore({ file, clock }), clock);
  }

  close(): Promise<void> {
    return this.sync.close();
  }
}
