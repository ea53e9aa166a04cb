/**
 * What every real `PanelClient` shares: pairing answers with calls, checking results with the method's guard,
 * fanning events out, and tracking the connection state. Subclasses only move messages.
 *
 * Pairing is by an unguessable id per call (`newCallId`): an answer is taken only for a call in flight under its id,
 * once, so whatever did not see a call cannot answer it, and a second answer to it is dropped.
 */
import type { OfflineKitApi, OfflineKitEvent, OfflineKitMethod } from '@offline-kit/sw/protocol';
import { RESULT_GUARDS, type ApiResult } from '../protocol/api-guards.js';
import {
  newCallId,
  type CallId,
  type HookState,
  type MockRequest,
  type MockResponse,
  type PanelAnswer,
  type PanelCall,
} from '../protocol/relay.js';
import { PanelError, type ConnectionState, type PanelClient } from '../ui/client.js';

interface PendingCall {
  method: OfflineKitMethod;
  resolve(value: unknown): void;
  reject(error: PanelError): void;
  timer: ReturnType<typeof setTimeout>;
}

interface PendingMock {
  resolve(value: MockResponse): void;
  reject(error: PanelError): void;
}

/** Long enough for a `syncNow` against a slow server; the page hook detects dead ports much sooner. */
const CALL_TIMEOUT_MS = 60_000;

export function connectionFromHook(hook: HookState): ConnectionState {
  switch (hook.state) {
    case 'connecting':
      return { status: 'connecting', detail: 'Connecting to the service worker…' };
    case 'connected':
      return {
        status: 'connected',
        moduleVersion: hook.moduleVersion,
        origin: hook.origin,
        scope: hook.scope,
      };
    case 'disabled':
      return { status: 'disabled', reason: hook.reason };
    case 'not-found':
      return { status: 'not-found', reason: hook.reason };
  }
}

export abstract class BaseClient implements PanelClient {
  private readonly calls = new Map<CallId, PendingCall>();
  private readonly mocks = new Map<CallId, PendingMock>();
  private readonly eventListeners = new Set<(event: OfflineKitEvent) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private state: ConnectionState = { status: 'connecting', detail: 'Connecting…' };

  protected abstract sendCall(call: PanelCall): void;
  protected abstract sendMock(id: CallId, request: MockRequest): void;

  call<M extends OfflineKitMethod>(
    method: M,
    ...params: Parameters<OfflineKitApi[M]>
  ): Promise<ApiResult<M>> {
    const id = newCallId();
    return new Promise<ApiResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new PanelError({ code: 'timeout', message: `${method} got no answer` }));
      }, CALL_TIMEOUT_MS);
      this.calls.set(id, { method, resolve: (value) => resolve(value as ApiResult<M>), reject, timer });
      this.sendCall({ id, method, params });
    });
  }

  mock(request: MockRequest): Promise<MockResponse> {
    const id = newCallId();
    return new Promise<MockResponse>((resolve, reject) => {
      this.mocks.set(id, { resolve, reject });
      this.sendMock(id, request);
    });
  }

  subscribe(listener: (event: OfflineKitEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  connection(): ConnectionState {
    return this.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  protected setConnection(state: ConnectionState): void {
    const changed = JSON.stringify(state) !== JSON.stringify(this.state);
    this.state = state;
    if (changed) for (const listener of [...this.connectionListeners]) listener(state);
  }

  protected receiveEvent(event: OfflineKitEvent): void {
    for (const listener of [...this.eventListeners]) listener(event);
  }

  protected receiveAnswer(answer: PanelAnswer): void {
    const pending = this.calls.get(answer.id);
    if (!pending) return;
    this.calls.delete(answer.id);
    clearTimeout(pending.timer);
    if (!answer.ok) {
      pending.reject(new PanelError(answer.error));
      return;
    }
    const guard = RESULT_GUARDS[pending.method] as (value: unknown) => boolean;
    if (guard(answer.result)) pending.resolve(answer.result);
    else
      pending.reject(
        new PanelError({
          code: 'bad_response',
          message: `${pending.method} answered something the panel cannot read`,
        }),
      );
  }

  protected receiveMock(
    id: CallId,
    outcome: { ok: true; response: MockResponse } | { ok: false; message: string },
  ): void {
    const pending = this.mocks.get(id);
    if (!pending) return;
    this.mocks.delete(id);
    if (outcome.ok) pending.resolve(outcome.response);
    else pending.reject(new PanelError({ code: 'network', message: outcome.message }));
  }

  /** The path to the page broke: whatever was in flight will never be answered. */
  protected failInFlight(message: string): void {
    for (const [id, pending] of this.calls) {
      clearTimeout(pending.timer);
      pending.reject(new PanelError({ code: 'network', message }));
      this.calls.delete(id);
    }
    for (const [id, pending] of this.mocks) {
      pending.reject(new PanelError({ code: 'network', message }));
      this.mocks.delete(id);
    }
  }
}
