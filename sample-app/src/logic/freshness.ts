/** "Updated 3 minutes ago" and the stale banner's rule. Times are epoch ms; `now` is injected for tests. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Data older than this gets the stale banner: a technician should not quote a day-old schedule. */
export const STALE_AFTER_MS = 30 * MINUTE;

export function relativeTime(then: number, now: number): string {
  const age = Math.max(0, now - then);
  if (age < MINUTE) return 'just now';
  if (age < HOUR) return plural(Math.floor(age / MINUTE), 'minute');
  if (age < DAY) return plural(Math.floor(age / HOUR), 'hour');
  if (age < 2 * DAY) return 'yesterday';
  return `${Math.floor(age / DAY)} days ago`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

export function freshnessText(lastSyncAt: number | null, now: number): string {
  if (lastSyncAt === null) return 'Not downloaded yet';
  return `Updated ${relativeTime(lastSyncAt, now)}`;
}

export function isStale(lastSyncAt: number | null, now: number, staleAfterMs = STALE_AFTER_MS): boolean {
  return lastSyncAt !== null && now - lastSyncAt > staleAfterMs;
}
