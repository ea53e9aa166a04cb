/**
 * The page's end of the devtools bridge: one MessageChannel to the service worker that controls the page.
 * Used by the page hook (extension) and by the inline panel (no extension), so both find, lose and re-find the
 * service worker the same way.
 *
 *   start ─▶ connecting ──hello──▶ connected ──(no answer within requestTimeoutMs)──▶ connecting (new port)
 *     │          │  └─disabled──▶ disabled (until controllerchange)
 *     │          └─(no hello within helloTimeoutMs)──▶ not-found/no-answer, new connect every retryMs
 *     └─ no controller ─▶ not-found/no-controller (until controllerchange)
 *
 * A stopped service worker leaves its ports dead without any event, so a dead port is only seen as silence: a
 * heartbeat (`getStatus`) runs while connected, and any request unanswered in time counts as a dead port. On a new
 * port, read-only requests still waiting are sent again; mutating ones are failed with `timeout`, because the
 * service worker may have carried them out before it stopped and the person should decide whether to repeat them.
 *
 * Calls come in under the panel's unguessable ids; the worker's protocol numbers requests, so the link sends each
 * under a number of its own and answers under the call's id. An answer matching nothing in flight is dropped.
 */
import type { OfflineKitEvent, OfflineKitMethod } from '@offline-kit/sw/protocol';
import { envelope, isFromServiceWorker, type RequestMessage } from '@offline-kit/sw/protocol';
import { isOfflineKitEvent } from '../protocol/api-guards.js';
import type { HookState, PanelAnswer, PanelCall } from '../protocol/relay.js';

type Handle = ReturnType<typeof globalThis.setTimeout>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): Handle;
  clearTimeout(handle: Handle): void;
}

export interface SwLinkOptions {
  /** `navigator.serviceWorker`, undefined outside secure contexts. */
  container: ServiceWorkerContainer | undefined;
  /** The answer to a call passed to `send`, under the call's own id. */
  onAnswer(answer: PanelAnswer): void;
  onEvent(event: OfflineKitEvent): void;
  onState(state: HookState): void;
  timers?: Timers;
  /** ms to wait for `hello` before reporting `not-found`. Default 3000. */
  helloTimeoutMs?: number;
  /** ms without an answer after which the port counts as dead. Default 8000. */
  requestTimeoutMs?: number;
  /** ms between heartbeats while connected. Default 5000. */
  heartbeatMs?: number;
  /** ms between connect attempts while the service worker does not answer. Default 3000. */
  retryMs?: number;
}

const READ_ONLY: ReadonlySet<OfflineKitMethod> = new Set<OfflineKitMethod>([
  'getStatus',
  'listQueue',
  'getWrite',
  'listConflicts',
  'listCollections',
  'listRecords',
  'getHistory',
  'exportHistory',
]);

/**
 * A request on the port, under the link's own id (the worker's protocol numbers them): `call` is the panel's, null for
 * the heartbeat. The panel's id never reaches the worker, so answers are paired here, and only the call they answer
 * gets one.
 */
interface Outstanding {
  call: PanelCall | null;
  timer: Handle;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

export class SwLink {
  private readonly timers: Timers;
  private readonly helloTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly retryMs: number;
  private started = false;
  private state: HookState = { state: 'connecting' };
  /** Ports that were offered to the service worker and may still answer `hello`; the first that does wins. */
  private candidates = new Set<MessagePort>();
  private port: MessagePort | null = null;
  private readonly outstanding = new Map<number, Outstanding>();
  private waiting: PanelCall[] = [];
  private lastWireId = 0;
  private helloTimer: Handle | null = null;
  private retryTimer: Handle | null = null;
  private heartbeatTimer: Handle | null = null;

  constructor(private readonly options: SwLinkOptions) {
    this.timers = options.timers ?? defaultTimers;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 3000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 8000;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.retryMs = options.retryMs ?? 3000;
  }

  get current(): HookState {
    return this.state;
  }

  start(): void {
    if (this.started) {
      this.options.onState(this.state);
      return;
    }
    this.started = true;
    const container = this.options.container;
    if (!container) {
      this.setState({ state: 'not-found', reason: 'insecure-context' });
      return;
    }
    container.addEventListener('controllerchange', this.onControllerChange);
    this.connect();
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.options.container?.removeEventListener('controllerchange', this.onControllerChange);
    this.closePorts();
    this.clearTimers();
    for (const { call, timer } of this.outstanding.values()) {
      this.timers.clearTimeout(timer);
      if (call) this.fail(call, 'the devtools link was closed');
    }
    this.outstanding.clear();
    for (const call of this.waiting) this.fail(call, 'the devtools link was closed');
    this.waiting = [];
  }

  send(call: PanelCall): void {
    if (this.port && this.state.state === 'connected') {
      this.post(call);
    } else if (this.started && (this.state.state === 'connecting' || this.isRetrying())) {
      this.waiting.push(call);
    } else {
      this.fail(
        call,
        this.unavailableReason(),
        this.state.state === 'disabled' ? 'devtools_disabled' : 'not_found',
      );
    }
  }

  private isRetrying(): boolean {
    return this.state.state === 'not-found' && this.state.reason === 'no-answer';
  }

  private readonly onControllerChange = (): void => {
    this.reconnect();
  };

  private connect(): void {
    const container = this.options.container;
    if (!this.started || !container) return;
    const controller = container.controller;
    if (!controller) {
      this.setState({ state: 'not-found', reason: 'no-controller' });
      return;
    }
    if (this.state.state !== 'not-found') this.setState({ state: 'connecting' });
    const channel = new MessageChannel();
    const port = channel.port1;
    this.candidates.add(port);
    port.onmessage = (event: MessageEvent<unknown>) => this.onPortMessage(port, event.data);
    port.start();
    controller.postMessage(envelope({ kind: 'connect' as const }), [channel.port2]);
    if (this.helloTimer === null) {
      this.helloTimer = this.timers.setTimeout(() => {
        this.helloTimer = null;
        this.setState({ state: 'not-found', reason: 'no-answer' });
        this.scheduleRetry();
      }, this.helloTimeoutMs);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || !this.started) return;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.state.state === 'not-found' && this.state.reason === 'no-answer') {
        this.connect();
        this.scheduleRetry();
      }
    }, this.retryMs);
  }

  /** Drop the current port and offer a new one: read-only requests in flight are sent again on it. */
  private reconnect(): void {
    if (!this.started) return;
    this.closePorts();
    this.clearTimers();
    const again: PanelCall[] = [];
    for (const { call, timer } of this.outstanding.values()) {
      this.timers.clearTimeout(timer);
      if (!call) continue;
      if (READ_ONLY.has(call.method)) again.push(call);
      else
        this.fail(
          call,
          'the service worker stopped before answering; it may or may not have done it',
          'timeout',
        );
    }
    this.outstanding.clear();
    this.waiting = [...again, ...this.waiting];
    this.setState({ state: 'connecting' });
    this.connect();
  }

  private onPortMessage(port: MessagePort, data: unknown): void {
    if (!isFromServiceWorker(data)) return;
    if (data.kind === 'hello' || data.kind === 'disabled') {
      if (!this.candidates.has(port)) return;
      this.candidates.delete(port);
      for (const other of this.candidates) other.close();
      this.candidates.clear();
      this.clearTimers();
      if (data.kind === 'disabled') {
        port.close();
        this.port = null;
        this.setState({ state: 'disabled', reason: data.reason });
        for (const call of this.waiting.splice(0)) this.fail(call, data.reason, 'devtools_disabled');
        return;
      }
      this.port = port;
      this.setState({
        state: 'connected',
        moduleVersion: data.moduleVersion,
        origin: data.origin,
        scope: data.scope,
      });
      for (const call of this.waiting.splice(0)) this.post(call);
      this.scheduleHeartbeat();
      return;
    }
    if (port !== this.port) return;
    if (data.kind === 'event') {
      if (isOfflineKitEvent(data.event)) this.options.onEvent(data.event);
      return;
    }
    // An answer to nothing in flight (a second answer, a stale port's) is dropped.
    const pending = this.outstanding.get(data.id);
    if (!pending) return;
    this.timers.clearTimeout(pending.timer);
    this.outstanding.delete(data.id);
    const call = pending.call;
    if (!call) return;
    this.options.onAnswer(
      data.ok
        ? { id: call.id, ok: true, result: data.result }
        : { id: call.id, ok: false, error: data.error },
    );
  }

  /** Sends `call` (null: a heartbeat) under a fresh id of the link's own. */
  private post(call: PanelCall | null): void {
    const port = this.port;
    if (!port) return;
    this.lastWireId += 1;
    const id = this.lastWireId;
    const request: RequestMessage = call
      ? envelope({ kind: 'request' as const, id, method: call.method, params: call.params })
      : envelope({ kind: 'request' as const, id, method: 'getStatus' as const, params: [] });
    const timer = this.timers.setTimeout(() => this.reconnect(), this.requestTimeoutMs);
    this.outstanding.set(id, { call, timer });
    port.postMessage(request);
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = null;
      if (this.state.state !== 'connected') return;
      this.post(null);
      this.scheduleHeartbeat();
    }, this.heartbeatMs);
  }

  private fail(
    call: PanelCall,
    message: string,
    code: 'timeout' | 'not_found' | 'devtools_disabled' = 'timeout',
  ): void {
    this.options.onAnswer({ id: call.id, ok: false, error: { code, message } });
  }

  private unavailableReason(): string {
    switch (this.state.state) {
      case 'disabled':
        return this.state.reason;
      case 'not-found':
        return 'Offline Kit was not found on this page';
      default:
        return 'not connected to the service worker';
    }
  }

  private setState(state: HookState): void {
    this.state = state;
    this.options.onState(state);
  }

  private closePorts(): void {
    this.port?.close();
    this.port = null;
    for (const port of this.candidates) port.close();
    this.candidates.clear();
  }

  private clearTimers(): void {
    for (const timer of [this.helloTimer, this.retryTimer, this.heartbeatTimer]) {
      if (timer !== null) this.timers.clearTimeout(timer);
    }
    this.helloTimer = this.retryTimer = this.heartbeatTimer = null;
  }
}
