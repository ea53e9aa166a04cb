/**
 * The one seam between the panel UI and wherever it runs. The DevTools panel talks through the extension's ports,
 * the inline overlay straight over a MessageChannel, the unit tests to a fake: the UI only sees this.
 */
import type { ErrorInfo, OfflineKitApi, OfflineKitEvent, OfflineKitMethod } from '@offline-kit/sw/protocol';
import type { ApiResult } from '../protocol/api-guards.js';
import type { MockRequest, MockResponse } from '../protocol/relay.js';

export type NotFoundReason = 'insecure-context' | 'no-controller' | 'no-answer' | 'no-content-script';

export type ConnectionState =
  | { status: 'connecting'; detail: string }
  | { status: 'connected'; moduleVersion: string; origin: string; scope: string }
  | { status: 'disabled'; reason: string }
  | { status: 'not-found'; reason: NotFoundReason };

export interface PanelClient {
  /** Calls one method of the inspected page's Offline Kit; rejects with a `PanelError`. */
  call<M extends OfflineKitMethod>(method: M, ...params: Parameters<OfflineKitApi[M]>): Promise<ApiResult<M>>;
  /** Every `OfflineKitEvent` pushed by the service worker. Returns the unsubscribe function. */
  subscribe(listener: (event: OfflineKitEvent) => void): () => void;
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** server-mock's control API on the page's origin (Network view's fault presets). */
  mock(request: MockRequest): Promise<MockResponse>;
}

export class PanelError extends Error {
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'PanelError';
    this.info = info;
  }
}

export function errorText(error: unknown): string {
  if (error instanceof PanelError) return `${error.info.code}: ${error.info.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
