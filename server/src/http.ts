import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormFields } from './collections.js';
import { HttpError, invalidBody } from './errors.js';

/**
 * Reads a request body of at most `limit` bytes. A body over the limit is refused with 413 as soon as the limit is
 * crossed (or at once when Content-Length announces it), without keeping more than `limit` bytes; the connection is
 * closed after the answer, so one oversized upload cannot stall the server. A body a framework already parsed
 * (Express's `express.json()`, Fastify) is taken from `req.body` instead: the stream is then empty.
 */
export async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const tooLarge = (): HttpError => {
    res.setHeader('Connection', 'close');
    return new HttpError(413, 'body_too_large', `the body is larger than ${limit} bytes`, { limit });
  };
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) {
    if (parsed.byteLength > limit) throw tooLarge();
    return parsed;
  }
  if (typeof parsed === 'string') return Buffer.from(parsed);
  if (parsed !== undefined && req.readableEnded) {
    const text = Buffer.from(JSON.stringify(parsed));
    if (text.byteLength > limit) throw tooLarge();
    return text;
  }
  // A framework read the stream and kept nothing (an empty body): there is nothing left to wait for.
  if (req.readableEnded) return Buffer.alloc(0);
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    req.resume();
    throw tooLarge();
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on('data', (chunk: Buffer) => {
      if (overflow) return;
      size += chunk.byteLength;
      if (size > limit) {
        overflow = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!overflow) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      if (!overflow) reject(error);
    });
  });
}

/** Lower-case `type/subtype` without parameters, or null. */
export function mediaType(header: string | undefined): string | null {
  if (!header) return null;
  const type = header.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : null;
}

export function isJsonMediaType(type: string | null): boolean {
  return type !== null && (type === 'application/json' || type.endsWith('+json'));
}

export function parseJson(bytes: Buffer, code = 'invalid_json'): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new HttpError(400, code, `the body is not valid JSON: ${reason}`);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** An `application/x-www-form-urlencoded` body as its fields. */
export function parseUrlEncoded(bytes: Buffer): FormFields {
  const fields: FormFields = new Map();
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) append(fields, name, value);
  return fields;
}

/** Parses `multipart/form-data` with the platform's own parser; file parts are refused (only text fields are records). */
export async function parseMultipart(bytes: Buffer, contentType: string): Promise<FormFields> {
  let data: FormData;
  try {
    // A copy into a plain ArrayBuffer: what the platform's Response takes as a body.
    const body = new Uint8Array(bytes).buffer;
    data = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(400, 'invalid_body', 'the multipart body does not parse', { field: null });
  }
  const fields: FormFields = new Map();
  let filePart: string | null = null;
  data.forEach((value, name) => {
    if (typeof value === 'string') append(fields, name, value);
    else filePart ??= name;
  });
  if (filePart !== null) throw invalidBody(filePart, 'file parts are not accepted here');
  return fields;
}

function append(fields: FormFields, name: string, value: string): void {
  const values = fields.get(name);
  if (values) values.push(value);
  else fields.set(name, [value]);
}
