/**
 * `@offline-kit/server`: the Offline Kit sync protocol (docs/PROTOCOL.md) as a request handler an app mounts beside
 * its own routes, over a storage adapter (`@offline-kit/server/sqlite`, `@offline-kit/server/postgres`). Wire shapes
 * come from `@offline-kit/sw/protocol`: one definition for both ends.
 */
export { createSyncHandler } from './handler.js';
export type {
  AuthUser,
  PreparedAnswer,
  ServerChanges,
  ServerWrites,
  SyncHandler,
  SyncHandlerOptions,
  WriteEvent,
} from './handler.js';
export type { CollectionConfig, FormFields, Upload, WriteContext } from './collections.js';
export { SERVER_FIELDS } from './collections.js';
export { HttpError, ConflictError, invalidBody } from './errors.js';
export type { JsonAnswer, Limits } from './reads.js';
export { DEFAULT_LIMITS } from './reads.js';
export type { Tombstone } from './writes.js';
export type {
  CursorCheck,
  ListPage,
  ListQuery,
  ListRow,
  StoreReader,
  StoreTx,
  StoredAnswer,
  StoredBlob,
  StoredRecord,
  SyncStore,
} from './store/types.js';
