import { describe, expect, it } from 'vitest';
import { OfflineKitError } from '../src/protocol/errors.js';
import {
  WRITE_EVENTS,
  WRITE_STATES,
  WriteTransitionError,
  canTakeWriteEvent,
  nextWriteState,
  type WriteEvent,
  type WriteFate,
} from '../src/core/model/write-state.js';
import type { WriteState } from '../src/protocol/api.js';

/**
 * Every (state, event) pair, written out by hand from the life of a write as docs/RELIABILITY.md tells it: a change
 * to the table in write-state.ts must be made here too, on purpose. `null`: refused.
 */
const EXPECTED: Record<WriteState, Record<WriteEvent, WriteFate | null>> = {
  pending: {
    'mark-sending': 'sending',
    ack: null,
    transient: null,
    auth: null,
    conflict: null,
    rejected: null,
    'out-of-attempts': null,
    'not-sent': null,
    'worker-restart': null,
    retry: 'pending',
    edit: 'pending',
    discard: 'discarded',
    resolve: null,
    migrate: 'pending',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
  sending: {
    'mark-sending': null,
    ack: 'acknowledged',
    transient: 'pending',
    auth: 'pending',
    conflict: 'conflict',
    rejected: 'failed',
    'out-of-attempts': 'failed',
    'not-sent': 'pending',
    'worker-restart': 'pending',
    retry: 'sending',
    edit: null,
    discard: null,
    resolve: null,
    migrate: null,
    'migration-failed': null,
    'migration-drop': null,
  },
  conflict: {
    'mark-sending': null,
    ack: null,
    transient: null,
    auth: null,
    conflict: null,
    rejected: null,
    'out-of-attempts': null,
    'not-sent': null,
    'worker-restart': null,
    retry: null,
    edit: 'pending',
    discard: 'discarded',
    resolve: 'pending',
    migrate: 'conflict',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
  failed: {
    'mark-sending': null,
    ack: null,
    transient: null,
    auth: null,
    conflict: null,
    rejected: null,
    'out-of-attempts': null,
    'not-sent': null,
    'worker-restart': null,
    retry: 'pending',
    edit: 'pending',
    discard: 'discarded',
    resolve: null,
    migrate: 'failed',
    'migration-failed': 'failed',
    'migration-drop': 'discarded',
  },
};

describe('the write state machine', () => {
  for (const state of WRITE_STATES) {
    for (const event of WRITE_EVENTS) {
      const want = EXPECTED[state][event];
      it(`${state} --${event}--> ${want ?? 'refused'}`, () => {
        expect(canTakeWriteEvent(state, event)).toBe(want !== null);
        if (want !== null) {
          expect(nextWriteState(state, event)).toBe(want);
          return;
        }
        let thrown: unknown;
        try {
          nextWriteState(state, event);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(WriteTransitionError);
        expect(thrown).toBeInstanceOf(OfflineKitError);
        expect(thrown).toMatchObject({ code: 'invalid_state', details: { state, event } });
      });
    }
  }

  it('leaves the queue only by an acknowledgement or a discard', () => {
    const exits = WRITE_STATES.flatMap((s) =>
      WRITE_EVENTS.filter((e) => canTakeWriteEvent(s, e)).map((e) => nextWriteState(s, e)),
    ).filter((fate) => fate === 'acknowledged' || fate === 'discarded');
    expect(new Set(exits)).toEqual(new Set(['acknowledged', 'discarded']));
    // Only a write on the wire can be acknowledged.
    expect(WRITE_STATES.filter((s) => canTakeWriteEvent(s, 'ack'))).toEqual(['sending']);
  });
});
