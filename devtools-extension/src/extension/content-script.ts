/**
 * Isolated-world relay between the page hook and the background (runtime ports). The background opens a port to this
 * tab whenever a panel for it is open; the first port wakes the hook, and the hook is put back to sleep a while after
 * the last one closed (a background restart closes and reopens ports: no need to drop the service-worker link for that).
 *
 * The way to the hook is a private MessageChannel, never window.postMessage: every page script sees what is posted on
 * window and can post there itself, so envelopes read from window could come from anyone. The one window message read
 * here is the hook's offer of its port, and it is taken before any page script can see or imitate it:
 * - both scripts run at document_start (manifest), before any page script; the hook posts its offer at once, so it is
 *   the first offer in the queue, ahead of anything a page script can post;
 * - this listener, added at document_start in the capture phase, runs before any page script's listener; it stops the
 *   event there, so no page script gets the port from `event.ports`, and then it stops listening to window at all.
 * After that, whatever a page script posts "to the panel" reaches nobody. What this cannot prevent: a page script can
 * always talk to its own service worker (and change the data the panel shows, for real), and one that rewrites the
 * main world's built-ins before the hook reaches the service worker could stand in for the worker on that leg; it
 * already holds the origin's data either way. What it prevents is a page script posing as the hook, or as the
 * service worker's answers, to the panel.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  TAB_PORT_NAME,
  isHookPortOffer,
  readToHook,
  readToPanel,
  wrap,
  type ToHook,
  type ToPanel,
} from '../protocol/relay.js';

const SLEEP_AFTER_MS = 10_000;
/** Messages for the hook that came before its port did (a panel already open while the page starts). */
const MAX_EARLY = 100;

const ports = new Set<Runtime.Port>();
let sleepTimer: ReturnType<typeof setTimeout> | null = null;
let hook: MessagePort | null = null;
const early: ToHook[] = [];

function toHook(body: ToHook): void {
  if (hook) hook.postMessage(wrap('to-hook', body));
  else if (early.length < MAX_EARLY) early.push(body);
}

function toPanels(body: ToPanel): void {
  const message = wrap('to-panel', body);
  for (const port of ports) port.postMessage(message);
}

function takeHookPort(event: MessageEvent<unknown>): void {
  if (event.source !== window || !isHookPortOffer(event.data)) return;
  const [port] = event.ports;
  if (port === undefined || event.ports.length !== 1) return;
  event.stopImmediatePropagation();
  window.removeEventListener('message', takeHookPort, true);
  hook = port;
  port.onmessage = (message: MessageEvent<unknown>) => {
    if (ports.size === 0) return;
    const body = readToPanel(message.data);
    // The background speaks for itself about the tab link; a hook claiming to be it is ignored.
    if (body && body.kind !== 'tab-link') toPanels(body);
  };
  for (const body of early.splice(0)) toHook(body);
}

window.addEventListener('message', takeHookPort, true);

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== TAB_PORT_NAME) return;
  ports.add(port);
  if (sleepTimer !== null) clearTimeout(sleepTimer);
  sleepTimer = null;
  port.onMessage.addListener((message: unknown) => {
    const body = readToHook(message);
    if (body) toHook(body);
  });
  port.onDisconnect.addListener(() => {
    ports.delete(port);
    if (ports.size === 0) sleepTimer = setTimeout(() => toHook({ kind: 'deactivate' }), SLEEP_AFTER_MS);
  });
  port.postMessage(wrap('to-panel', { kind: 'tab-link', state: 'up' }));
  toHook({ kind: 'activate' });
});
