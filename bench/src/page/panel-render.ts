/**
 * The devtools panel's first render of the queue, timed in the page. The panel UI is mounted inline with
 * `mount(container, client)` exactly as the DevTools panel mounts it; its client here talks to the running module
 * over the page client (comlink) instead of the extension's ports, so the time is the UI's and the module's, without
 * the extension's relay hops.
 */
import type { OfflineKitApi, OfflineKitEvent, OfflineKitMethod } from '../../../sw/src/protocol/api.js';
import { EVENTS_CHANNEL } from '../../../sw/src/protocol/api.js';
import {
  RESULT_GUARDS,
  isOfflineKitEvent,
  type ApiResult,
} from '../../../devtools-extension/src/protocol/api-guards.js';
import type { PanelClient } from '../../../devtools-extension/src/ui/client.js';
import { mount } from '../../../devtools-extension/src/ui/mount.js';

async function callApi(api: object, method: OfflineKitMethod, params: unknown[]): Promise<unknown> {
  const fn: unknown = (api as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`the page client has no ${method}`);
  const result: unknown = await (fn as (...args: unknown[]) => unknown).apply(api, params);
  return result;
}

function panelClient(api: object): PanelClient & { close(): void } {
  const channel = new BroadcastChannel(EVENTS_CHANNEL);
  const listeners = new Set<(event: OfflineKitEvent) => void>();
  channel.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isOfflineKitEvent(event.data)) for (const listener of listeners) listener(event.data);
  });
  return {
    async call<M extends OfflineKitMethod>(
      method: M,
      ...params: Parameters<OfflineKitApi[M]>
    ): Promise<ApiResult<M>> {
      const result = await callApi(api, method, params);
      const guard = RESULT_GUARDS[method] as (v: unknown) => v is ApiResult<M>;
      if (!guard(result)) throw new Error(`${method} answered an unexpected shape`);
      return result;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connection: () => ({ status: 'connected', moduleVersion: 'bench', origin: location.origin, scope: '/' }),
    onConnection: () => () => undefined,
    mock: () => Promise.reject(new Error('the benchmark panel has no fault controls')),
    close: () => channel.close(),
  };
}

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/**
 * Mount the panel on its Queue view and time until it shows the whole queue's total and its first rows, painted.
 * Answers the time in ms.
 */
export async function panelFirstRender(api: object, expectedTotal: number): Promise<number> {
  const container = document.createElement('div');
  container.style.cssText = 'position:fixed;inset:0;background:#fff';
  document.body.append(container);
  const client = panelClient(api);
  const start = performance.now();
  const panel = mount(container, client, { initialView: 'queue', theme: 'light' });
  try {
    const shown = (): boolean =>
      (container.querySelector('[data-testid="okp-queue-total"]')?.textContent ?? '').startsWith(
        `${expectedTotal} write`,
      ) && container.querySelector('[data-testid="okp-queue-record"]') !== null;
    const deadline = start + 60_000;
    while (!shown()) {
      if (performance.now() > deadline) throw new Error('the panel did not show the queue within 60 s');
      await nextFrame();
    }
    await nextFrame();
    return performance.now() - start;
  } finally {
    panel.unmount();
    client.close();
    container.remove();
  }
}
