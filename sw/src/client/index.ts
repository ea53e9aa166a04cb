/**
 * The page side of Offline Kit: a typed client for the service worker's `OfflineKitApi`, its events, and the nudges
 * that keep replay timely (coming online, becoming visible, a heartbeat while writes wait).
 *
 *   import { connect } from '@offline-kit/sw/client';
 *   const kit = await connect();
 *   kit.on('sync-completed', (e) => console.info(e.summary));
 *   await kit.syncNow();
 *
 * Every call goes over a fresh MessageChannel handed to the active worker: posting to the worker wakes it if the
 * browser stopped it, and a replaced worker is picked up on the next call without any reconnect logic.
 */
import { wrap, releaseProxy, type Remote } from 'comlink';
import {
  EVENTS_CHANNEL,
  type Credentials,
  OFFLINE_KIT_METHODS,
  type ErrorCode,
  type OfflineKitApi,
  type OfflineKitEvent,
  type OfflineKitEventType,
} from '../protocol/api.js';
import { CONNECT_TYPE, NUDGE_TYPE, type NudgeReason } from '../protocol/messages.js';
import { OfflineKitError } from '../protocol/errors.js';

export type { OfflineKitApi, OfflineKitEvent, OfflineKitEventType } from '../protocol/api.js';
export * from '../protocol/api.js';
export { OfflineKitError } from '../protocol/errors.js';

export type EventOf<T extends OfflineKitEventType> = Extract<OfflineKitEvent, { type: T }>;

export interface ConnectOptions {
  /**
   * Called when the worker needs credentials (after a 401, at start when none were handed over, or while the
   * partition is locked waiting for the app's encryption key). Return the headers, the user id and — with
   * `encryptAtRest: { key: 'app' }` — the `encryptionKey` (a non-extractable AES-GCM CryptoKey; it crosses to the
   * worker by structured clone, never as bytes), or null. They are kept in the worker's memory only.
   */
  credentials?: () => Promise<Credentials | null>;
  /** Heartbeat to the worker while the page is open, ms (keeps retries going after the worker was stopped). Default 5000. 0 = off. */
  heartbeatMs?: number;
  /** The container to use (tests). Default `navigator.serviceWorker`. */
  container?: ServiceWorkerContainer;
  /**
   * How long `connect()` waits for a service worker to become active and answer a first call, ms, before it rejects
   * with `worker_unavailable`. Default 15000: a first install also downloads the app's precache.
   */
  timeoutMs?: number;
  /**
   * The promise `navigator.serviceWorker.register()` returned. When it rejects (the worker's script threw while
   * starting, e.g. `init()` refused a configuration typo), `connect()` rejects at once with the browser's reason
   * instead of waiting for the timeout.
   */
  registration?: Promise<ServiceWorkerRegistration>;
}

export interface OfflineKitClient extends OfflineKitApi {
  /** Listen to one event type, or `*` for all. Returns the unsubscribe function. */
  on<T extends OfflineKitEventType>(type: T, listener: (event: EventOf<T>) => void): () => void;
  on(type: '*', listener: (event: OfflineKitEvent) => void): () => void;
  /** Stop listening and nudging. */
  close(): void;
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_config',
  'invalid_message',
  'not_found',
  'body_too_large',
  'quota_exceeded',
  'storage_failed',
  'network',
  'timeout',
  'server_error',
  'bad_response',
  'unauthorized',
  'forbidden',
  'rejected',
  'conflict',
  'invalid_state',
  'devtools_disabled',
  'locked',
  'worker_unavailable',
  'internal',
]);

const DEFAULT_TIMEOUT_MS = 15_000;
/** Where a developer finds why the worker did not start: the browser keeps the worker's own error there. */
const WHERE_TO_LOOK =
  "The worker's own error is in its console: DevTools › Application › Service workers (Chromium: also " +
  'chrome://serviceworker-internals; Firefox: about:debugging › This Firefox › Service Workers › Inspect).';

function unavailable(message: string, reason?: string): OfflineKitError {
  return new OfflineKitError(
    'worker_unavailable',
    `${message}. ${WHERE_TO_LOOK}`,
    reason === undefined ? {} : { details: { reason } },
  );
}

/** What the browser said when registering failed (a TypeError naming the script and why, in Chromium). */
function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown reason';
}

function rebuildError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as { code?: unknown; message?: unknown; status?: unknown; details?: unknown };
  if (typeof e.code !== 'string' || !ERROR_CODES.has(e.code)) return error;
  const options: { status?: number; details?: unknown } = {};
  if (typeof e.status === 'number') options.status = e.status;
  if (e.details !== undefined) options.details = e.details;
  return new OfflineKitError(
    e.code as ErrorCode,
    typeof e.message === 'string' ? e.message : e.code,
    options,
  );
}

function isEvent(value: unknown): value is OfflineKitEvent {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

export async function connect(options: ConnectOptions = {}): Promise<OfflineKitClient> {
  const container = options.container ?? navigator.serviceWorker;

  async function call(method: keyof OfflineKitApi, args: unknown[]): Promise<unknown> {
    const registration = await container.ready;
    const worker = registration.active ?? container.controller;
    if (!worker) throw new OfflineKitError('invalid_state', 'no active service worker');
    const channel = new MessageChannel();
    worker.postMessage({ type: CONNECT_TYPE }, [channel.port2]);
    const remote = wrap<OfflineKitApi>(channel.port1) as unknown as Remote<
      Record<string, (...a: unknown[]) => Promise<unknown>>
    >;
    try {
      const fn = remote[method];
      if (!fn) throw new OfflineKitError('internal', `no method ${method}`);
      return await fn(...args);
    } catch (error) {
      throw rebuildError(error);
    } finally {
      remote[releaseProxy]();
      channel.port1.close();
    }
  }

  const listeners = new Map<string, Set<(event: OfflineKitEvent) => void>>();
  const channel = new BroadcastChannel(EVENTS_CHANNEL);
  channel.onmessage = (message: MessageEvent<unknown>) => {
    const event = message.data;
    if (!isEvent(event)) return;
    for (const key of [event.type, '*']) {
      for (const listener of listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch (error) {
          console.error('[offline-kit] an event listener threw', error);
        }
      }
    }
  };

  const nudge = (reason: NudgeReason): void => {
    const target = container.controller;
    target?.postMessage({ type: NUDGE_TYPE, reason });
  };
  const onOnline = (): void => nudge('online');
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') nudge('resume');
  };
  window.addEventListener('online', onOnline);
  document.addEventListener('visibilitychange', onVisible);
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const heartbeat = heartbeatMs > 0 ? setInterval(() => nudge('heartbeat'), heartbeatMs) : null;

  const api = {} as OfflineKitApi;
  for (const method of OFFLINE_KIT_METHODS) {
    (api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method] = (
      ...args: unknown[]
    ) => call(method, args);
  }

  try {
    await reachWorker(container, api, options);
  } catch (error) {
    channel.close();
    window.removeEventListener('online', onOnline);
    document.removeEventListener('visibilitychange', onVisible);
    if (heartbeat !== null) clearInterval(heartbeat);
    throw error;
  }

  const provide = options.credentials;
  let providing = false;
  const offCredentials = provide
    ? addListener(listeners, 'credentials-needed', () => {
        if (providing) return;
        providing = true;
        provide()
          .then((creds) => (creds ? api.setCredentials(creds) : undefined))
          .catch((error: unknown) => console.error('[offline-kit] credentials provider failed', error))
          .finally(() => {
            providing = false;
          });
      })
    : () => undefined;

  // A restarted worker has forgotten credentials (they live in its memory only): hand them over on every connect.
  if (provide) {
    try {
      const creds = await provide();
      if (creds) await api.setCredentials(creds);
    } catch (error) {
      console.error('[offline-kit] credentials provider failed', error);
    }
  }

  const client: OfflineKitClient = {
    ...api,
    on(type: string, listener: (event: never) => void): () => void {
      return addListener(listeners, type, listener as (event: OfflineKitEvent) => void);
    },
    close() {
      offCredentials();
      channel.close();
      listeners.clear();
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onVisible);
      if (heartbeat !== null) clearInterval(heartbeat);
    },
  };
  return client;
}

/**
 * Waits until a service worker is active for this page and answers a first call. A worker whose script throws while
 * starting is never installed: `navigator.serviceWorker.ready` then never settles, and without this every call (and
 * so sign-in) would wait forever.
 */
async function reachWorker(
  container: ServiceWorkerContainer,
  api: OfflineKitApi,
  options: ConnectOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let active = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        active
          ? unavailable(
              `The service worker did not answer within ${timeoutMs} ms: does its script call init() from @offline-kit/sw?`,
            )
          : unavailable(`No service worker became active for this page within ${timeoutMs} ms`),
      );
    }, timeoutMs);
  });
  // Settles only when registering fails: a registration that succeeded still has to become active and answer.
  const refused = new Promise<never>((_, reject) => {
    options.registration?.catch((error: unknown) => {
      const reason = reasonOf(error);
      reject(unavailable(`The service worker could not be registered: ${reason}`, reason));
    });
  });
  try {
    await Promise.race([container.ready, timeout, refused]);
    active = true;
    // Any answer will do, an error included (a page outside the worker's scope is refused, and says so on each call).
    await Promise.race([api.getStatus().catch(() => undefined), timeout, refused]);
  } finally {
    clearTimeout(timer);
  }
}

function addListener(
  listeners: Map<string, Set<(event: OfflineKitEvent) => void>>,
  type: string,
  listener: (event: OfflineKitEvent) => void,
): () => void {
  let set = listeners.get(type);
  if (!set) {
    set = new Set();
    listeners.set(type, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}
