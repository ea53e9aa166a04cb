/**
 * The demo panel's calls to server-mock's control API (docs/ARCHITECTURE.md, `/__mock/*`). Not part of the app's data:
 * these go straight to the server, outside `/api`, so Offline Kit neither caches nor queues them.
 */
import { isObject } from './types.js';

export interface Faults {
  latencyMs?: number;
  failNext?: { count: number; status: number; pathPrefix?: string };
  unreachableForMs?: number;
}

async function control(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`/__mock/${path}`, {
    ...init,
    // server-mock answers its control API only with this header, which a cross-site form cannot send.
    headers: { 'X-Offline-Kit-Mock': '1', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  if (!response.ok) throw new Error(`The demo server refused ${path} (${response.status}).`);
  return (await response.json().catch(() => null)) as unknown;
}

export async function setFaults(faults: Faults): Promise<void> {
  await control('faults', { method: 'POST', body: JSON.stringify(faults) });
}

export async function clearFaults(): Promise<void> {
  await control('faults', { method: 'DELETE' });
}

export async function readFaults(): Promise<Record<string, unknown>> {
  const state = await control('state');
  return isObject(state) && isObject(state.faults) ? state.faults : {};
}

/** "Another user edits this work order": changes it on the server as someone else, bumping its version. */
export async function editAsAnotherUser(
  collection: string,
  id: string,
  patch: Record<string, unknown>,
): Promise<void> {
  await control('edit', {
    method: 'POST',
    body: JSON.stringify({ collection, id, patch }),
  });
}

/** Whether this server is server-mock at all: a production backend has no control API, and the panel hides. */
export async function hasMockControl(): Promise<boolean> {
  try {
    await control('state');
    return true;
  } catch {
    return false;
  }
}
