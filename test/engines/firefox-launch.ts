/**
 * Finding and launching Firefox ESR, apart from the cross-engine driver: the benchmark's Firefox pass imports this file,
 * and its node-only project must not type-check the drivers' page code (the driver module imports every engine's).
 */
import puppeteer, { type Browser } from 'puppeteer-core';
import { findBinary } from './find-binary.js';

/** What a launch needs of the cross-engine suite's `LaunchOptions`. */
export interface FirefoxLaunchOptions {
  /** Firefox stops an idle service worker after this long (ms); its default is 30 s. */
  serviceWorkerIdleMs?: number;
}

export function findFirefox(): string {
  return findBinary(
    'Firefox',
    'FIREFOX_PATH',
    ['/usr/bin/firefox-esr', 'firefox-esr', 'firefox'],
    '`sudo apt-get install firefox-esr`',
  );
}

/**
 * Headless Firefox ESR as puppeteer launches it, with the service-worker idle timeout of `options` and any other
 * `prefs` (the benchmark turns off the 1 ms rounding of `performance.now()`). The one launch of the cross-engine
 * suite and the benchmark's Firefox pass.
 */
export function launchFirefox(
  options: FirefoxLaunchOptions = {},
  prefs: Record<string, string | number | boolean> = {},
): Promise<Browser> {
  const idleMs = options.serviceWorkerIdleMs;
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    extraPrefsFirefox: {
      ...prefs,
      ...(idleMs === undefined
        ? {}
        : { 'dom.serviceWorkers.idle_timeout': idleMs, 'dom.serviceWorkers.idle_extended_timeout': idleMs }),
    },
  });
}
