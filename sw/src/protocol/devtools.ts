/**
 * The devtools wire protocol, defined once and imported by the service-worker bridge (`sw/src/worker/devtools-bridge.ts`)
 * and by every hop of the extension (`devtools-extension/`).
 *
 *   panel ⇄ background ⇄ content script ⇄ page hook ⇄ service worker (MessagePort)
 *
 * The page hook opens a MessageChannel to `navigator.serviceWorker.controller` by posting a `connect` message with a
 * port; everything after that flows on the port. The other hops only relay envelopes, each checked with the guards
 * below before use: anything arriving from outside is `unknown` until narrowed here.
 */
import { OFFLINE_KIT_METHODS, type ErrorInfo, type OfflineKitEvent, type OfflineKitMethod } from './api.js';

export const DEVTOOLS_SOURCE = 'offline-kit-devtools';
export const DEVTOOLS_PROTOCOL_VERSION = 1;

/** Page hook → service worker, posted with `transfer: [port]`. */
export interface ConnectMessage {
  source: typeof DEVTOOLS_SOURCE;
  v: typeof DEVTOOLS_PROTOCOL_VERSION;
  kind: 'connect';
}

/** Panel → service worker: call one method of `OfflineKitApi`. */
export interface RequestMessage {
  source: typeof DEVTOOLS_SOURCE;
  v: typeof DEVTOOLS_PROTOCOL_VERSION;
  kind: 'request';
  id: number;
  method: OfflineKitMethod;
  params: unknown[];
}

/** Service worker → panel: the bridge's first word on a new port. */
export type HelloMessage =
  | {
      source: typeof DEVTOOLS_SOURCE;
      v: typeof DEVTOOLS_PROTOCOL_VERSION;
      kind: 'hello';
      /** Version of the module, for the panel's header. */
      moduleVersion: string;
      origin: string;
      scope: string;
    }
  | {
      source: typeof DEVTOOLS_SOURCE;
      v: typeof DEVTOOLS_PROTOCOL_VERSION;
      kind: 'disabled';
      /** Why the bridge will not answer, for the panel to show (e.g. "devtools: false in production"). */
      reason: string;
    };

export type ResponseMessage =
  | {
      source: typeof DEVTOOLS_SOURCE;
      v: typeof DEVTOOLS_PROTOCOL_VERSION;
      kind: 'response';
      id: number;
      ok: true;
      result: unknown;
    }
  | {
      source: typeof DEVTOOLS_SOURCE;
      v: typeof DEVTOOLS_PROTOCOL_VERSION;
      kind: 'response';
      id: number;
      ok: false;
      error: ErrorInfo;
    };

export interface EventMessage {
  source: typeof DEVTOOLS_SOURCE;
  v: typeof DEVTOOLS_PROTOCOL_VERSION;
  kind: 'event';
  event: OfflineKitEvent;
}

export type FromServiceWorker = HelloMessage | ResponseMessage | EventMessage;
export type ToServiceWorker = ConnectMessage | RequestMessage;

const METHODS: ReadonlySet<string> = new Set<string>(OFFLINE_KIT_METHODS);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isEnvelope(value: unknown): value is Record<string, unknown> & { kind: unknown } {
  return isObject(value) && value.source === DEVTOOLS_SOURCE && value.v === DEVTOOLS_PROTOCOL_VERSION;
}

export function isOfflineKitMethod(value: unknown): value is OfflineKitMethod {
  return typeof value === 'string' && METHODS.has(value);
}

export function isConnectMessage(value: unknown): value is ConnectMessage {
  return isEnvelope(value) && value.kind === 'connect';
}

export function isRequestMessage(value: unknown): value is RequestMessage {
  return (
    isEnvelope(value) &&
    value.kind === 'request' &&
    typeof value.id === 'number' &&
    Number.isSafeInteger(value.id) &&
    isOfflineKitMethod(value.method) &&
    Array.isArray(value.params)
  );
}

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

export function isFromServiceWorker(value: unknown): value is FromServiceWorker {
  if (!isEnvelope(value)) return false;
  switch (value.kind) {
    case 'hello':
      return (
        typeof value.moduleVersion === 'string' &&
        typeof value.origin === 'string' &&
        typeof value.scope === 'string'
      );
    case 'disabled':
      return typeof value.reason === 'string';
    case 'response':
      return (
        typeof value.id === 'number' &&
        (value.ok === true || (value.ok === false && isErrorInfo(value.error)))
      );
    case 'event':
      return isObject(value.event) && typeof value.event.type === 'string';
    default:
      return false;
  }
}

export function envelope<T extends { kind: string }>(
  body: T,
): T & { source: typeof DEVTOOLS_SOURCE; v: typeof DEVTOOLS_PROTOCOL_VERSION } {
  return { source: DEVTOOLS_SOURCE, v: DEVTOOLS_PROTOCOL_VERSION, ...body };
}
