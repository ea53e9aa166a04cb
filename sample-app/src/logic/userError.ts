/**
 * A failed request in the technician's words. The server's own message (and server-mock's fault notes such as
 * "failNext: …") is developer text: it goes to the console, never on screen.
 */
import { ApiError } from '../api/http.js';
import { isObject } from '../api/types.js';

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

/**
 * A failed save in the technician's words: `what` ("The note") could not be saved, and why as far as a person can act
 * on it (which field the server refused, someone else's change, try again later). Never the server's own text.
 */
export function savingInUserWords(reason: unknown, what: string): string {
  const failed = `${what} could not be saved`;
  if (!(reason instanceof ApiError)) return `${failed}. Try again.`;
  const status = reason.status;
  if (status === 0) return `${failed}: the server could not be reached. Try again when you are online.`;
  if (status === 400 || status === 422) {
    const field =
      isObject(reason.details) && typeof reason.details.field === 'string' ? reason.details.field : null;
    return field
      ? `${failed}: the server did not accept “${field}”. Check it and try again.`
      : `${failed}: the server did not accept it. Check what you entered and try again.`;
  }
  if (status === 409 || status === 412)
    return `${failed}: someone else changed it meanwhile. Reload it and try again.`;
  return `${failed}: ${lowerFirst(inUserWords(reason))}`;
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);
