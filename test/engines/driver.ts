/**
 * One small interface over three ways of driving a browser, so a scenario is written once and runs in Chromium
 * (playwright-core over CDP), Firefox (puppeteer-core over WebDriver BiDi) and WebKitGTK (WebKitWebDriver, plain W3C
 * WebDriver over HTTP). Only what the scenarios need, and only what all three can do.
 */

export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EnginePage {
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and returns its (awaited) result. `fn` is sent as source text: it must not use
   * anything from the test's scope, and `arg` and the result must be plain data (JSON).
   */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineBrowser {
  readonly engine: EngineName;
  /** A page (tab) of this browser. Every test uses a new origin (origin.ts), which isolates it. */
  newPage(): Promise<EnginePage>;
  /**
   * Stops the service workers of `page`'s origin, as the browser does to an idle worker; in-memory state is gone and
   * the next event starts the worker again. How depends on the engine (see each driver); `stopped` resolves once the
   * worker is gone (the test origin sees it: `origin.workerStopped`) and rejects at its deadline. Where the only way
   * is to leave the origin (WebKit), `page` is loaded again at its URL and `reloaded` says so: wait for the app again.
   */
  stopServiceWorkers(page: EnginePage, stopped: () => Promise<void>): Promise<{ reloaded: boolean }>;
  /**
   * Fires the module's Background Sync event at the registration whose scope holds `appUrl`, as the browser does when
   * connectivity returns, with no page of the app needed (`page` is any page of this browser: it carries the
   * command). Absent where the engine has no Background Sync (Firefox, WebKit): nothing but a page wakes a worker.
   */
  readonly fireSyncEvent?: (page: EnginePage, appUrl: string) => Promise<void>;
  /** A PNG of what `page` shows, written to `file`: to look at what a person would see. */
  screenshot(page: EnginePage, file: string): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Firefox only: stop idle service workers after this many ms instead of 30 s (Firefox has no command to stop one,
   * so `stopServiceWorkers` waits for the idle worker to be stopped).
   */
  serviceWorkerIdleMs?: number;
}

/**
 * `fn(arg)` as one expression of source text: how every driver sends a page function, so a scenario that works in
 * one engine cannot rely on a driver's own serialisation in another.
 */
export function callExpression<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): string {
  return `(${fn.toString()})(${JSON.stringify(arg) ?? 'undefined'})`;
}

/** What playwright's and puppeteer's pages share, and all the two drivers built on them use. */
export interface ScriptablePage {
  goto(url: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
  reload(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** An `EnginePage` over a playwright or puppeteer page, keeping the page for the driver's own needs. */
export function wrapScriptable<P extends ScriptablePage>(page: P): EnginePage & { readonly page: P } {
  return {
    page,
    async goto(url) {
      await page.goto(url);
    },
    async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
      const result: unknown = await page.evaluate(callExpression(fn, arg));
      // Plain data by the contract of `evaluate`.
      return result as R;
    },
    async reload() {
      await page.reload();
    },
    async close() {
      await page.close().catch(() => undefined);
    },
  };
}

/** A browser for `engine`, or an error whose first line says why it cannot start and how to fix it. */
export async function launchEngine(engine: EngineName, options: LaunchOptions = {}): Promise<EngineBrowser> {
  switch (engine) {
    case 'chromium':
      return (await import('./chromium-driver.js')).launchChromiumEngine();
    case 'firefox':
      return (await import('./firefox-driver.js')).launchFirefoxEngine(options);
    case 'webkit':
      return (await import('./webkit-driver.js')).launchWebKitEngine();
  }
}

/** The engines to run, from `ENGINES=chromium,firefox` (default: all three). An unknown name is an error. */
export function enginesToRun(): EngineName[] {
  const wanted = process.env.ENGINES;
  if (wanted === undefined || wanted.trim() === '') return [...ENGINES];
  return wanted.split(',').map((raw) => {
    const name = raw.trim();
    const engine = ENGINES.find((e) => e === name);
    if (engine === undefined)
      throw new Error(`ENGINES: unknown engine "${name}" (known: ${ENGINES.join(', ')})`);
    return engine;
  });
}
