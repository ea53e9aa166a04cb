import { HttpError } from '../http/errors.js';

/** The sync API's base path. */
export const API_BASE = '/api';

export interface ApiPath {
  collection: string;
  id: string | null;
  /** A sub-resource after the id (`content` of a photo). */
  sub: string | null;
}

/** Splits `/api/<collection>[/<id>[/<sub>]]`; null for anything else. */
export function parseApiPath(pathname: string): ApiPath | null {
  if (!pathname.startsWith(`${API_BASE}/`)) return null;
  const parts = pathname.slice(API_BASE.length + 1).split('/');
  if (parts.length > 3 || parts.some((part) => part === '')) return null;
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    throw new HttpError(400, 'invalid_path', `the path ${pathname} is not valid percent-encoding`);
  }
  const [collection = '', id = null, sub = null] = decoded;
  return { collection, id, sub };
}

export function recordPath(collection: string, id: string): string {
  return `${API_BASE}/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`;
}
