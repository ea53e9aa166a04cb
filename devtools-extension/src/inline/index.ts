/**
 * `@offline-kit/devtools-extension/inline`: the devtools panel as an overlay inside the page, for browsers without
 * extensions (mobile) and for demos. It speaks the same devtools protocol to the service worker, directly.
 *
 *   import { mountInlinePanel } from '@offline-kit/devtools-extension/inline';
 *   const panel = mountInlinePanel();   // later: panel.close()
 */
import type { PanelClient } from '../ui/client.js';
import { mount, type Theme } from '../ui/mount.js';
import { InlineClient } from './inline-client.js';
import { makeResizable } from './resize.js';

export interface InlinePanelOptions {
  /** Element to render into instead of the floating overlay (it is then not removed on close). */
  container?: HTMLElement;
  /** Default `auto`: follows prefers-color-scheme. */
  theme?: Theme;
  /** Called after the person closed the overlay (its close button or `close()`). */
  onClose?: () => void;
  /** Another client (tests, a custom transport). Default: a MessageChannel to this page's service worker. */
  client?: PanelClient;
}

export interface InlinePanel {
  close(): void;
  setTheme(theme: Theme): void;
}

export type { PanelClient, Theme };

const OVERLAY_STYLE = [
  'position:fixed',
  'z-index:2147483646',
  'left:0',
  'right:0',
  'bottom:0',
  // The border is inside the height, so a panel as tall as the viewport fits it exactly.
  'box-sizing:border-box',
  'border-top:1px solid #888',
  'box-shadow:0 -4px 16px rgba(0,0,0,.25)',
  'background:Canvas',
].join(';');

export function mountInlinePanel(options: InlinePanelOptions = {}): InlinePanel {
  const ownClient = options.client ? null : new InlineClient();
  const client = options.client ?? (ownClient as InlineClient);
  let host: HTMLElement;
  let target: Element;
  let stopResizing: () => void = () => undefined;
  if (options.container) {
    host = options.container;
    target = host;
  } else {
    host = document.createElement('div');
    host.setAttribute('data-offline-kit-inline', '');
    host.setAttribute('style', OVERLAY_STYLE);
    // A shadow root keeps the app's CSS out of the panel and the panel's out of the app.
    const shadow = host.attachShadow({ mode: 'open' });
    const inner = document.createElement('div');
    inner.style.height = '100%';
    shadow.append(inner);
    // Its top edge resizes it (drag or arrow keys); the height is remembered for the next load.
    stopResizing = makeResizable(host, shadow, inner);
    target = inner;
    document.body.append(host);
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    view.unmount();
    stopResizing();
    ownClient?.close();
    if (!options.container) host.remove();
    options.onClose?.();
  };
  const view = mount(target, client, { theme: options.theme ?? 'auto', onClose: close });
  return { close, setTheme: (theme) => view.setTheme(theme) };
}
