/**
 * Offline Kit inside a service worker. One call, at the top level of the worker script:
 *
 *   import { init } from '@offline-kit/sw';
 *   init({ apiBase: '/api', collections: { 'work-orders': { policy: 'read-write-conflict' } } });
 *
 * Routes are registered on workbox-routing's default router, so a Workbox-built worker keeps its own precaching and
 * routes beside ours. A wrong configuration throws `OfflineKitError('invalid_config')` naming the offending key.
 */
import { registerRoute } from 'workbox-routing';
import type { OfflineKitConfig } from '../protocol/config.js';
import type { SyncTrigger } from '../protocol/api.js';
import { isObject } from '../protocol/wire-guards.js';
import { validateConfig } from '../core/config.js';
import type { Engine } from '../core/engine.js';
import { WorkerApi } from './api-impl.js';
import { apiSurface, installErrorTransfer, isConnect, refuseCall, serveCall } from './comlink-port.js';
import { CONNECT_TYPE, NUDGE_TYPE, SYNC_TAG } from '../protocol/messages.js';
import { isDevtoolsConnect, serveDevtools } from './devtools-bridge.js';
import { EventHub } from './events.js';
import { parseApiPath } from './paths.js';
import { lockedAnswer } from './keys.js';
import { EarlyRead, handleRead } from './reads.js';
import { errorResponse } from './responses.js';
import { Runtime } from './runtime.js';
import { handleWrite } from './writes.js';

export type * from '../protocol/config.js';
export type * from '../protocol/api.js';
export { OfflineKitError } from '../protocol/errors.js';
export { threeWayMerge } from '../core/model/records.js';
export { CONNECT_TYPE, NUDGE_TYPE, SYNC_TAG };

declare const self: ServiceWorkerGlobalScope;

interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}

export interface OfflineKitHandle {
  /** The API pages get over comlink, for code inside the service worker itself. */
  api: WorkerApi;
}

let started = false;

/** A window or worker client whose URL lies inside this registration's scope. */
function inScope(source: ExtendableMessageEvent['source']): boolean {
  if (!source || !('url' in source) || typeof source.url !== 'string') return false;
  return source.url.startsWith(self.registration.scope);
}

/** A request we keep nothing of: straight to the network, and a typed 503 when the network is not there. */
async function passThrough(request: Request, early: EarlyRead | null): Promise<Response> {
  try {
    return await (early ? early.take() : fetch(request));
  } catch {
    return errorResponse(
      503,
      'network',
      'offline, and this request carries credentials of no signed-in user: nothing is kept for it on this device',
    );
  }
}

export function init(config: OfflineKitConfig): OfflineKitHandle {
  const resolved = validateConfig(config);
  if (started) throw new Error('Offline Kit: init() was called twice in this service worker');
  started = true;
  installErrorTransfer();

  const hub = new EventHub();
  // The engine's status knows nothing of the browser's storage estimate (the worker asks for it in `getStatus`):
  // a status event carries the last estimate, or every event turned the panel's storage card to "unknown".
  let estimates: WorkerApi | null = null;
  const runtime = new Runtime(resolved, (e) =>
    hub.emit(
      e.type === 'status' ? { ...e, status: { ...e.status, storage: estimates?.lastStorage ?? null } } : e,
    ),
  );
  const host = self.location.hostname;
  runtime.devtools = resolved.devtools ?? (host === 'localhost' || host === '127.0.0.1' || host === '[::1]');
  const api = new WorkerApi(runtime, () => {
    // A unit named `login` is what the app wants after sign-in (the seed's pattern); otherwise everything.
    void runtime.engine().then((e) => e.sync(resolved.syncUnits.has('login') ? 'login' : 'all', 'login'));
  });
  estimates = api;
  const surface = apiSurface(api);
  const origin = self.location.origin;

  // One Background Sync registration stands for every write queued until its `sync` event: registering again per
  // write was a browser round trip on each offline write for nothing. Forgotten when the event fires (the browser
  // drops the tag once it has run) or when registering fails, so the next write registers again.
  let syncRegistered = false;
  const scheduleReplay = (engine: Engine): void => {
    // The browser wakes us when connectivity returns; our own loop covers a server that is down while online.
    const registration = self.registration as ServiceWorkerRegistration & {
      sync?: { register(tag: string): Promise<void> };
    };
    if (!syncRegistered && registration.sync) {
      syncRegistered = true;
      registration.sync.register(SYNC_TAG).catch(() => {
        syncRegistered = false;
      });
    }
    if (engine.online) void engine.sync('all', 'write');
  };

  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    registerRoute(
      ({ url }) => parseApiPath(resolved, url, origin) !== null,
      async ({ request, url, event }) => {
        const path = parseApiPath(resolved, url, origin);
        // A cold start: the read goes to the network while the partition opens (see EarlyRead).
        const early =
          method === 'GET' && path && !runtime.ready ? EarlyRead.send(path, request, navigator.onLine) : null;
        try {
          if (!path) return await fetch(request);
          const engine = await runtime.engineFor(request);
          // Credentials that are not the signed-in user's: nothing of this request is kept or answered locally.
          if (!engine) return await passThrough(request, early);
          if (engine.locked) {
            return method === 'GET' && early ? await early.take() : await lockedAnswer(engine, path, request);
          }
          if (method === 'GET') {
            return await handleRead(engine, path, request, (p) => event.waitUntil(p), early);
          }
          if (!path.collection.writable || (method === 'POST') !== (path.id === null))
            return await fetch(request);
          return await handleWrite(engine, path, request, { scheduleReplay });
        } catch (error) {
          // Never let a bad request or a storage failure crash the worker: answer with a typed error.
          console.error('[offline-kit] request failed', error);
          return errorResponse(500, 'internal', error instanceof Error ? error.message : String(error));
        } finally {
          early?.dropUnlessTaken();
        }
      },
      method,
    );
  }

  self.addEventListener('sync', (event: Event) => {
    const e = event as SyncEvent;
    if (e.tag !== SYNC_TAG) return;
    syncRegistered = false;
    e.waitUntil(
      runtime.engine().then(async (engine) => {
        const summary = await engine.sync('all', 'background-sync');
        // Rejecting tells the browser to try again later; our own retry loop runs meanwhile.
        if (summary.outcome === 'failed' && !engine.paused)
          throw new Error('Offline Kit: replay did not finish');
      }),
    );
  });

  let lastInterval = Date.now();
  self.addEventListener('message', (event: ExtendableMessageEvent) => {
    const data: unknown = event.data;
    const port = event.ports[0];
    // Only pages this worker controls may talk to it: a same-origin page outside its scope (another app on the
    // origin) has no business with this app's queue, data or credentials.
    if (!inScope(event.source)) {
      if (port && isConnect(data)) refuseCall(port, "this page is outside the service worker's scope");
      else port?.close();
      return;
    }
    if (isConnect(data) && port) {
      event.waitUntil(serveCall(surface, port));
      return;
    }
    if (isDevtoolsConnect(data) && port) {
      event.waitUntil(serveDevtools(surface, port, hub, runtime.devtools, self.registration.scope));
      return;
    }
    if (isObject(data) && data.type === NUDGE_TYPE) {
      const reason = data.reason;
      event.waitUntil(
        runtime.engine().then(async (engine) => {
          const t = resolved.triggers;
          let trigger: SyncTrigger | null = null;
          if (reason === 'online' && t.onOnline) trigger = 'online';
          else if (reason === 'resume' && t.onResume) trigger = 'resume';
          else if (reason === 'heartbeat') {
            if (t.intervalMs > 0 && Date.now() - lastInterval >= t.intervalMs) {
              lastInterval = Date.now();
              trigger = 'interval';
            } else trigger = 'retry';
          }
          if (trigger) await engine.nudge(trigger);
        }),
      );
    }
  });

  if (resolved.triggers.onStart) {
    void runtime
      .engine()
      .then(async (engine) => {
        // Writes to send, or records a schema migration dropped to pull again.
        if (((await engine.queuedWrites()) > 0 || (await engine.resyncing())) && engine.online)
          await engine.sync('all', 'start');
      })
      .catch((error: unknown) => console.error('[offline-kit] start-up failed', error));
  }
  return { api };
}
