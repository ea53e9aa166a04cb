/**
 * Pages reach `OfflineKitApi` over comlink on a MessagePort they hand the worker with a `connect` message. Each port
 * serves one call (the client makes a fresh channel per call): posting to the worker wakes it if it was stopped, and
 * the message event's `waitUntil` keeps it alive until that call has answered.
 *
 * What a port may ask is exactly one call of one API method, with plain arguments. comlink's `expose` would serve any
 * property path of the object behind it (GET, SET, calls on nested values): a same-origin script could read the
 * credentials the worker holds or rewire where it sends them. So comlink only ever sees `apiSurface` — a frozen,
 * prototype-less object of the API's method names — and every message is checked before comlink reads it: anything
 * but `APPLY` of a known method name with raw arguments (or the client's `RELEASE`) is answered with an error and
 * never reaches comlink.
 */
import { expose, transferHandlers, type Endpoint } from 'comlink';
import { OFFLINE_KIT_METHODS, type OfflineKitApi, type OfflineKitMethod } from '../protocol/api.js';
import { OfflineKitError } from '../protocol/errors.js';
import { isObject } from '../protocol/wire-guards.js';
import { CONNECT_TYPE } from '../protocol/messages.js';

/** Longest a single call may hold the worker awake (a sync of a big unit). */
const CALL_LIMIT_MS = 5 * 60 * 1000;

const METHODS: ReadonlySet<string> = new Set<string>(OFFLINE_KIT_METHODS);

export type ApiSurface = Readonly<Record<OfflineKitMethod, (...args: unknown[]) => Promise<unknown>>>;

/**
 * The API methods alone, bound to `api`, on a frozen object without a prototype: no property leads anywhere else,
 * nothing can be added or replaced. Both ways in (comlink for pages, the devtools bridge) serve this object.
 */
export function apiSurface(api: OfflineKitApi): ApiSurface {
  const surface = Object.create(null) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of OFFLINE_KIT_METHODS) {
    surface[name] = (...args: unknown[]): Promise<unknown> => {
      const method: unknown = Reflect.get(api, name);
      return Reflect.apply(method as (...a: unknown[]) => Promise<unknown>, api, args);
    };
  }
  return Object.freeze(surface);
}

export function isConnect(data: unknown): boolean {
  return isObject(data) && data.type === CONNECT_TYPE;
}

/** Errors cross comlink with their code, status and details (comlink itself keeps only name, message, stack). */
export function installErrorTransfer(): void {
  const base = transferHandlers.get('throw');
  if (!base) return;
  transferHandlers.set('throw', {
    canHandle: (value: unknown): value is unknown => base.canHandle(value),
    serialize(thrown: unknown) {
      const value = isObject(thrown) ? thrown.value : undefined;
      if (value instanceof OfflineKitError) {
        const data = {
          message: value.message,
          name: value.name,
          code: value.code,
          status: value.status,
          details: value.details,
        };
        return [{ isError: true, value: data }, []];
      }
      return base.serialize(thrown);
    },
    deserialize: (value: unknown) => base.deserialize(value),
  });
}

/** Why a comlink message is refused, or null when it is one call of an API method with plain arguments. */
export function refusal(data: unknown): string | null {
  if (!isObject(data)) return 'not a comlink message';
  if (data.type === 'RELEASE')
    return Array.isArray(data.path) && data.path.length === 0 ? null : 'bad release';
  if (data.type !== 'APPLY') return `${String(data.type)} is not served: only calls of API methods are`;
  const path = data.path;
  if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string' || !METHODS.has(path[0]))
    return 'not an API method';
  const args = data.argumentList;
  // Only plain data: a proxy handed over as an argument would let the page's objects run inside our calls.
  if (!Array.isArray(args) || !args.every((a) => isObject(a) && a.type === 'RAW'))
    return 'arguments must be plain data';
  return null;
}

/** comlink's answer to a refused message: the caller's promise rejects with a typed error instead of hanging. */
function refusalAnswer(id: unknown, reason: string): unknown {
  const value = { message: `Offline Kit: ${reason}`, name: 'OfflineKitError', code: 'invalid_message' };
  return { id, type: 'HANDLER', name: 'throw', value: { isError: true, value } };
}

/** The port as comlink sees it: only messages that pass `refusal` get through. */
function guarded(port: MessagePort): Endpoint {
  const wrapped = new WeakMap<object, (event: MessageEvent) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer ?? []),
    addEventListener(type: string, listener: EventListenerOrEventListenerObject) {
      const filter = (event: MessageEvent): void => {
        const data: unknown = event.data;
        const why = refusal(data);
        if (why !== null) {
          if (isObject(data) && typeof data.id === 'string') port.postMessage(refusalAnswer(data.id, why));
          return;
        }
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      wrapped.set(listener, filter);
      port.addEventListener(type, filter as EventListener);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject) {
      const filter = wrapped.get(listener);
      if (filter) port.removeEventListener(type, filter as EventListener);
    },
    start: () => port.start(),
  };
}

/** Answers the one call a port carries with `reason`, so a refused page gets an error rather than a hang. */
export function refuseCall(port: MessagePort, reason: string): void {
  const timer = setTimeout(() => port.close(), 10_000);
  port.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data;
    if (isObject(data) && typeof data.id === 'string' && data.type !== 'RELEASE')
      port.postMessage(refusalAnswer(data.id, reason));
    clearTimeout(timer);
    port.close();
  };
}

export function serveCall(surface: ApiSurface, port: MessagePort): Promise<void> {
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const finish = (): void => {
    clearTimeout(timer);
    settle();
    port.close();
  };
  const timer = setTimeout(finish, CALL_LIMIT_MS);
  const once = Object.create(null) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of OFFLINE_KIT_METHODS) {
    once[name] = async (...args: unknown[]) => {
      try {
        return await surface[name](...args);
      } finally {
        // Let comlink post the answer before the worker may be stopped.
        setTimeout(finish, 0);
      }
    };
  }
  expose(Object.freeze(once), guarded(port));
  return done;
}
