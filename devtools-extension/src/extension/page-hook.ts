/**
 * Runs in the inspected page's main world (the only world that can reach `navigator.serviceWorker.controller`).
 * Dormant until the content script says a panel is open; then it keeps one `SwLink` to the service worker and relays
 * envelopes to and from the content script with window.postMessage, checking each one.
 */
import { performMock } from '../link/mock-fetch.js';
import { SwLink } from '../link/sw-link.js';
import { readToHook, wrap, type ToPanel } from '../protocol/relay.js';

declare global {
  interface Window {
    __offlineKitDevtoolsHook?: true;
  }
}

function post(body: ToPanel): void {
  window.postMessage(wrap('to-panel', body), window.location.origin);
}

function install(): void {
  // The hook may be injected twice (manifest plus a later programmatic injection): one link per page is enough.
  if (window.__offlineKitDevtoolsHook) return;
  window.__offlineKitDevtoolsHook = true;

  const link = new SwLink({
    container: window.isSecureContext && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    onMessage: (message) => post({ kind: 'sw', message }),
    onState: (hook) => post({ kind: 'hook-state', hook }),
  });

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source !== window || event.origin !== window.location.origin) return;
    const body = readToHook(event.data);
    if (!body) return;
    switch (body.kind) {
      case 'activate':
        link.start();
        return;
      case 'deactivate':
        link.stop();
        return;
      case 'sw':
        link.send(body.message);
        return;
      case 'mock':
        performMock(body.request, window.location.origin).then(
          (response) => post({ kind: 'mock', id: body.id, ok: true, response }),
          (error: unknown) =>
            post({
              kind: 'mock',
              id: body.id,
              ok: false,
              message: error instanceof Error ? error.message : String(error),
            }),
        );
        return;
    }
  });
}

install();
