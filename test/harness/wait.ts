import { describe } from './guards.js';

export interface WaitOptions {
  /** Give up after this many ms. Default 10000. */
  timeout?: number;
  /** Poll every this many ms. Default 50. */
  interval?: number;
  /** Said in the error when it times out. */
  message?: string;
}

/**
 * Polls `predicate` until it returns something other than `undefined`, `null` or `false`, and returns that.
 * The only way tests wait: a fixed sleep says nothing about what happened, this says what was expected.
 * Errors thrown by the predicate count as "not yet" (the page may be navigating, the worker restarting); the last
 * one is reported on timeout.
 */
export async function waitFor<T>(
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeout ?? 10_000;
  const interval = options.interval ?? 50;
  const deadline = Date.now() + timeout;
  let last: unknown = undefined;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why =
        lastError instanceof Error ? `last error: ${lastError.message}` : `last value: ${describe(last)}`;
      throw new Error(
        `waitFor timed out after ${timeout} ms${options.message ? ` (${options.message})` : ''}; ${why}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
