/**
 * MV3 background: pairs each panel with its inspected tab. It keeps nothing worth saving: when the browser stops this
 * worker, every port closes, the panel reconnects (which starts the worker again) and a new tab link is made, so the
 * only state is the live ports below.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { PANEL_PORT_PREFIX, TAB_PORT_NAME, readToHook, readToPanel, wrap } from '../protocol/relay.js';

/** Back-off between attempts to reach a tab's content script (page loading, navigating, or none there). */
const RETRY_MS = [100, 200, 400, 800, 1500];
/** After this many failed attempts the panel is told there is no content script (yet) in the tab. */
const REPORT_AFTER = 4;

function isOwnExtensionPage(port: Runtime.Port): boolean {
  const url = port.sender?.url;
  return port.sender?.tab === undefined || (url !== undefined && url.startsWith(browser.runtime.getURL('')));
}

function linkPanel(panel: Runtime.Port, tabId: number): void {
  let tab: Runtime.Port | null = null;
  let attempts = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const connectTab = (): void => {
    if (closed) return;
    const port = browser.tabs.connect(tabId, { name: TAB_PORT_NAME, frameId: 0 });
    tab = port;
    port.onMessage.addListener((message: unknown) => {
      const body = readToPanel(message);
      if (!body) return;
      if (body.kind === 'tab-link') attempts = 0;
      panel.postMessage(wrap('to-panel', body));
    });
    port.onDisconnect.addListener(() => {
      if (tab !== port || closed) return;
      tab = null;
      attempts += 1;
      panel.postMessage(
        wrap('to-panel', {
          kind: 'tab-link',
          state: attempts >= REPORT_AFTER ? 'no-content-script' : 'retrying',
        }),
      );
      scheduleConnect();
    });
  };

  const scheduleConnect = (): void => {
    if (retryTimer !== null || closed) return;
    const delay = RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)] ?? 1500;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connectTab();
    }, delay);
  };

  panel.onMessage.addListener((message: unknown) => {
    const body = readToHook(message);
    if (body) tab?.postMessage(wrap('to-hook', body));
  });
  panel.onDisconnect.addListener(() => {
    closed = true;
    if (retryTimer !== null) clearTimeout(retryTimer);
    tab?.disconnect();
    tab = null;
  });
  connectTab();
}

browser.runtime.onConnect.addListener((port) => {
  if (!port.name.startsWith(PANEL_PORT_PREFIX) || !isOwnExtensionPage(port)) return;
  const tabId = Number(port.name.slice(PANEL_PORT_PREFIX.length));
  if (!Number.isSafeInteger(tabId) || tabId < 0) {
    port.disconnect();
    return;
  }
  linkPanel(port, tabId);
});
