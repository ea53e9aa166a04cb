/**
 * Requests while the partition is locked (`encryptAtRest: { key: 'app' }`, the page has not handed the key over yet):
 * nothing may be read from or written to the local copy, so reads go to the network as if Offline Kit were not there,
 * and writes go straight through (as the protocol wants them: with an Idempotency-Key) only when nothing of theirs
 * waits in the queue. A write that would have to be queued is refused `503 locked` — never accepted without being
 * stored.
 */
import type { Engine } from '../core/engine.js';
import type { ApiPath } from './paths.js';
import { errorResponse } from './responses.js';
import { HEADERS } from '../protocol/wire.js';

const MESSAGE = 'Offline data is locked until the app hands over its encryption key (sign in again)';

export async function lockedAnswer(engine: Engine, path: ApiPath, request: Request): Promise<Response> {
  if (request.method.toUpperCase() === 'GET') return fetch(request);
  const refs = [...new URL(request.url).searchParams.values()].filter((r) => r !== path.id);
  // Offline, paused, or queued writes of this record (or a parent it names) ahead of it: it would have to be queued.
  if (await engine.mustQueue(path.collection.name, path.id, refs))
    return errorResponse(503, 'locked', MESSAGE);
  // Every write of the protocol carries an Idempotency-Key; If-Match only when the page sent one (the local version is
  // sealed), so the server applies it as last write wins.
  const headers = new Headers(request.headers);
  if (!headers.has(HEADERS.idempotencyKey)) headers.set(HEADERS.idempotencyKey, crypto.randomUUID());
  try {
    return await fetch(new Request(request, { headers }));
  } catch {
    return errorResponse(503, 'locked', MESSAGE);
  }
}
