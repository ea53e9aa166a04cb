/** Names shared by the page client and the service worker for the few messages outside comlink. */

/** Page → worker, with a MessagePort: serve one `OfflineKitApi` call over comlink on that port. */
export const CONNECT_TYPE = 'offline-kit-connect';

/** Page → worker: `{ type, reason: 'online' | 'resume' | 'heartbeat' }`, a hint that a sync may be due. */
export const NUDGE_TYPE = 'offline-kit-nudge';

export type NudgeReason = 'online' | 'resume' | 'heartbeat';

/** The Background Sync tag the worker registers. */
export const SYNC_TAG = 'offline-kit-sync';
