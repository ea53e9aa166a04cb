/**
 * Pages reach `OfflineKitApi` over comlink on a MessagePort they hand the worker with a `connect` message. Each port
 * serves one call (the client makes a fresh channel per call): posting to the worker wakes it if it was stopped, and
 * the message event's `waitUntil` keeps it alive until that call has answered.
 */
import { expose, transferHandlers } from 'comlink';
import type { OfflineKitApi } from '../shared/api.js';
import { OfflineKitError } from '../shared/errors.js';
import { isObject } from '../shared/guards.js';
import { CONNECT_TYPE } from '../shared/messages.js';

/** Longest a single call may hold the worker awake (a sync of a big unit). */
const CALL_LIMIT_MS = 5 * 60 * 1000;

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

export function serveCall(api: OfflineKitApi, port: MessagePort): Promise<void> {
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(settle, CALL_LIMIT_MS);
  const once = new Proxy(api, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (Reflect.apply(value, target, args) as Promise<unknown>);
        } finally {
          // Let comlink post the answer before the worker may be stopped.
          setTimeout(() => {
            clearTimeout(timer);
            settle();
            port.close();
          }, 0);
        }
      };
    },
  });
  expose(once, port);
  return done;
}
