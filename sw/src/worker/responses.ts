import { HEADERS } from '../protocol/wire.js';
/** Answers the module makes itself: JSON with the protocol's error shape and Offline Kit's headers. */

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return jsonBody(status, JSON.stringify(body), headers);
}

/** `json` for a body already serialised (an answer kept in memory). */
export function jsonBody(
  status: number,
  body: string | Blob,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(status: number, error: string, message: string, details?: unknown): Response {
  return json(status, { error, message, details: details ?? {} }, { [HEADERS.source]: 'offline-kit' });
}

/** A copy of a network answer with extra headers (a fetched Response's headers are immutable). */
export function withHeaders(
  response: Response,
  body: BodyInit | null,
  extra: Record<string, string>,
): Response {
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  if (body !== null) headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
