/**
 * The extension's own hop messages, and the panel's calls to the service worker as they travel between panel and page:
 *
 *   panel ──port──▶ background ──port──▶ content script ──private MessagePort──▶ page hook ──MessagePort──▶ service worker
 *         ◀──────────            ◀──────────                ◀────────────────────           ◀──────────
 *
 * `ToHook` travels from the panel towards the page hook, `ToPanel` back. A panel's call carries an unguessable id
 * (`newCallId`) from the panel to the hook and back; the hook speaks the service worker's own protocol
 * (`@offline-kit/sw/protocol`, unchanged) on its port and pairs the answers itself. Every hop checks what it
 * receives with these guards. Only the page hook talks to the service worker.
 */
import type { ErrorInfo, OfflineKitEvent, OfflineKitMethod } from '@offline-kit/sw/protocol';
import { isOfflineKitMethod } from '@offline-kit/sw/protocol';
import { isErrorInfo, isOfflineKitEvent } from './api-guards.js';
import { isObject, literal, num, optional, shape, str, unknownValue, type Guard } from './guard.js';

export const RELAY_SOURCE = 'offline-kit-devtools-relay';
export const RELAY_VERSION = 1;

/**
 * The page hook's only window message: posted once at document_start, carrying the hook's end of a private
 * MessageChannel to the content script. Everything after it flows on that channel (see content-script.ts).
 */
export interface HookPortOffer {
  source: typeof RELAY_SOURCE;
  v: typeof RELAY_VERSION;
  kind: 'hook-port';
}

export const hookPortOffer = (): HookPortOffer => ({
  source: RELAY_SOURCE,
  v: RELAY_VERSION,
  kind: 'hook-port',
});

export function isHookPortOffer(v: unknown): v is HookPortOffer {
  return isObject(v) && v.source === RELAY_SOURCE && v.v === RELAY_VERSION && v.kind === 'hook-port';
}

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

/**
 * Pairs a panel's call with its answer. 128 random bits: nothing that did not see the call can answer it, and an answer
 * whose id matches no call in flight is dropped (see `BaseClient`).
 */
export type CallId = string;

const CALL_ID = /^[0-9a-f]{32}$/;

export function newCallId(): CallId {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const isCallId: Guard<CallId> = (v): v is CallId => typeof v === 'string' && CALL_ID.test(v);

/** A panel's call of one `OfflineKitApi` method. */
export interface PanelCall {
  id: CallId;
  method: OfflineKitMethod;
  params: unknown[];
}

/** The service worker's answer to a `PanelCall`, or the hook's when the worker cannot be asked. */
export type PanelAnswer =
  { id: CallId; ok: true; result: unknown } | { id: CallId; ok: false; error: ErrorInfo };

export type ToHook =
  | { kind: 'activate' }
  | { kind: 'deactivate' }
  | { kind: 'call'; call: PanelCall }
  | { kind: 'mock'; id: CallId; request: MockRequest };

export type ToPanel =
  | { kind: 'hook-state'; hook: HookState }
  | { kind: 'answer'; answer: PanelAnswer }
  | { kind: 'event'; event: OfflineKitEvent }
  | { kind: 'mock'; id: CallId; ok: true; response: MockResponse }
  | { kind: 'mock'; id: CallId; ok: false; message: string }
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

export function isPanelCall(v: unknown): v is PanelCall {
  return isObject(v) && isCallId(v.id) && isOfflineKitMethod(v.method) && Array.isArray(v.params);
}

export function isPanelAnswer(v: unknown): v is PanelAnswer {
  return (
    isObject(v) &&
    isCallId(v.id) &&
    // No check on `result` here: the method's own guard checks it where the call is known (`BaseClient`).
    (v.ok === true || (v.ok === false && isErrorInfo(v.error)))
  );
}

export function isToHook(v: unknown): v is ToHook {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'activate':
    case 'deactivate':
      return true;
    case 'call':
      return isPanelCall(v.call);
    case 'mock':
      return isCallId(v.id) && isMockRequest(v.request);
    default:
      return false;
  }
}

export function isToPanel(v: unknown): v is ToPanel {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'hook-state':
      return isHookState(v.hook);
    case 'answer':
      return isPanelAnswer(v.answer);
    case 'event':
      return isOfflineKitEvent(v.event);
    case 'mock':
      return (
        isCallId(v.id) &&
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
