/** Which requests are ours: same-origin, under `apiBase`, naming a configured collection (and maybe a record). */
import type { ResolvedCollection, ResolvedConfig } from '../core/config.js';

export interface ApiPath {
  collection: ResolvedCollection;
  /** null for the collection itself. */
  id: string | null;
}

export function parseApiPath(config: ResolvedConfig, url: URL, origin: string): ApiPath | null {
  if (url.origin !== origin) return null;
  const base = config.apiBase === '/' ? '' : config.apiBase;
  if (!url.pathname.startsWith(`${base}/`)) return null;
  const parts = url.pathname.slice(base.length + 1).split('/');
  if (parts.length > 2 || parts[0] === undefined) return null;
  let name: string;
  let id: string | null = null;
  try {
    name = decodeURIComponent(parts[0]);
    if (parts[1] !== undefined) id = decodeURIComponent(parts[1]);
  } catch {
    return null;
  }
  if (id === '') return null;
  const collection = config.collections.get(name);
  return collection ? { collection, id } : null;
}
