import { describe, expect, it } from 'vitest';
import { readOptions, selected } from '../src/runner/options.js';

describe('BENCH_ONLY', () => {
  it('runs the 100,000-record first sync by itself, or both halves of scale by that name', () => {
    const only = readOptions({ BENCH_ONLY: 'first-sync,scale-first-sync' }, '/bench').only;
    expect(selected(only, 'first-sync')).toBe(true);
    expect(selected(only, 'scale-first-sync')).toBe(true);
    expect(selected(only, 'scale-queue')).toBe(false);
    expect(selected(only, 'burst')).toBe(false);
    const scale = readOptions({ BENCH_ONLY: 'scale' }, '/bench').only;
    expect(selected(scale, 'scale-first-sync') && selected(scale, 'scale-queue')).toBe(true);
    expect(selected(null, 'online-get')).toBe(true);
  });

  it('leaves RESULTS.md and the full results to full runs, and refuses a step it does not know', () => {
    const partial = readOptions({ BENCH_ONLY: 'first-sync' }, '/bench');
    expect(partial.resultsMarkdown).toBeNull();
    expect(partial.resultsDir).toBe('/bench/results/only');
    expect(readOptions({}, '/bench').resultsMarkdown).toBe('/bench/RESULTS.md');
    expect(() => readOptions({ BENCH_ONLY: 'first-sink' }, '/bench')).toThrow(/first-sink/);
  });
});
