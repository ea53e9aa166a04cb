/**
 * The Firefox pass: the engine-neutral page-side steps (online GET, offline read, offline enqueue one after another
 * and its replay) in Firefox ESR, ours against the Workbox recipe in the same Firefox. Launched with the cross-engine
 * suite's code (test/engines/firefox-driver.ts: puppeteer-core over WebDriver BiDi). Firefox differs in three ways the
 * measurements must follow (bench/README.md, "The Firefox pass"):
 * - no driver can emulate offline, so "offline" is the API made unreachable server-side (server-mock's fault);
 * - no Background Sync: the Workbox recipe replays only when its worker starts (`workerStartReplayWait`);
 * - no command stops a worker: Firefox stops an idle one after `dom.serviceWorkers.idle_timeout`, set short here.
 */
import type { Browser } from 'puppeteer-core';
import { launchFirefox } from '../../../test/engines/firefox-launch.js';
import type { BenchMethod } from '../shared/page-api.js';
import { prepareSession, type BenchSession, type OpenSession } from './browser.js';
import {
  measureOfflineRead,
  measureOnlineGet,
  measureSequential,
  passOf,
  workerStartReplayWait,
  type BenchContext,
} from './measurements.js';

/** How long after the worker's idle timeout the runner waits before the page's next request, for the stop to happen. */
const STOP_MARGIN_MS = 5000;

/** The first line of why Firefox could not start, for the run's one-line notice. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}

/** A failed load of an API URL, which Firefox reports as a page error (the Workbox recipe's writes, offline). */
export function isExpectedLoadFailure(message: string): boolean {
  return /^Failed to load ‘[^’]*\/api\//.test(message);
}

function firefoxSessions(browser: Browser, ctx: BenchContext): OpenSession {
  return async (variant, options = {}) => {
    // A fresh browser context (a WebDriver BiDi user context) per session: its own storage, no worker.
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        const message = error instanceof Error ? error.message : String(error);
        // Firefox reports each failed load of the page as an error too: offline, the Workbox recipe's writes all
        // fail by design. Anything else is printed.
        if (!isExpectedLoadFailure(message)) console.error(`[firefox ${variant} page] ${message}`);
      });
      await page.goto(`${ctx.baseUrl}/index.html`);
      await page.waitForFunction(() => '__bench' in globalThis);
      const call = (method: BenchMethod, ...args: unknown[]): Promise<unknown> =>
        page.evaluate(
          async (name: string, list: unknown[]) => {
            const bench = (
              globalThis as unknown as { __bench?: Record<string, (...a: unknown[]) => unknown> }
            ).__bench;
            const fn = bench?.[name];
            if (fn === undefined) throw new Error(`the bench page has no ${name}`);
            return await fn(...list);
          },
          method,
          args,
        );
      await prepareSession(call, variant, options);
      const session: BenchSession = {
        variant,
        call,
        goOffline: () => ctx.mock.unreachable(true),
        async reconnect() {
          // No event tells the page: its clock starts just before the server is reachable again.
          await call('startReplayClock');
          await ctx.mock.unreachable(false);
        },
        async close() {
          // Whatever happened, the next session starts with the API reachable.
          await ctx.mock.unreachable(false);
          await context.close();
        },
      };
      return session;
    } catch (error) {
      await context.close();
      throw error;
    }
  };
}

/**
 * Runs the Firefox pass and answers Firefox's version; if Firefox cannot start, says so in one line (and in the
 * report's notes) and answers null, so a run without Firefox still writes its Chromium rows.
 */
export async function firefoxPass(ctx: BenchContext): Promise<string | null> {
  const ff = ctx.options.firefox;
  let browser: Browser;
  try {
    browser = await launchFirefox(
      { serviceWorkerIdleMs: ff.workerIdleMs },
      // Firefox rounds performance.now() to 1 ms by default, coarse beside per-request figures of a few ms.
      { 'privacy.reduceTimerPrecision': false },
    );
  } catch (error) {
    const line = `Firefox pass skipped: Firefox did not start (${firstLine(error)})`;
    console.error(`bench: ${line}`);
    ctx.recorder.notes.push(line);
    return null;
  }
  try {
    const version = await browser.version();
    ctx.log(`Firefox pass: ${version}`);
    const pass = passOf(firefoxSessions(browser, ctx), 'firefox', ff.reps);
    await measureOnlineGet(ctx, pass, 'firefox-get-p50');
    await measureOfflineRead(ctx, pass, ['workbox', 'ours'], {
      p50: 'firefox-offline-read-p50',
      missing: 'firefox-offline-read-missing',
    });
    await measureSequential(
      ctx,
      { ...pass, reps: 1 },
      ['workbox', 'ours'],
      { p50: 'firefox-enqueue-seq-p50', total: 'firefox-enqueue-seq-total', replay: 'firefox-replay-0' },
      {
        writes: ff.writes,
        timeoutMs: ff.inUseMs,
        awaitReplay: workerStartReplayWait(ctx, {
          inUseMs: ff.inUseMs,
          idleMs: ff.workerIdleMs + STOP_MARGIN_MS,
          restartCapMs: 20_000,
        }),
      },
    );
    return version;
  } finally {
    await browser.close();
  }
}
