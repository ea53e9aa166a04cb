import type { SyncHandler } from '@offline-kit/server';
import type { Auth } from './auth/auth.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './request-log.js';
import type { Store } from './store/index.js';

export const LIMITS = {
  /** Largest request body (PROTOCOL.md `maxBodyBytes`). */
  maxBodyBytes: 10 * 1024 * 1024,
  batchMaxWrites: 100,
  batchMaxBytes: 1024 * 1024,
  /** Largest page of a list (PROTOCOL.md §4: the server may cap `limit`). */
  maxPageSize: 1000,
  defaultPageSize: 500,
  /** Bodies of `/__mock/*` and sign-in requests. */
  controlBodyBytes: 1024 * 1024,
} as const;

/** The server's parts, handed to every handler. */
export interface App {
  store: Store;
  /** The protocol, served by @offline-kit/server for the demo's collections. */
  sync: SyncHandler;
  auth: Auth;
  faults: Faults;
  log: RequestLog;
  /** Parts seeded by `/__mock/reset`: the number the server started with. */
  seedParts: number;
}

/** What one request did, for its log entry. */
export interface RequestInfo {
  user: string | null;
  key: string | null;
  fault: string | null;
  replay: boolean;
  committedStatus?: number;
}
