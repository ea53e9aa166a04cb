/**
 * The one seam between the page and Offline Kit's page client. The rest of the app talks to `Kit`, so it can be
 * rendered in tests with a fake and survives changes to the client's surface.
 */
import type { OfflineKitApi, OfflineKitEvent } from '@offline-kit/sw/api';
import { connect } from '@offline-kit/sw/client';

export interface Kit extends OfflineKitApi {
  /** Every event the service worker publishes; returns the unsubscribe. */
  subscribe(listener: (event: OfflineKitEvent) => void): () => void;
}

let connecting: Promise<Kit> | null = null;

/** Connects once per page; the service worker must be registered first (see `main.tsx`). */
export function getKit(): Promise<Kit> {
  connecting ??= connect();
  return connecting;
}
