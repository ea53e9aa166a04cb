import type { ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

export type Headers = Record<string, string>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown, headers: Headers = {}): void {
  const httpError =
    error instanceof HttpError
      ? error
      : new HttpError(500, 'internal_error', 'the server failed to handle this request');
  if (!(error instanceof HttpError)) console.error('[server-mock] unexpected error', error);
  sendJson(res, httpError.status, httpError.toBody(), { ...headers, ...httpError.headers });
}
