/** Everything the engine's parts share: the resolved configuration, the injected outside world, and the stores. */
import type { OfflineKitEvent } from '../protocol/api.js';
import type { Adapters } from './adapter/adapters.js';
import type { ResolvedConfig } from './config.js';
import type { Codec } from './storage/codec.js';
import type { HistoryStore } from './storage/history-store.js';
import type { MetaStore } from './storage/meta-store.js';
import type { QueueStore } from './storage/queue-store.js';
import type { RecordLocks } from './storage/locks.js';
import type { RecordStore } from './storage/record-store.js';

/**
 * The outside world, injected so the engine runs in node under fakes and fake timers. `fetch` is the only way out to
 * the network: the worker's version throws a TypeError while simulated offline, exactly like a real outage.
 */
export interface EngineDeps {
  fetch: (request: Request) => Promise<Response>;
  now: () => number;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  random: () => number;
  uuid: () => string;
  emit: (event: OfflineKitEvent) => void;
  /** Current credentials for replay (headers), never stored. */
  credentials: () => Promise<Record<string, string> | null>;
  /** Absolute origin requests are made against, e.g. `http://127.0.0.1:4000`. */
  origin: string;
  /** The browser's view of connectivity (navigator.onLine), before simulated offline. */
  browserOnline: () => boolean;
  /** Whether the devtools bridge answers (reported in the status). */
  devtools?: boolean;
}

export interface EngineContext {
  config: ResolvedConfig;
  deps: EngineDeps;
  codec: Codec;
  queue: QueueStore;
  records: RecordStore;
  meta: MetaStore;
  history: HistoryStore;
  /** How each collection's API is spoken (`adapter/`). */
  wire: Adapters;
  /** Serializes read-modify-write of the same records across awaits (see `record-locks.ts`). */
  locks: RecordLocks;
}

export function unitsOf(config: ResolvedConfig, collection: string): string[] {
  const out: string[] = [];
  for (const [unit, list] of config.syncUnits) if (list.includes(collection)) out.push(unit);
  return out;
}
