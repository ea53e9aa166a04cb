/** The devtools panel's way in (see `protocol/devtools.ts`): a port per panel, requests answered, events relayed. */
import { envelope, isConnectMessage, isRequestMessage } from '../protocol/devtools.js';
import { toErrorInfo } from '../protocol/errors.js';
import type { ApiSurface } from './comlink-port.js';
import type { EventHub } from './events.js';

export const MODULE_VERSION = '0.1.0';

export function isDevtoolsConnect(data: unknown): boolean {
  return isConnectMessage(data);
}

/** Serves one panel on `port`; resolves when the first request is answered (to bound the worker's keep-alive). */
export function serveDevtools(
  api: ApiSurface,
  port: MessagePort,
  hub: EventHub,
  enabled: boolean,
  scope: string,
): Promise<void> {
  if (!enabled) {
    port.postMessage(
      envelope({
        kind: 'disabled',
        reason:
          'devtools is off for this origin (set devtools: true in the Offline Kit configuration to enable it)',
      }),
    );
    port.close();
    return Promise.resolve();
  }
  const remove = hub.addPort(port);
  port.postMessage(
    envelope({ kind: 'hello', moduleVersion: MODULE_VERSION, origin: self.location.origin, scope }),
  );
  let first: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    first = resolve;
  });
  port.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data;
    if (!isRequestMessage(data)) return;
    const call = Promise.resolve().then(() => {
      const method: unknown = Reflect.get(api, data.method);
      return Reflect.apply(method as (...args: unknown[]) => unknown, api, data.params);
    });
    call
      .then(
        (result) => port.postMessage(envelope({ kind: 'response', id: data.id, ok: true, result })),
        (error: unknown) =>
          port.postMessage(envelope({ kind: 'response', id: data.id, ok: false, error: toErrorInfo(error) })),
      )
      .catch(() => remove())
      .finally(first);
  };
  port.addEventListener('close', () => remove());
  port.start();
  return answered;
}
