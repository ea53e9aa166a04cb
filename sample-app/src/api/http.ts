/**
 * The app's own calls to its REST API: ordinary `fetch`, which the service worker answers from the network or, when
 * that fails, from its local copy (reads) and its queue (writes, answered `202`). Nothing here knows about Offline Kit
 * beyond reading the headers it adds to answers it makes itself.
 */
import { HEADERS } from '@offline-kit/sw/protocol';
import { isObject } from './types.js';
import { getToken } from '../app/session.js';

export type Source = 'network' | 'local' | 'queued';

export interface ApiAnswer {
  status: number;
  body: unknown;
  source: Source;
  /** Epoch ms of the last sync of the collection when the answer came from the local copy. */
  lastSyncAt: number | null;
  /** The queued write's id when the service worker queued the write instead of sending it. */
  writeId: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Told when the API answers 401, so the app can send the technician back to sign-in. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

let writesInFlight = 0;
const inFlightListeners = new Set<(count: number) => void>();

/**
 * Told how many writes the page is waiting on. The worker's queue only learns of a write once its answer is on the
 * way back, so "All changes saved" during a slow save would be a lie without the page's own count.
 */
export function onWritesInFlight(listener: (count: number) => void): () => void {
  inFlightListeners.add(listener);
  return () => inFlightListeners.delete(listener);
}

function setWritesInFlight(delta: number): void {
  writesInFlight += delta;
  for (const listener of inFlightListeners) listener(writesInFlight);
}

export async function api(path: string, init: RequestInit = {}): Promise<ApiAnswer> {
  const write = (init.method ?? 'GET').toUpperCase() !== 'GET';
  if (!write) return request(path, init);
  setWritesInFlight(1);
  try {
    return await request(path, init);
  } finally {
    setWritesInFlight(-1);
  }
}

async function request(path: string, init: RequestInit): Promise<ApiAnswer> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (typeof init.body === 'string' && !headers.has('Content-Type'))
    headers.set('Content-Type', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached and no local copy is available.');
  }
  const body = await readBody(response);
  if (!response.ok) {
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    const code = isObject(body) && typeof body.error === 'string' ? body.error : `http_${response.status}`;
    const message =
      isObject(body) && typeof body.message === 'string'
        ? body.message
        : `The server answered ${response.status}.`;
    throw new ApiError(response.status, code, message, isObject(body) ? body.details : undefined);
  }
  return {
    status: response.status,
    body,
    source: sourceOf(response.headers.get(HEADERS.source)),
    lastSyncAt: parseTime(response.headers.get(HEADERS.lastSync)),
    writeId: response.headers.get(HEADERS.writeId),
  };
}

async function readBody(response: Response): Promise<unknown> {
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return (await response.json()) as unknown;
  } catch {
    return null;
  }
}

function sourceOf(header: string | null): Source {
  return header === 'local' || header === 'queued' ? header : 'network';
}

function parseTime(header: string | null): number | null {
  if (!header) return null;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : at;
}

export function jsonBody(value: unknown): RequestInit {
  return { body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } };
}
