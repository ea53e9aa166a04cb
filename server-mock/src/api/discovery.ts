import {
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type DiscoveryCollection,
  type DiscoveryDocument,
} from '@offline-kit/sw/protocol';
import { LIMITS } from '../app.js';
import { COLLECTIONS } from '../collections/index.js';
import { API_BASE } from './paths.js';

/** `GET /api/_sync` (PROTOCOL.md §1). */
export function discovery(): DiscoveryDocument {
  const collections: Record<string, DiscoveryCollection> = {};
  for (const def of COLLECTIONS) {
    const entry: DiscoveryCollection = { writable: def.writable };
    if (def.writable) entry.conflicts = 'if-match';
    if (def.parent) entry.parent = { ...def.parent };
    if (def.accepts.binary) entry.binary = true;
    collections[def.name] = entry;
  }
  return {
    protocol: PROTOCOL_NAME,
    version: PROTOCOL_VERSION,
    batch: { path: `${API_BASE}/_batch`, maxWrites: LIMITS.batchMaxWrites, maxBytes: LIMITS.batchMaxBytes },
    maxBodyBytes: LIMITS.maxBodyBytes,
    collections,
  };
}
