import { describe, expect, it } from 'vitest';
import {
  IllegalRunTransition,
  RUN_EVENTS,
  RUN_STATES,
  nextRunState,
  type RunEvent,
  type RunState,
} from '../src/core/sync/run-state.js';

// Written out by hand, not derived from the table: the test is the second statement of the machine drawn in
// run-state.ts. Every pair not listed here must throw.
const LEGAL: Record<string, RunState> = {
  'idle run': 'running',
  'idle forced-run': 'running',
  'idle close': 'closed',
  'running succeeded': 'idle',
  'running transient-failure': 'retry-wait',
  'running auth-failure': 'paused',
  'running close': 'closed',
  'retry-wait run': 'running',
  'retry-wait forced-run': 'running',
  'retry-wait close': 'closed',
  'paused forced-run': 'running',
  'paused resume': 'idle',
  'paused close': 'closed',
};

describe('run state machine', () => {
  const pairs: [RunState, RunEvent][] = RUN_STATES.flatMap((s) =>
    RUN_EVENTS.map((e): [RunState, RunEvent] => [s, e]),
  );

  it('has every (state, event) pair in the enumeration: 5 states × 7 events', () => {
    expect(pairs).toHaveLength(35);
  });

  it.each(pairs)('%s on %s', (state, event) => {
    const expected = LEGAL[`${state} ${event}`];
    if (expected === undefined) {
      expect(() => nextRunState(state, event)).toThrow(IllegalRunTransition);
    } else {
      expect(nextRunState(state, event)).toBe(expected);
    }
  });

  it('closed is terminal and only closed is', () => {
    for (const state of RUN_STATES) {
      const exits = RUN_EVENTS.filter((e) => LEGAL[`${state} ${e}`] !== undefined);
      if (state === 'closed') expect(exits).toEqual([]);
      else expect(exits).toContain('close');
    }
  });
});
