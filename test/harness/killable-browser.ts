import { spawn } from 'node:child_process';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, makeProfileDir, removeProfileDir } from './chromium.js';

export interface KillableBrowser {
  browser: Browser;
  /** The profile's default context: pages, service workers and IndexedDB live here. */
  context: BrowserContext;
  userDataDir: string;
  pid: number;
  /** SIGKILL the whole browser (process group): no shutdown, no flush. What a crash or a dead battery does. */
  kill(): Promise<void>;
  /** Orderly close; removes the profile only if this launch created it. */
  close(): Promise<void>;
}

/**
 * Chromium started by us (not by Playwright) on an on-disk profile and driven over CDP, so a test knows its pid and
 * can kill it with SIGKILL, then reopen the same profile with `launchKillable({ userDataDir })`. Playwright's own
 * persistent launch hides the process.
 */
export async function launchKillable(options: { userDataDir?: string } = {}): Promise<KillableBrowser> {
  const owned = options.userDataDir === undefined;
  const userDataDir = options.userDataDir ?? (await makeProfileDir());
  const child = spawn(
    findChromium(),
    [
      ...CHROMIUM_ARGS,
      '--headless',
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-port=0',
      '--remote-debugging-address=127.0.0.1',
      'about:blank',
    ],
    // Its own process group, so kill() takes the renderers and the service-worker processes with it.
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('Chromium did not start');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const wsEndpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`Chromium printed no DevTools endpoint: ${seen}`)),
      15_000,
    );
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      seen += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${String(code)} before it listened: ${seen}`));
    });
  });
  // Keep draining stderr so a chatty browser never blocks on a full pipe.
  child.stderr.resume();

  const browser = await chromium.connectOverCDP(wsEndpoint);
  const context = browser.contexts()[0];
  if (context === undefined) throw new Error('Chromium over CDP has no default context');

  const killGroup = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
    await exited;
  };

  return {
    browser,
    context,
    userDataDir,
    pid,
    async kill() {
      await killGroup('SIGKILL');
      await browser.close().catch(() => undefined);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await killGroup('SIGTERM');
      if (owned) await removeProfileDir(userDataDir);
    },
  };
}
