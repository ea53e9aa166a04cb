/**
 * Runs in the inspected page's main world (the only world that can reach `navigator.serviceWorker.controller`).
 * Dormant until the content script says a panel is open; then it keeps one `SwLink` to the service worker and relays
 * to and from the content script, checking each message.
 *
 * Its only way to the content script is a private MessageChannel made here at document_start, before any page script
 * runs: one port is offered to the content script with a single window message, which the content script takes and
 * hides from every page listener (see content-script.ts). The hook reads nothing from window, so a page script cannot
 * pose as the panel to it either.
 */
import { SwLink } from '../link/sw-link.js';
import { performMock } from '../link/mock-fetch.js';
import { hookPortOffer, readToHook, wrap, type ToPanel } from '../protocol/relay.js';

declare global {
  interface Window {
    __offlineKitDevtoolsHook?: true;
  }
}

function install(): void {
  // The hook may be injected twice (manifest plus a later programmatic injection): one link per page is enough.
  if (window.__offlineKitDevtoolsHook) return;
  window.__offlineKitDevtoolsHook = true;

  // Taken now, before any page script can replace them. The main world's built-ins are the page's: a script that later
  // rewrote `MessagePort.prototype.postMessage` or MessageEvent's `data` getter would be handed the hook's port (as
  // `this` or `event.target`) and could then speak on it as the hook.
  // They are unbound on purpose: each is only ever called through `apply`, with the hook's own port or event as `this`.
  const apply = Reflect.apply;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const postOnPort: (this: MessagePort, message: unknown) => void = MessagePort.prototype.postMessage;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const dataOf = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')?.get;
  if (dataOf === undefined) return;

  const channel = new MessageChannel();
  const port = channel.port1;
  const post = (body: ToPanel): void => {
    apply(postOnPort, port, [wrap('to-panel', body)]);
  };

  const link = new SwLink({
    container: window.isSecureContext && 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    onAnswer: (answer) => post({ kind: 'answer', answer }),
    onEvent: (event) => post({ kind: 'event', event }),
    onState: (hook) => post({ kind: 'hook-state', hook }),
  });

  port.onmessage = (event: MessageEvent<unknown>) => {
    const body = readToHook(apply(dataOf, event, []));
    if (!body) return;
    switch (body.kind) {
      case 'activate':
        link.start();
        return;
      case 'deactivate':
        link.stop();
        return;
      case 'call':
        link.send(body.call);
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
  };
  // '/': this window's own origin, whatever it is (an opaque origin has no name to give).
  window.postMessage(hookPortOffer(), '/', [channel.port2]);
}

install();
