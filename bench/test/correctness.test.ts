import { describe, expect, it } from 'vitest';
import { judge } from '../src/runner/correctness.js';
import { writeTitle } from '../src/shared/page-api.js';

const held = (
  tag: string,
  indices: number[],
  firstId = 1,
): { id: string; deleted: boolean; title: unknown }[] =>
  indices.map((index, i) => ({ id: `wo_${firstId + i}`, deleted: false, title: writeTitle(tag, index) }));

describe('judge: what the server holds against what was issued', () => {
  it('accepts every write once in issue order, ignoring other runs', () => {
    expect(judge([...held('a', [0, 1, 2]), ...held('b', [0], 50)], 'a', 3)).toEqual({
      lost: 0,
      duplicated: 0,
      reordered: 0,
    });
  });

  it('orders by the id counter, not the id string (wo_10 after wo_9)', () => {
    const records = held(
      'a',
      Array.from({ length: 11 }, (_, i) => i),
    ).reverse();
    expect(judge(records, 'a', 11).reordered).toBe(0);
  });

  it('counts lost, duplicated and reordered writes', () => {
    expect(judge(held('a', [0, 2, 1, 2]), 'a', 4)).toEqual({ lost: 1, duplicated: 1, reordered: 1 });
  });

  it('does not count a deleted record as held', () => {
    const records = held('a', [0, 1]).map((r, i) => ({ ...r, deleted: i === 1 }));
    expect(judge(records, 'a', 2).lost).toBe(1);
  });
});
