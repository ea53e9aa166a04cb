/**
 * The run state machine of one partition, as one table. The scheduler (`scheduler.ts`) changes state only through
 * `nextRunState`, and a unit test enumerates every (state, event) pair.
 *
 *                  run / forced-run                      succeeded
 *        ┌──────────────────────────────▶ running ───────────────────────▶ idle
 *        │                               │    │
 *      idle ◀───────── resume ───────┐   │    │ transient-failure (network, 5xx, 429, a batch that settles nothing)
 *        ▲                           │   │    ▼
 *        │                        paused ◀┘  retry-wait ── run / forced-run (the back-off timer, a nudge) ──▶ running
 *        │                           │  auth-failure (401, no credentials in hand)
 *        └───────────────────────────┘  forced-run (manual, login) ──▶ running
 *
 *   every state but closed ── close ──▶ closed (terminal)
 *
 * A run that is skipped before it starts (offline, simulated offline, locked, paused without force) is no event: the
 * state stays. `paused` is kept in the partition's meta store, so a restarted worker starts paused.
 */
export type RunState = 'idle' | 'running' | 'retry-wait' | 'paused' | 'closed';

export type RunEvent =
  'run' | 'forced-run' | 'succeeded' | 'transient-failure' | 'auth-failure' | 'resume' | 'close';

export const RUN_STATES: readonly RunState[] = ['idle', 'running', 'retry-wait', 'paused', 'closed'];
export const RUN_EVENTS: readonly RunEvent[] = [
  'run',
  'forced-run',
  'succeeded',
  'transient-failure',
  'auth-failure',
  'resume',
  'close',
];

const TABLE: Readonly<Record<RunState, Partial<Record<RunEvent, RunState>>>> = {
  idle: { run: 'running', 'forced-run': 'running', close: 'closed' },
  running: {
    succeeded: 'idle',
    'transient-failure': 'retry-wait',
    'auth-failure': 'paused',
    close: 'closed',
  },
  'retry-wait': { run: 'running', 'forced-run': 'running', close: 'closed' },
  paused: { 'forced-run': 'running', resume: 'idle', close: 'closed' },
  closed: {},
};

/** Thrown on a transition the table does not have: a bug in the scheduler, never a user's doing. */
export class IllegalRunTransition extends Error {
  override readonly name = 'IllegalRunTransition';
  constructor(
    readonly state: RunState,
    readonly event: RunEvent,
  ) {
    super(`sync run state machine: no transition from ${state} on ${event}`);
  }
}

export function canRun(state: RunState, event: RunEvent): boolean {
  return TABLE[state][event] !== undefined;
}

export function nextRunState(state: RunState, event: RunEvent): RunState {
  const next = TABLE[state][event];
  if (next === undefined) throw new IllegalRunTransition(state, event);
  return next;
}
