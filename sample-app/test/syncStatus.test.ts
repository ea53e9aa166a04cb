import { describe, expect, it } from 'vitest';
import type { SyncProgress, SyncRunSummary, SyncStatus } from '@offline-kit/sw/protocol';
import { connectivityOf, newerProgress, syncMessage } from '../src/logic/syncStatus.js';

function status(patch: Partial<SyncStatus> = {}): SyncStatus {
  return {
    online: true,
    simulatedOffline: false,
    serverReachable: true,
    paused: false,
    pausedReason: null,
    pending: 0,
    failed: 0,
    conflicts: 0,
    syncing: null,
    units: [],
    lastSyncAt: 1,
    user: 'alice',
    devtools: true,
    storage: null,
    protocol: null,
    ...patch,
  };
}

const failedRun: SyncRunSummary = {
  runId: 'r1',
  unit: 'all',
  trigger: 'manual',
  startedAt: 0,
  durationMs: 5,
  outcome: 'failed',
  pushed: 0,
  pulled: 0,
  conflicts: 0,
  failed: 0,
  error: null,
};

describe('connectivity', () => {
  it('tells offline, server unreachable and online apart', () => {
    expect(connectivityOf(status(), true)).toBe('online');
    expect(connectivityOf(status(), false)).toBe('offline');
    expect(connectivityOf(status({ online: false, simulatedOffline: true }), true)).toBe('offline');
    expect(connectivityOf(status({ serverReachable: false }), true)).toBe('unreachable');
  });
});

describe('syncMessage', () => {
  it('says All changes saved when nothing waits', () => {
    expect(syncMessage(status(), 'online', null).text).toBe('All changes saved');
  });

  it('says offline changes will sync later, with the count', () => {
    expect(syncMessage(status({ online: false }), 'offline', null).text).toBe(
      "You're offline — changes will sync later",
    );
    expect(syncMessage(status({ online: false, pending: 2 }), 'offline', null).text).toBe(
      "You're offline — 2 changes will sync later",
    );
  });

  it('counts records during the first download, with a determinate bar only for a total still ahead', () => {
    const first = (progress: Omit<SyncProgress, 'runId' | 'unit'>) =>
      syncMessage(
        status({ lastSyncAt: null, syncing: { runId: 'r', unit: 'login', ...progress } }),
        'online',
        null,
      );
    expect(first({ phase: 'push', done: 0, total: null })).toMatchObject({
      text: 'Downloading your data…',
      firstSync: true,
      progress: null,
    });
    // Our protocol announces no count: what arrived so far, and a bar that does not pretend.
    expect(first({ phase: 'pull', done: 1250, total: null })).toMatchObject({
      text: 'Downloading your data… 1,250 records so far',
      progress: null,
    });
    // A collection's last page (total = done) while other collections may follow is not the end of the download.
    expect(first({ phase: 'pull', done: 1250, total: 1250 })).toMatchObject({
      text: 'Downloading your data… 1,250 records so far',
      progress: null,
    });
    expect(first({ phase: 'pull', done: 1250, total: 4000 })).toMatchObject({
      text: 'Downloading your data… 1,250 of 4,000 records',
      progress: 0.3125,
    });
    expect(first({ phase: 'push', done: 2, total: 5 })).toMatchObject({
      text: 'Sending your changes… 2 of 5 changes',
      progress: 0.4,
    });
  });

  it('never winds the count back when a status snapshot of the same run is older than the last progress event', () => {
    const at = (runId: string, phase: 'push' | 'pull', done: number): SyncProgress => ({
      runId,
      unit: 'login',
      phase,
      done,
      total: null,
    });
    expect(newerProgress(at('r', 'pull', 500), at('r', 'pull', 0))).toEqual(at('r', 'pull', 500));
    expect(newerProgress(at('r', 'pull', 500), at('r', 'push', 0))).toEqual(at('r', 'pull', 500));
    expect(newerProgress(at('r', 'pull', 500), at('r', 'pull', 1000))).toEqual(at('r', 'pull', 1000));
    expect(newerProgress(at('r', 'pull', 500), at('s', 'push', 0))).toEqual(at('s', 'push', 0));
    expect(newerProgress(at('r', 'pull', 500), null)).toBeNull();
  });

  it('says Syncing… after the first download', () => {
    const later = syncMessage(
      status({ syncing: { runId: 'r', unit: 'all', phase: 'pull', done: 1, total: null } }),
      'online',
      null,
    );
    expect(later).toMatchObject({ text: 'Syncing…', firstSync: false });
  });

  it('offers Retry after a failed sync, and when the server is unreachable', () => {
    expect(syncMessage(status(), 'online', failedRun)).toMatchObject({
      text: 'Sync failed — Retry',
      retry: true,
    });
    // The pill beside it says "Server unreachable": the message does not say it again on screen, only to a screen
    // reader, which hears the message alone.
    expect(syncMessage(status({ serverReachable: false, pending: 1 }), 'unreachable', null)).toMatchObject({
      text: '1 change waiting — keeps trying',
      spokenPrefix: 'Server unreachable — ',
      retry: true,
    });
    expect(syncMessage(status({ serverReachable: false }), 'unreachable', null).text).toBe('Keeps trying');
  });

  it('puts conflicts and refused writes before the all-saved message', () => {
    expect(syncMessage(status({ conflicts: 1 }), 'online', null).text).toBe('1 conflict to resolve');
    expect(syncMessage(status({ failed: 2 }), 'online', null).text).toBe('2 changes refused by the server');
  });
});

describe('a save on its way', () => {
  it('is never called saved', () => {
    expect(syncMessage(status(), 'online', null, 1).text).toBe('Saving…');
    expect(syncMessage(status(), 'online', null, 0).text).toBe('All changes saved');
  });
});
