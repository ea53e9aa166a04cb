/**
 * Isolated-world relay between the page hook (window.postMessage) and the background (runtime ports). The background
 * opens a port to this tab whenever a panel for it is open; the first port wakes the hook, and the hook is put back
 * to sleep a while after the last one closed (a background restart closes and reopens ports: no need to drop the
 * service-worker link for that).
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  TAB_PORT_NAME,
  readToHook,
  readToPanel,
  wrap,
  type ToHook,
  type ToPanel,
} from '../protocol/relay.js';

const SLEEP_AFTER_MS = 10_000;

const ports = new Set<Runtime.Port>();
let sleepTimer: ReturnType<typeof setTimeout> | null = null;

function toHook(body: ToHook): void {
  window.postMessage(wrap('to-hook', body), window.location.origin);
}

function toPanels(body: ToPanel): void {
  const message = wrap('to-panel', body);
  for (const port of ports) port.postMessage(message);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== window || event.origin !== window.location.origin || ports.size === 0) return;
  const body = readToPanel(event.data);
  // The background speaks for itself about the tab link; a page claiming to be it is ignored.
  if (body && body.kind !== 'tab-link') toPanels(body);
});

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
