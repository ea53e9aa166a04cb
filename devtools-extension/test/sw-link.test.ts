import type { OfflineKitEvent } from '@offline-kit/sw/protocol';
import { envelope, type RequestMessage } from '@offline-kit/sw/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SwLink } from '../src/link/sw-link.js';
import { newCallId, type HookState, type PanelAnswer, type PanelCall } from '../src/protocol/relay.js';

/**
 * A service worker stand-in: it receives `connect` messages with a port, like the real bridge, and the test decides
 * whether it answers (`hello`), refuses (`disabled`) or stays silent (stopped).
 */
class FakeWorker {
  ports: MessagePort[] = [];
  silent = false;
  disabled: string | null = null;
  requests: RequestMessage[] = [];
  /** How many times each request is answered (a worker, or a page script in its place, may answer twice). */
  answers = 1;

  postMessage(_message: unknown, transfer: MessagePort[]): void {
    const port = transfer[0];
    if (!port) return;
    this.ports.push(port);
    if (this.silent) return;
    port.onmessage = (event: MessageEvent<unknown>) => {
      if (this.silent) return;
      const request = event.data as RequestMessage;
      this.requests.push(request);
      for (let i = 0; i < this.answers; i++)
        port.postMessage(
          envelope({ kind: 'response' as const, id: request.id, ok: true as const, result: request.method }),
        );
    };
    port.postMessage(
      this.disabled === null
        ? envelope({ kind: 'hello' as const, moduleVersion: '0.1.0', origin: 'http://127.0.0.1', scope: '/' })
        : envelope({ kind: 'disabled' as const, reason: this.disabled }),
    );
  }
}

class FakeContainer extends EventTarget {
  constructor(public controller: FakeWorker | null) {
    super();
  }
}

const links: SwLink[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.stop();
});

function open(container: FakeContainer | undefined, options: { requestTimeoutMs?: number } = {}) {
  const states: HookState[] = [];
  const messages: PanelAnswer[] = [];
  const events: OfflineKitEvent[] = [];
  const link = new SwLink({
    container: container as unknown as ServiceWorkerContainer | undefined,
    onAnswer: (m) => messages.push(m),
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    helloTimeoutMs: 100,
    retryMs: 100,
    heartbeatMs: 60_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 200,
  });
  links.push(link);
  link.start();
  return { link, states, messages, events };
}

// Waits for a condition instead of sleeping: the link's timers run on the real clock, and a loaded machine may be
// slower than any fixed pause.
const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });
const request = (method: PanelCall['method']): PanelCall => ({ id: newCallId(), method, params: [] });

describe('SwLink', () => {
  it('reports an insecure context and a page without a controlling service worker', () => {
    expect(open(undefined).states.at(-1)).toEqual({ state: 'not-found', reason: 'insecure-context' });
    expect(open(new FakeContainer(null)).states.at(-1)).toEqual({
      state: 'not-found',
      reason: 'no-controller',
    });
  });

  it('connects, and answers a request sent before the hello arrived', async () => {
    const worker = new FakeWorker();
    const { link, states, messages } = open(new FakeContainer(worker));
    const call = request('getStatus');
    link.send(call);
    await eventually(() => {
      expect(states.at(-1)).toMatchObject({ state: 'connected', moduleVersion: '0.1.0' });
      expect(messages).toEqual([{ id: call.id, ok: true, result: 'getStatus' }]);
    });
  });

  it('relays the reason when the bridge is disabled, and fails requests with it', async () => {
    const worker = new FakeWorker();
    worker.disabled = 'devtools: false';
    const { link, states, messages } = open(new FakeContainer(worker));
    await eventually(() => expect(states.at(-1)).toEqual({ state: 'disabled', reason: 'devtools: false' }));
    const call = request('listQueue');
    link.send(call);
    expect(messages.at(-1)).toMatchObject({ id: call.id, ok: false, error: { code: 'devtools_disabled' } });
  });

  it('keeps trying a silent service worker and connects once it answers', async () => {
    const worker = new FakeWorker();
    worker.silent = true;
    const { states } = open(new FakeContainer(worker));
    await eventually(() => expect(states.at(-1)).toEqual({ state: 'not-found', reason: 'no-answer' }));
    worker.silent = false;
    await eventually(() => expect(states.at(-1)).toMatchObject({ state: 'connected' }));
  });

  it('after a service-worker restart, re-asks reads on a new port and fails writes it cannot vouch for', async () => {
    const worker = new FakeWorker();
    const { link, states, messages } = open(new FakeContainer(worker));
    await eventually(() => expect(states.at(-1)).toMatchObject({ state: 'connected' }));
    // The worker stops: the old port goes silent without any event.
    worker.silent = true;
    const read = request('listQueue');
    const write = request('discardWrite');
    link.send(read);
    link.send(write);
    const silentFrom = states.length;
    await eventually(() => expect(states.slice(silentFrom).some((s) => s.state === 'connecting')).toBe(true));
    worker.silent = false;
    await eventually(() => {
      expect(states.at(-1)).toMatchObject({ state: 'connected' });
      expect(messages.find((m) => m.id === read.id)).toMatchObject({
        ok: true,
        result: 'listQueue',
      });
    });
    expect(messages.find((m) => m.id === write.id)).toMatchObject({
      ok: false,
      error: { code: 'timeout' },
    });
    expect(worker.requests.filter((r) => r.method === 'discardWrite')).toEqual([]);
    expect(worker.ports.length).toBeGreaterThan(1);
  });

  it('reconnects to the new worker on controllerchange', async () => {
    const first = new FakeWorker();
    const container = new FakeContainer(first);
    const { link, states } = open(container);
    await eventually(() => expect(states.at(-1)).toMatchObject({ state: 'connected' }));
    const second = new FakeWorker();
    container.controller = second;
    container.dispatchEvent(new Event('controllerchange'));
    link.send(request('getHistory'));
    await eventually(() => expect(second.requests.map((r) => r.method)).toEqual(['getHistory']));
    expect(first.requests).toEqual([]);
  });

  it('gives each call one answer, under its own id, whatever numbers the worker sees', async () => {
    const worker = new FakeWorker();
    worker.answers = 2;
    const { link, messages } = open(new FakeContainer(worker));
    const first = request('getStatus');
    const second = request('listQueue');
    link.send(first);
    link.send(second);
    await eventually(() => expect(messages).toHaveLength(2));
    // Let any second answer arrive before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toEqual([
      { id: first.id, ok: true, result: 'getStatus' },
      { id: second.id, ok: true, result: 'listQueue' },
    ]);
    expect(worker.requests.map((r) => typeof r.id)).toEqual(['number', 'number']);
  });
});
