import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Reads a request body of at most `limit` bytes.
 *
 * Contract: a body over the limit is refused with 413 as soon as the limit is crossed (or at once when
 * Content-Length announces it), without keeping more than `limit` bytes in memory; the rest of the upload is read and
 * discarded, and the connection is closed after the answer, so one oversized request cannot stall the server.
 */
export async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const tooLarge = (): HttpError => {
    // The client may still be sending: close after answering rather than reading an unbounded upload.
    res.setHeader('Connection', 'close');
    return new HttpError(413, 'body_too_large', `the body is larger than ${limit} bytes`, { limit });
  };
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

export interface MediaType {
  /** Lower-case `type/subtype`, without parameters. */
  type: string;
  params: Record<string, string>;
}

export function parseMediaType(header: string | undefined): MediaType | null {
  if (!header) return null;
  const [rawType, ...rawParams] = header.split(';');
  const type = rawType?.trim().toLowerCase() ?? '';
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) return null;
  const params: Record<string, string> = {};
  for (const raw of rawParams) {
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const name = raw.slice(0, eq).trim().toLowerCase();
    let value = raw.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    params[name] = value;
  }
  return { type, params };
}

export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/** Parses JSON text, answering 400 `invalid_json` (or the given code) when it does not parse. */
export function parseJson(bytes: Buffer, code = 'invalid_json'): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new HttpError(400, code, `the body is not valid JSON: ${reason}`);
  }
}
