import type { ServerResponse } from 'node:http';
import type { HttpError } from './errors.js';
import { sendBytes, sendJson } from './respond.js';

/** An answer not sent yet, so a fault can still decide to drop the connection instead (drop after commit). */
export type Reply =
  | { status: number; headers: Record<string, string>; json: unknown }
  | { status: number; headers: Record<string, string>; bytes: Buffer; contentType: string };

export function jsonReply(status: number, json: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, json };
}

export function errorReply(error: HttpError): Reply {
  return { status: error.status, headers: error.headers, json: error.toBody() };
}

export function send(
  res: ServerResponse,
  reply: Reply,
  extraHeaders: Record<string, string>,
  headOnly = false,
): void {
  const headers = { ...extraHeaders, ...reply.headers };
  if ('json' in reply) sendJson(res, reply.status, reply.json, headers);
  else sendBytes(res, reply.status, reply.bytes, { ...headers, 'Content-Type': reply.contentType }, headOnly);
}
