import { LIMITS } from '../app.js';
import { COLLECTIONS } from '../collections/index.js';
import { API_BASE } from './paths.js';

/** `GET /api/_sync` (PROTOCOL.md §1). */
export function discovery(): unknown {
  const collections: Record<string, unknown> = {};
  for (const def of COLLECTIONS) {
    const entry: Record<string, unknown> = { writable: def.writable };
    if (def.writable) entry.conflicts = 'if-match';
    if (def.parent) entry.parent = { ...def.parent };
    if (def.accepts.binary) entry.binary = true;
    collections[def.name] = entry;
  }
  return {
    protocol: 'offline-kit-sync',
    version: 1,
    batch: { path: `${API_BASE}/_batch`, maxWrites: LIMITS.batchMaxWrites, maxBytes: LIMITS.batchMaxBytes },
    maxBodyBytes: LIMITS.maxBodyBytes,
    collections,
  };
}
