/** Exponential back-off with jitter, and the `Retry-After` header. */
import type { ResolvedConfig } from '../config.js';

/** Delay before attempt `attempt + 1` after `attempt` (≥ 1) transient failures, ms. */
export function backoffDelay(attempt: number, retry: ResolvedConfig['retry'], random: () => number): number {
  const exp = retry.initialDelayMs * Math.pow(retry.factor, Math.max(0, attempt - 1));
  const capped = Math.min(retry.maxDelayMs, exp);
  // Jitter takes away up to `jitter` of the delay, so clients that failed together do not return together.
  return Math.max(0, Math.round(capped * (1 - retry.jitter * random())));
}

/** `Retry-After` as ms from now (seconds or an HTTP date), null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
