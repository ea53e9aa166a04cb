import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

/**
 * Flags checked on these machines (docs: /work/shared/BROWSER-TESTING.md). Without the background-networking ones
 * Chromium keeps calling hosts the closed network refuses.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** `CHROME_PATH`, then Debian's `/usr/bin/chromium`, then `chromium` or `google-chrome` on PATH. */
export function findChromium(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH=${fromEnv} is not an executable file`);
  }
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  const found = onPath('chromium') ?? onPath('google-chrome');
  if (found !== null) return found;
  throw new Error(
    'No Chromium found: install one (`sudo apt-get install chromium`) or set CHROME_PATH to a Chrome/Chromium binary',
  );
}

function launchOptions(extraArgs: readonly string[] = []): LaunchOptions {
  return { executablePath: findChromium(), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] };
}

/** A fresh headless Chromium. Each `newContext()` of it is a clean profile. */
export async function launchBrowser(options: { args?: readonly string[] } = {}): Promise<Browser> {
  return chromium.launch(launchOptions(options.args));
}

export interface PersistentBrowser {
  context: BrowserContext;
  /** The profile directory: pass it to `launchPersistent({ userDataDir })` to reopen the same profile. */
  userDataDir: string;
  /** Closes the browser and removes the profile unless it was given by the caller. */
  close(): Promise<void>;
}

/**
 * A browser with an on-disk profile (IndexedDB, service-worker registrations survive a restart). Pass the
 * `userDataDir` of an earlier launch to reopen that profile: the crash tests kill the first browser and reopen.
 * A profile this call created is deleted by `close()`; one given by the caller is left for the caller to remove.
 */
export async function launchPersistent(
  options: { userDataDir?: string; args?: readonly string[] } = {},
): Promise<PersistentBrowser> {
  const owned = options.userDataDir === undefined;
  const userDataDir = options.userDataDir ?? (await makeProfileDir());
  const context = await chromium.launchPersistentContext(userDataDir, launchOptions(options.args));
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => undefined);
      if (owned) await removeProfileDir(userDataDir);
    },
  };
}

export interface ExtensionBrowser extends PersistentBrowser {
  /** The extension's id, read from the URL of its background service worker. */
  extensionId: string;
}

/** Chromium with an unpacked MV3 extension loaded (needs a persistent context: a plain launch loads none). */
export async function launchWithExtension(
  extensionDir: string,
  options: { args?: readonly string[] } = {},
): Promise<ExtensionBrowser> {
  const dir = path.resolve(extensionDir);
  const browser = await launchPersistent({
    args: [`--disable-extensions-except=${dir}`, `--load-extension=${dir}`, ...(options.args ?? [])],
  });
  try {
    const background =
      browser.context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
      (await browser.context.waitForEvent('serviceworker', {
        predicate: (w) => w.url().startsWith('chrome-extension://'),
        timeout: 10_000,
      }));
    const extensionId = new URL(background.url()).host;
    return { ...browser, extensionId };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

export async function makeProfileDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'offline-kit-profile-'));
}

export async function removeProfileDir(dir: string): Promise<void> {
  // Chromium may still be flushing the profile for a moment after it exits.
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
