import { describe, expect, it } from 'vitest';
import type { OfflineKitEvent, QueuedWriteView } from '@offline-kit/sw/protocol';
import { newIdOf, toKitEvent } from '../src/kit/events.js';

const write = (patch: Partial<QueuedWriteView>): QueuedWriteView => ({
  id: 'w1',
  seq: 1,
  collection: 'work-orders',
  recordId: 'tmp_1',
  method: 'POST',
  url: '/api/work-orders',
  state: 'sending',
  baseVersion: null,
  createdAt: 0,
  attempts: 1,
  nextAttemptAt: null,
  lastError: null,
  lastStatus: 201,
  contentType: 'application/json',
  bodySize: 2,
  json: {},
  units: ['login'],
  schemaVersion: 1,
  ...patch,
});

const acknowledged = (
  w: QueuedWriteView,
  record: Extract<OfflineKitEvent, { type: 'write-acknowledged' }>['record'],
) => ({ type: 'write-acknowledged', write: w, record }) as const;

describe('kit events', () => {
  it('reads the server id a record created here got from the acknowledgement of its creation', () => {
    expect(newIdOf(acknowledged(write({}), { id: 'wo_9', version: 1 }))).toEqual(['tmp_1', 'wo_9']);
    // Not a swap: an edit, a create the server answered without its record, an id already the server's.
    expect(newIdOf(acknowledged(write({ method: 'PATCH' }), { id: 'wo_9', version: 2 }))).toBeNull();
    expect(newIdOf(acknowledged(write({}), null))).toBeNull();
    expect(newIdOf(acknowledged(write({ recordId: 'wo_9' }), { id: 'wo_9', version: 1 }))).toBeNull();
  });

  it('drops a progress event without the counts the status bar prints', () => {
    const progress = { runId: 'r', unit: 'login', phase: 'pull', done: 3, total: null };
    expect(toKitEvent({ type: 'sync-progress', progress })).not.toBeNull();
    expect(toKitEvent({ type: 'sync-progress', progress: { ...progress, done: '3' } })).toBeNull();
    expect(toKitEvent({ type: 'sync-progress', progress: { ...progress, phase: 'both' } })).toBeNull();
  });
});
