/**
 * The extension's own hop messages, wrapped around the service-worker protocol of `@offline-kit/sw/devtools-protocol`:
 *
 *   panel ──port──▶ background ──port──▶ content script ──postMessage──▶ page hook ──MessagePort──▶ service worker
 *         ◀──────────            ◀──────────                ◀───────────────           ◀──────────
 *
 * `ToHook` travels from the panel towards the page hook, `ToPanel` back. The sw envelopes ride inside untouched and
 * are checked again with the sw guards where they are used. Only the page hook talks to the service worker.
 */
import {
  isFromServiceWorker,
  isRequestMessage,
  type FromServiceWorker,
  type RequestMessage,
} from '@offline-kit/sw/devtools-protocol';
import { isObject, literal, num, optional, shape, str, unknownValue, type Guard } from './guard.js';

export const RELAY_SOURCE = 'offline-kit-devtools-relay';
export const RELAY_VERSION = 1;

/** Name of the runtime port from the background to a tab's content script. */
export const TAB_PORT_NAME = 'offline-kit-tab';
/** Prefix of the runtime port from a panel to the background; the inspected tab's id follows. */
export const PANEL_PORT_PREFIX = 'offline-kit-panel:';

/** The server-mock control endpoints the panel may call through the page (see docs/ARCHITECTURE.md). */
export type MockRequest =
  | { method: 'GET'; path: '/__mock/state' }
  | { method: 'POST'; path: '/__mock/faults'; body: MockFaults }
  | { method: 'DELETE'; path: '/__mock/faults' };

export interface MockFaults {
  latencyMs?: number;
  failNext?: { count: number; status: number; pathPrefix?: string };
  dropNext?: { count: number; when: 'before-commit' | 'after-commit'; pathPrefix?: string };
  unreachableForMs?: number;
}

export interface MockResponse {
  status: number;
  body: unknown;
}

/** What the page hook knows about the page's Offline Kit. */
export type HookState =
  | { state: 'connecting' }
  | { state: 'connected'; moduleVersion: string; origin: string; scope: string }
  | { state: 'disabled'; reason: string }
  /** `reason`: why Offline Kit was not found, for the "not found on this page" view. */
  | { state: 'not-found'; reason: 'insecure-context' | 'no-controller' | 'no-answer' };

export type ToHook =
  | { kind: 'activate' }
  | { kind: 'deactivate' }
  | { kind: 'sw'; message: RequestMessage }
  | { kind: 'mock'; id: number; request: MockRequest };

export type ToPanel =
  | { kind: 'hook-state'; hook: HookState }
  | { kind: 'sw'; message: FromServiceWorker }
  | { kind: 'mock'; id: number; ok: true; response: MockResponse }
  | { kind: 'mock'; id: number; ok: false; message: string }
  /** From the background: the state of its link to the tab's content script. */
  | { kind: 'tab-link'; state: 'up' | 'retrying' | 'no-content-script' };

export interface RelayEnvelope<T> {
  source: typeof RELAY_SOURCE;
  v: typeof RELAY_VERSION;
  dir: 'to-hook' | 'to-panel';
  body: T;
}

export function wrap<T extends ToHook | ToPanel>(
  dir: T extends ToHook ? 'to-hook' : 'to-panel',
  body: T,
): RelayEnvelope<T> {
  return { source: RELAY_SOURCE, v: RELAY_VERSION, dir, body };
}

const isNonNegInt = (v: unknown): v is number => num(v) && Number.isSafeInteger(v) && v >= 0;

const isMockFaults = shape<MockFaults>({
  latencyMs: optional(isNonNegInt),
  failNext: optional(
    shape<NonNullable<MockFaults['failNext']>>({
      count: isNonNegInt,
      status: isNonNegInt,
      pathPrefix: optional(str),
    }),
  ),
  dropNext: optional(
    shape<NonNullable<MockFaults['dropNext']>>({
      count: isNonNegInt,
      when: literal('before-commit', 'after-commit'),
      pathPrefix: optional(str),
    }),
  ),
  unreachableForMs: optional(isNonNegInt),
});

export function isMockRequest(v: unknown): v is MockRequest {
  if (!isObject(v)) return false;
  if (v.method === 'GET') return v.path === '/__mock/state';
  if (v.method === 'DELETE') return v.path === '/__mock/faults';
  return v.method === 'POST' && v.path === '/__mock/faults' && isMockFaults(v.body);
}

const isHookState: Guard<HookState> = (v): v is HookState => {
  if (!isObject(v)) return false;
  switch (v.state) {
    case 'connecting':
      return true;
    case 'connected':
      return str(v.moduleVersion) && str(v.origin) && str(v.scope);
    case 'disabled':
      return str(v.reason);
    case 'not-found':
      return literal('insecure-context', 'no-controller', 'no-answer')(v.reason);
    default:
      return false;
  }
};

export function isToHook(v: unknown): v is ToHook {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'activate':
    case 'deactivate':
      return true;
    case 'sw':
      return isRequestMessage(v.message);
    case 'mock':
      return isNonNegInt(v.id) && isMockRequest(v.request);
    default:
      return false;
  }
}

export function isToPanel(v: unknown): v is ToPanel {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'hook-state':
      return isHookState(v.hook);
    case 'sw':
      return isFromServiceWorker(v.message);
    case 'mock':
      return (
        isNonNegInt(v.id) &&
        ((v.ok === true && shape<MockResponse>({ status: num, body: unknownValue })(v.response)) ||
          (v.ok === false && str(v.message)))
      );
    case 'tab-link':
      return literal('up', 'retrying', 'no-content-script')(v.state);
    default:
      return false;
  }
}

function isEnvelope(v: unknown, dir: 'to-hook' | 'to-panel'): v is RelayEnvelope<unknown> {
  return isObject(v) && v.source === RELAY_SOURCE && v.v === RELAY_VERSION && v.dir === dir;
}

/** Unwraps a message going towards the page hook, or null when it is not one (or malformed). */
export function readToHook(v: unknown): ToHook | null {
  return isEnvelope(v, 'to-hook') && isToHook(v.body) ? v.body : null;
}

/** Unwraps a message going towards the panel, or null when it is not one (or malformed). */
export function readToPanel(v: unknown): ToPanel | null {
  return isEnvelope(v, 'to-panel') && isToPanel(v.body) ? v.body : null;
}
