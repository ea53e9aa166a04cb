import type { ServerResponse } from 'node:http';
import type { HttpError } from './errors.js';
import { sendJson } from './respond.js';

/** An answer of server-mock's own routes (sign-in, `/__mock/*`), not sent yet. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  json: unknown;
}

export function jsonReply(status: number, json: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, json };
}

export function errorReply(error: HttpError): Reply {
  return { status: error.status, headers: error.headers, json: error.toBody() };
}

/** Node leaves the body out of an answer to HEAD by itself. */
export function send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string>): void {
  sendJson(res, reply.status, reply.json, { ...extraHeaders, ...reply.headers });
}
