/** Reading fields out of queued bodies (bytes + content type) and writing JSON/form bodies back after a rewrite. */
import type { JsonRecord } from '../../protocol/config.js';
import { isObject } from '../../protocol/wire-guards.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const t = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return t === 'application/json' || t.endsWith('+json');
}

export function isFormType(contentType: string | null): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

export function isMultipartType(contentType: string | null): boolean {
  return (contentType ?? '').toLowerCase().startsWith('multipart/form-data');
}

export function isTextType(contentType: string | null): boolean {
  const t = (contentType ?? '').toLowerCase();
  return t.startsWith('text/') || isJsonType(contentType) || isFormType(contentType);
}

/** Parsed JSON body, or undefined when the body is not JSON or does not parse. */
export function parseJsonBody(bytes: ArrayBuffer | null, contentType: string | null): unknown {
  if (!bytes || !isJsonType(contentType)) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The fields a body sets on its record, for the optimistic local copy: JSON objects as they are, forms as string
 * fields (as the server stores them, PROTOCOL.md §5), null for anything else (binary bodies).
 */
export async function bodyFields(
  bytes: ArrayBuffer | null,
  contentType: string | null,
): Promise<JsonRecord | null> {
  if (!bytes) return null;
  if (isJsonType(contentType)) {
    const parsed = parseJsonBody(bytes, contentType);
    return isObject(parsed) ? parsed : null;
  }
  if (isFormType(contentType)) return Object.fromEntries(new URLSearchParams(decoder.decode(bytes)));
  if (isMultipartType(contentType) && contentType) {
    try {
      const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
      const out: JsonRecord = {};
      for (const [k, v] of form) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      return null;
    }
  }
  return null;
}

export function encodeJson(value: unknown): ArrayBuffer {
  return encoder.encode(JSON.stringify(value)).buffer;
}

/** Re-encodes rewritten fields in the body's own format; null when the format cannot be rewritten (multipart, binary). */
export function encodeFields(
  fields: Record<string, unknown>,
  contentType: string | null,
): ArrayBuffer | null {
  if (isJsonType(contentType)) return encodeJson(fields);
  if (isFormType(contentType)) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) params.append(k, String(v));
    return encoder.encode(params.toString()).buffer;
  }
  return null;
}

export function decodeText(bytes: ArrayBuffer): string {
  return decoder.decode(bytes);
}
