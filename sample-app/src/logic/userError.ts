/**
 * A failed request in the technician's words. The server's own message (and server-mock's fault notes such as
 * "failNext: …") is developer text: it goes to the console, never on screen.
 */
import { ApiError } from '../api/http.js';

export function inUserWords(reason: unknown): string {
  if (!(reason instanceof ApiError)) return 'Something went wrong. Try again.';
  const status = reason.status;
  if (status === 0) return 'The server could not be reached, and there is no copy on this device yet.';
  if (status === 401) return 'Your session expired. Sign in again.';
  if (status === 403) return 'You are not allowed to see this.';
  if (status === 404 || status === 410) return 'It is not on the server any more.';
  if (status === 408 || status === 504) return 'The server took too long to answer. Try again in a moment.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return 'The server refused the request.';
}
