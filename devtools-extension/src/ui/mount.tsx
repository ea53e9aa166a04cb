/**
 * `mount(container, client)`: the whole panel UI in any element. The DevTools panel, a tab, the inline overlay and
 * the unit tests all call this; the UI never knows which.
 */
import { render } from 'preact';
import { App, type ViewId } from './App.js';
import type { PanelClient } from './client.js';
import { PANEL_CSS } from './styles.js';

/** `auto` follows the system (prefers-color-scheme); DevTools passes its own theme. */
export type Theme = 'light' | 'dark' | 'auto';

export interface MountOptions {
  theme?: Theme;
  /** Shows a close button that calls this (the inline overlay). */
  onClose?: () => void;
  initialView?: ViewId;
}

export interface MountedPanel {
  setTheme(theme: Theme): void;
  unmount(): void;
}

export function mount(container: Element, client: PanelClient, options: MountOptions = {}): MountedPanel {
  const doc = container.ownerDocument;
  const style = doc.createElement('style');
  style.textContent = PANEL_CSS;
  const root = doc.createElement('div');
  root.className = 'okp-root';
  root.dataset.theme = options.theme ?? 'auto';
  root.dataset.testid = 'okp-root';
  container.append(style, root);
  render(<App client={client} onClose={options.onClose} initialView={options.initialView} />, root);
  return {
    setTheme(theme) {
      root.dataset.theme = theme;
    },
    unmount() {
      render(null, root);
      root.remove();
      style.remove();
    },
  };
}
