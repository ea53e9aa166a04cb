/**
 * The one seam between the page and Offline Kit's page client. The rest of the app talks to `Kit`, so it survives
 * changes to the client's surface and can be replaced by a fake.
 */
import type { OfflineKitApi, OfflineKitEvent } from '@offline-kit/sw/api';
import { connect } from '@offline-kit/sw/client';
import { subscribeToEvents } from './events.js';

export interface Kit extends OfflineKitApi {
  /** Every event the service worker publishes; returns the unsubscribe. */
  subscribe(listener: (event: OfflineKitEvent) => void): () => void;
}

let connecting: Promise<Kit> | null = null;

/** Connects once per page, after a service worker controls it (the client talks to the controller). */
export function getKit(): Promise<Kit> {
  connecting ??= connectKit();
  return connecting;
}

async function connectKit(): Promise<Kit> {
  await controlled();
  const api: OfflineKitApi = await connect();
  return Object.assign(Object.create(api) as OfflineKitApi, { subscribe: subscribeToEvents });
}

async function controlled(): Promise<void> {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise<void>((resolve) =>
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
  );
}
