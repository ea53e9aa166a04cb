/**
 * The one seam between the page and Offline Kit's page client. The rest of the app talks to `Kit`, so it survives
 * changes to the client's surface and can be replaced by a fake.
 */
import type { OfflineKitApi, OfflineKitEvent } from '@offline-kit/sw/protocol';
import { connect } from '@offline-kit/sw/client';
import { loadSession } from '../app/session.js';
import { toKitEvent } from './events.js';

export interface Kit extends OfflineKitApi {
  /** Every event the service worker publishes, each checked by `toKitEvent`; returns the unsubscribe. */
  subscribe(listener: (event: OfflineKitEvent) => void): () => void;
}

let connecting: Promise<Kit> | null = null;

/** Connects once per page, after a service worker controls it. */
export function getKit(): Promise<Kit> {
  connecting ??= connectKit();
  return connecting;
}

async function connectKit(): Promise<Kit> {
  await controlled();
  const client = await connect({
    // The worker keeps credentials in memory only; it asks again after a restart, and this answers from the session.
    credentials: () => Promise.resolve(currentCredentials()),
  });
  return {
    ...client,
    subscribe: (listener) =>
      client.on('*', (raw: unknown) => {
        const event = toKitEvent(raw);
        if (event) listener(event);
      }),
  };
}

export function currentCredentials(): { headers: Record<string, string>; user: string } | null {
  const session = loadSession();
  return session ? { headers: { Authorization: `Bearer ${session.token}` }, user: session.user.id } : null;
}

async function controlled(): Promise<void> {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise<void>((resolve) =>
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
  );
}
