import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isObject, isString } from '../harness/guards.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';
import { callExpression, type EngineBrowser, type EnginePage } from './driver.js';
import { findBinary } from './find-binary.js';

const MINIBROWSER_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser',
];
const INSTALL = '`sudo apt-get install webkit2gtk-driver xvfb`';

/** Longest a single WebDriver command (a script, a page load) may take. */
const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Xvfb on the first free display: `-displayfd` makes Xvfb pick one and write its number, so parallel runs (other
 * engineers' tests, a second suite) never fight over a display.
 */
async function startXvfb(): Promise<{ display: string; proc: ChildProcess }> {
  const xvfb = findBinary('Xvfb', 'XVFB_PATH', ['Xvfb'], INSTALL);
  const proc = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const fd3 = proc.stdio[3] as Readable | null;
  if (fd3 === null) throw new Error('Xvfb: no display pipe');
  let text = '';
  fd3.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const display = await waitFor(
    () => {
      if (proc.exitCode !== null) throw new Error(`Xvfb exited with ${proc.exitCode}: ${errors.trim()}`);
      const match = /^(\d+)\n/.exec(text);
      return match?.[1];
    },
    { timeout: 10_000, message: 'Xvfb to report its display' },
  );
  return { display: `:${display}`, proc };
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

class WebDriverError extends Error {}

/** One W3C WebDriver command; the `value` of the answer, or an error with the driver's own message. */
async function command(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS + 5_000),
  });
  const answer: unknown = await response.json();
  const value = isObject(answer) ? answer.value : undefined;
  if (!response.ok) {
    const why = isObject(value) && isString(value.message) ? value.message : JSON.stringify(answer);
    const code = isObject(value) && isString(value.error) ? value.error : String(response.status);
    throw new WebDriverError(`WebKitWebDriver ${method} ${path}: ${code}: ${why}`);
  }
  return value;
}

/**
 * The page side of `evaluate`: W3C "execute async script" with the function as source. Errors come back as data, so
 * the test sees the page's own message rather than a driver's generic "javascript error".
 */
const ASYNC_WRAPPER = `
const done = arguments[arguments.length - 1];
Promise.resolve()
  .then(() => CALL)
  .then(
    (value) => done({ ok: true, value: value === undefined ? null : value }),
    (error) => done({ ok: false, message: String(error && error.stack ? error.message + '\\n' + error.stack : error) }),
  );
`;

interface WebKitPage extends EnginePage {
  readonly sessionId: string;
}

/**
 * WebKitGTK's MiniBrowser (Safari's engine) through `WebKitWebDriver` under Xvfb (MiniBrowser has no headless mode),
 * with plain W3C WebDriver calls. One session, one window: `newPage()` gives that window (each test uses its own
 * origin, see origin.ts). No Background Sync and no `navigator.storage`.
 */
export async function launchWebKitEngine(): Promise<EngineBrowser> {
  const driverBinary = findBinary('WebKitWebDriver', 'WEBKIT_WEBDRIVER_PATH', ['WebKitWebDriver'], INSTALL);
  const miniBrowser = findBinary(
    'WebKitGTK MiniBrowser',
    'WEBKIT_MINIBROWSER_PATH',
    MINIBROWSER_CANDIDATES,
    INSTALL,
  );
  const xvfb = await startXvfb();
  let driver: ChildProcess | null = null;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let output = '';
    const proc = spawn(driverBinary, [`--port=${port}`], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    driver = proc;
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitFor(
      async () => {
        if (proc.exitCode !== null)
          throw new Error(`WebKitWebDriver exited with ${proc.exitCode}: ${output.trim()}`);
        const status = await command(base, 'GET', '/status');
        return isObject(status) && status.ready === true;
      },
      { timeout: 10_000, message: 'WebKitWebDriver to be ready' },
    );
    const session = await command(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: { 'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] } },
      },
    });
    if (!isObject(session) || !isString(session.sessionId)) {
      throw new Error(`WebKitWebDriver gave no session: ${JSON.stringify(session)}`);
    }
    const sessionPath = `/session/${session.sessionId}`;
    await command(base, 'POST', `${sessionPath}/timeouts`, {
      script: COMMAND_TIMEOUT_MS,
      pageLoad: COMMAND_TIMEOUT_MS,
    });
    const page: WebKitPage = {
      sessionId: session.sessionId,
      async goto(url) {
        await command(base, 'POST', `${sessionPath}/url`, { url });
      },
      async evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
        const script = ASYNC_WRAPPER.replace('CALL', () => callExpression(fn, arg));
        const result = await command(base, 'POST', `${sessionPath}/execute/async`, { script, args: [] });
        if (!isObject(result) || typeof result.ok !== 'boolean') {
          throw new Error(`WebKit evaluate: unexpected answer ${JSON.stringify(result)}`);
        }
        if (!result.ok) throw new Error(`in the page: ${String(result.message)}`);
        // The page returned JSON-able data by the contract of `evaluate`; undefined travels as null.
        return result.value as R;
      },
      async reload() {
        await command(base, 'POST', `${sessionPath}/refresh`, {});
      },
      async close() {
        await command(base, 'POST', `${sessionPath}/url`, { url: 'about:blank' }).catch(() => undefined);
      },
    };
    return {
      engine: 'webkit',
      newPage() {
        return Promise.resolve(page);
      },
      async stopServiceWorkers(left, stopped) {
        // No WebDriver command stops a worker, but WebKit terminates one that has had no client for a while (between
        // 5 and 12 s, measured on WebKitGTK 2.50): leave the origin until the worker is gone, come back. No page of
        // the origin may look meanwhile (it would be a client): the test origin sees the worker's connection close;
        // the caller proves the restart (a new boot id).
        const url = await left.evaluate(() => location.href, null);
        await left.goto('about:blank');
        await stopped();
        if (url !== 'about:blank') {
          // Under a loaded CI machine (three lanes) MiniBrowser once missed the 30 s page-load timeout of this way
          // back while the worker was starting; the same navigation asked again loaded. A second timeout fails.
          await left.goto(url).catch(async (error: unknown) => {
            if (!(error instanceof WebDriverError) || !error.message.includes('timeout')) throw error;
            await left.goto(url);
          });
        }
        return { reloaded: true };
      },
      async screenshot(shown, file) {
        // WebKitGTK's snapshot is the last frame painted, which can lag the DOM by seconds under Xvfb: wait for two
        // animation frames first (measured: the panel showed "connecting…" long after it had connected).
        await shown.evaluate(
          () =>
            new Promise<boolean>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))),
          null,
        );
        const png = await command(base, 'GET', `${sessionPath}/screenshot`);
        if (!isString(png)) throw new Error('WebKitWebDriver gave no screenshot');
        await writeFile(file, Buffer.from(png, 'base64'));
      },
      async close() {
        await command(base, 'DELETE', sessionPath).catch(() => undefined);
        if (driver !== null) await stopProcess(driver);
        await stopProcess(xvfb.proc);
      },
    };
  } catch (error) {
    if (driver !== null) await stopProcess(driver);
    await stopProcess(xvfb.proc);
    throw error;
  }
}
