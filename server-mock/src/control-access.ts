import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { HttpError } from './http/errors.js';

/**
 * The header every `/__mock/*` request must carry. A cross-site form, a no-cors fetch or an `<img>` cannot set a
 * custom header, and a cross-origin fetch that sets one needs a CORS preflight, which the mock never grants.
 */
export const CONTROL_HEADER = 'X-Offline-Kit-Mock';
export const CONTROL_HEADER_VALUE = '1';

/** Who may use the control API: loopback only (the default), anyone who can reach the server, or no one. */
export type ControlAccess = 'loopback' | 'remote' | 'off';

/** Whether `host` (as given to `listen`) is a loopback interface: 127.0.0.0/8, ::1 or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) {
    if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return mapped?.[1] !== undefined && mapped[1].startsWith('127.');
  }
  return false;
}

/** The one-line refusal of `startServer` for a host beyond loopback with the control API on. */
export function remoteControlRefusal(host: string): string {
  return (
    `refusing to listen on ${host} with the control API (/__mock/*) on: anyone who can reach it could reset the ` +
    `data, sign users out and read every user's records. Pass --allow-remote-control ` +
    `(MOCK_ALLOW_REMOTE_CONTROL=1) to allow it, or --no-control (MOCK_NO_CONTROL=1) to switch the control API off`
  );
}

const refuse = (code: string, message: string, details?: unknown): HttpError =>
  new HttpError(403, code, message, details);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Throws 403 unless the request comes from someone entitled to drive the mock: it carries the control header, is not
 * marked cross-site by the browser, comes from the server's own origin when it names one, and — when only loopback
 * may use the API — was addressed to a loopback name, so a page whose DNS name was rebound to 127.0.0.1 (and so is
 * "same-origin" with the server, header and all) is still refused.
 */
export function checkControlAccess(req: IncomingMessage, access: Exclude<ControlAccess, 'off'>): void {
  if (header(req, CONTROL_HEADER) !== CONTROL_HEADER_VALUE) {
    throw refuse(
      'control_header_required',
      `the control API needs the header ${CONTROL_HEADER}: ${CONTROL_HEADER_VALUE} on every request`,
      { header: CONTROL_HEADER, value: CONTROL_HEADER_VALUE },
    );
  }
  if (header(req, 'sec-fetch-site') === 'cross-site') {
    throw refuse('cross_site', 'the control API does not answer cross-site requests');
  }
  const host = parseHost(header(req, 'host'));
  if (host === undefined) throw refuse('bad_host', 'the control API needs a valid Host header');
  const origin = header(req, 'origin');
  if (origin !== undefined && !isOwnOrigin(origin, host)) {
    throw refuse('foreign_origin', `the control API answers only its own origin, not ${origin}`);
  }
  // Browsers resolve *.localhost to loopback themselves, so no DNS answer can point such a name elsewhere.
  const loopbackName = isLoopbackHost(host.hostname) || host.hostname.endsWith('.localhost');
  if (access === 'loopback' && !loopbackName) {
    throw refuse(
      'bad_host',
      `the control API answers only requests addressed to localhost or a loopback address, not ${host.hostname}`,
    );
  }
}

const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** A Host header as URL parts (`host` without a default port), or undefined when it is no plain host[:port]. */
function parseHost(value: string | undefined): { host: string; hostname: string } | undefined {
  if (value === undefined || !HOST_HEADER.test(value)) return undefined;
  try {
    const url = new URL(`http://${value}`);
    return { host: url.host, hostname: url.hostname };
  } catch {
    return undefined;
  }
}

/** `Origin: null` (sandboxed frames, file: pages) and anything unparsable are foreign. */
function isOwnOrigin(origin: string, own: { host: string }): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === own.host;
  } catch {
    return false;
  }
}
