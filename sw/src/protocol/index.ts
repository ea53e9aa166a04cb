/**
 * `@offline-kit/sw/protocol`: the ground floor every part of Offline Kit builds on, importing nothing. The wire
 * protocol (shapes, headers, guards), the page/devtools API (methods, views, events, errors) and the configuration
 * types. The service worker, the page client, server-mock and the devtools extension all take these from here.
 */
export * from './wire.js';
export * from './wire-guards.js';
export * from './api.js';
export * from './config.js';
export * from './devtools.js';
export * from './errors.js';
export * from './messages.js';
