/**
 * Entry of panel.html. Inside DevTools it inspects `inspectedWindow.tabId` and follows DevTools' theme; opened in a
 * tab as `panel.html?tab=<id>` (tests, or a detached window) it inspects that tab and follows the system theme.
 */
import browser from 'webextension-polyfill';
import { mount, type Theme } from '../ui/mount.js';
import { ExtensionClient } from './extension-client.js';

function inspectedTabId(): number | null {
  const fromDevtools = (browser.devtools as typeof browser.devtools | undefined)?.inspectedWindow.tabId;
  if (typeof fromDevtools === 'number') return fromDevtools;
  const raw = new URLSearchParams(window.location.search).get('tab');
  // Without `?tab=` there is no tab to inspect (Number(null) would read as tab 0).
  const param = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isSafeInteger(param) && param >= 0 ? param : null;
}

function devtoolsTheme(): Theme {
  const name = (browser.devtools as typeof browser.devtools | undefined)?.panels.themeName;
  if (name === 'dark') return 'dark';
  if (name === undefined) return 'auto';
  return 'light';
}

interface ChromeThemePanels {
  setThemeChangeHandler?: (handler: (themeName: string) => void) => void;
}

const root = document.getElementById('root');
const tabId = inspectedTabId();
if (root) {
  if (tabId === null) {
    root.textContent =
      'Offline Kit: no inspected tab. Open this panel from DevTools, or as panel.html?tab=<tab id>.';
  } else {
    const client = new ExtensionClient(tabId);
    const view = mount(root, client, { theme: devtoolsTheme() });
    const follow = (name: string): void => view.setTheme(name === 'dark' ? 'dark' : 'light');
    // Chrome reports theme changes through its own setter; Firefox through the standard event.
    const chromePanels = (globalThis as { chrome?: { devtools?: { panels?: ChromeThemePanels } } }).chrome
      ?.devtools?.panels;
    if (typeof chromePanels?.setThemeChangeHandler === 'function') chromePanels.setThemeChangeHandler(follow);
    else
      (browser.devtools as typeof browser.devtools | undefined)?.panels.onThemeChanged?.addListener(follow);
    window.addEventListener('pagehide', () => {
      view.unmount();
      client.close();
    });
  }
}
