import browser from 'webextension-polyfill';

// The DevTools page lives as long as DevTools is open for the tab; its only job is to add the panel.
browser.devtools.panels.create('Offline Kit', 'icons/icon-32.png', 'panel.html').catch((error: unknown) => {
  console.error('Offline Kit: could not create the DevTools panel', error);
});
