import { describe, expect, it } from 'vitest';
import { freshnessText, isStale, relativeTime } from '../src/logic/freshness.js';

const now = Date.parse('2026-11-25T12:00:00Z');
const ago = (ms: number): number => now - ms;

describe('freshness', () => {
  it('says how long ago in words', () => {
    expect(relativeTime(ago(10_000), now)).toBe('just now');
    expect(relativeTime(ago(60_000), now)).toBe('1 minute ago');
    expect(relativeTime(ago(3 * 60_000 + 59_000), now)).toBe('3 minutes ago');
    expect(relativeTime(ago(2 * 3_600_000), now)).toBe('2 hours ago');
    expect(relativeTime(ago(30 * 3_600_000), now)).toBe('yesterday');
    expect(relativeTime(ago(5 * 86_400_000), now)).toBe('5 days ago');
    expect(relativeTime(now + 5_000, now)).toBe('just now');
  });

  it('prefixes Updated, and says when nothing was downloaded', () => {
    expect(freshnessText(ago(3 * 60_000), now)).toBe('Updated 3 minutes ago');
    expect(freshnessText(null, now)).toBe('Not downloaded yet');
  });

  it('marks data older than 30 minutes as stale, never data that was never downloaded', () => {
    expect(isStale(ago(29 * 60_000), now)).toBe(false);
    expect(isStale(ago(31 * 60_000), now)).toBe(true);
    expect(isStale(null, now)).toBe(false);
  });
});
