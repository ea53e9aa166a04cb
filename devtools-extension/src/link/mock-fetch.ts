import type { MockRequest, MockResponse } from '../protocol/relay.js';

/**
 * Calls one of server-mock's control endpoints on the page's own origin (same cookies, same proxy as the app) and
 * returns the status with the parsed JSON body (null when there is none or it is not JSON).
 */
export async function performMock(
  request: MockRequest,
  origin: string,
  fetchFn: typeof fetch = fetch,
): Promise<MockResponse> {
  // server-mock answers its control API only with this header, which a cross-site form cannot send.
  const headers: Record<string, string> = { 'X-Offline-Kit-Mock': '1' };
  const init: RequestInit = {
    method: request.method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers,
  };
  if (request.method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(request.body);
  }
  const response = await fetchFn(new URL(request.path, origin).href, init);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body };
}
