/**
 * The life of a queued write, as one transition table. Every change of a queued write's `state` asks
 * `nextWriteState` first; a transition not drawn here is a bug and throws `WriteTransitionError`.
 *
 *                      capture (enqueue)
 *                            │
 *                            ▼
 *     ┌───── retry, edit ─▶ pending ◀─────────────── retry, edit, resolve ──────────┐
 *     │    (no-op on a       │  ▲  ▲                                                 │
 *     │     pending write)   │  │  └── transient (back-off: nextAttemptAt), auth,  │
 *     │                      │  │      not-sent (uncounted), worker-restart        │
 *     │           mark-sending  │                                                 │
 *     │                      ▼  │                                                  │
 *     └──────────────────── sending ── ack ─────────▶ (acknowledged: leaves the queue)
 *                            │   │
 *             conflict (409) │   │ rejected (4xx), out-of-attempts
 *                            ▼   ▼
 *                      conflict   failed ──────────────────────────────────────────┘
 *                            │   │
 *                            └───┴── discard ─▶ (discarded: leaves the queue; a pending write too)
 *
 * An app update that raises a collection's `schemaVersion` migrates its older writes (`outbox/migrate.ts`) before any
 * push: `migrate` keeps the state with the body in the new shape, `migration-failed` (the app's `migrateWrite` threw)
 * makes it `failed`, `migration-drop` (it returned null) takes it out of the queue unsent. A write being sent is never
 * migrated: a new worker first sends it back to `pending` (`worker-restart`).
 *
 * `retry` of a pending or sending write changes nothing (a sync is asked for); of a conflict it is refused — the
 * conflict is resolved instead. A write being sent can be neither edited nor discarded: its answer decides first.
 */
import type { WriteState } from '../../protocol/api.js';
import { OfflineKitError } from '../../protocol/errors.js';

export const WRITE_STATES = [
  'pending',
  'sending',
  'conflict',
  'failed',
] as const satisfies readonly WriteState[];

/** Where a write can go: a queue state, or out of the queue. */
export type WriteFate = WriteState | 'acknowledged' | 'discarded';

export const WRITE_EVENTS = [
  /** Persisted as `sending` (the attempt counted) before it goes out. */
  'mark-sending',
  /** A 2xx answer. */
  'ack',
  /** 5xx, 429, a network failure: sent again later, after its back-off. */
  'transient',
  /** 401: kept pending, the sync pauses for credentials. */
  'auth',
  /** 409: the server holds a newer version. */
  'conflict',
  /** A definitive 4xx. */
  'rejected',
  /** A transient failure after the last allowed attempt. */
  'out-of-attempts',
  /** Marked but never on the wire (a batch entry not attempted, a chunk held back): pending, attempt uncounted. */
  'not-sent',
  /** Found `sending` when a run starts: the worker that sent it died; sent again with the same key. */
  'worker-restart',
  /** A person asks to try again. */
  'retry',
  /** A person changes the body. */
  'edit',
  /** A person (or server-wins) drops the write. */
  'discard',
  /** A conflict resolved by sending a new version (keep-local, merge). */
  'resolve',
  /** `migrateWrite` brought the body to the collection's new `schemaVersion`: same state, new shape. */
  'migrate',
  /** `migrateWrite` threw: kept for a person, never sent in the old shape. */
  'migration-failed',
  /** `migrateWrite` returned null: out of the queue unsent, recorded in the history. */
  'migration-drop',
] as const;

export type WriteEvent = (typeof WRITE_EVENTS)[number];

const TABLE: Record<WriteState, Partial<Record<WriteEvent, WriteFate>>> = {
  pending: {
    'mark-sending': 'sending',
    retry: 'pending',
    edit: 'pending',
    discard: 'discarded',
    migrate: 'pending',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
  sending: {
    ack: 'acknowledged',
    transient: 'pending',
    auth: 'pending',
    'not-sent': 'pending',
    'worker-restart': 'pending',
    conflict: 'conflict',
    rejected: 'failed',
    'out-of-attempts': 'failed',
    retry: 'sending',
  },
  conflict: {
    edit: 'pending',
    resolve: 'pending',
    discard: 'discarded',
    migrate: 'conflict',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
  failed: {
    retry: 'pending',
    edit: 'pending',
    discard: 'discarded',
    migrate: 'failed',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
};

/** A change of a queued write that its life does not allow (`invalid_state`, with the state and the event). */
export class WriteTransitionError extends OfflineKitError {
  constructor(
    readonly state: WriteState,
    readonly event: WriteEvent,
  ) {
    super('invalid_state', `a ${state} write cannot take "${event}"`, { details: { state, event } });
  }
}

/** Where `event` takes a write in `state`; throws `WriteTransitionError` when the table has no such arrow. */
export function nextWriteState(state: WriteState, event: WriteEvent): WriteFate {
  const next = TABLE[state][event];
  if (next === undefined) throw new WriteTransitionError(state, event);
  return next;
}

/** Whether `event` may happen to a write in `state` (for filters that skip rather than fail). */
export function canTakeWriteEvent(state: WriteState, event: WriteEvent): boolean {
  return TABLE[state][event] !== undefined;
}

/** `nextWriteState` for an event that keeps the write in the queue. */
export function nextQueuedState(state: WriteState, event: WriteEvent): WriteState {
  const next = nextWriteState(state, event);
  if (next === 'acknowledged' || next === 'discarded') throw new WriteTransitionError(state, event);
  return next;
}
