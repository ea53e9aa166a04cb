import { describe, expect, it } from 'vitest';
import { describeFaults } from '../src/logic/faults.js';

const now = Date.parse('2026-11-25T12:00:00Z');

describe('describeFaults', () => {
  it('says none when nothing is active, or the state is not understood', () => {
    const idle = {
      latencyMs: 0,
      failNext: null,
      dropNext: null,
      unreachableForMs: 0,
      unreachableUntil: null,
    };
    expect(describeFaults(idle, now)).toBe('none');
    expect(describeFaults('garbage', now)).toBe('none');
    expect(describeFaults({ unreachableUntil: now - 1 }, now)).toBe('none');
  });

  it('puts every active fault in words', () => {
    expect(
      describeFaults(
        {
          latencyMs: 3000,
          failNext: { count: 3, status: 503 },
          dropNext: { count: 1, when: 'after-commit' },
          unreachableUntil: now + 59_500,
        },
        now,
      ),
    ).toBe(
      '3 s added to every answer; next 3 requests fail with 503; next 1 write loses its answer after it is saved; ' +
        'server unreachable for 60 more seconds',
    );
    expect(describeFaults({ latencyMs: 250, failNext: { count: 1 } }, now)).toBe(
      '250 ms added to every answer; next 1 request fails',
    );
  });
});

describe('describeFaults with server-mock’s own shape', () => {
  it('reads the unreachable window as server-mock answers it (an ISO date and the time left)', () => {
    const state = {
      latencyMs: 0,
      failNext: null,
      dropNext: null,
      unreachableForMs: 59_500,
      unreachableUntil: new Date(now + 59_500).toISOString(),
    };
    expect(describeFaults(state, now)).toBe('server unreachable for 60 more seconds');
    expect(describeFaults({ unreachableForMs: 1_000, unreachableUntil: null }, now)).toBe(
      'server unreachable for 1 more second',
    );
  });
});
