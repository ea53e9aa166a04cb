import { envelope } from '@offline-kit/sw/protocol';
import { describe, expect, it } from 'vitest';
import { isOfflineKitEvent, isSyncStatus } from '../src/protocol/api-guards.js';
import {
  hookPortOffer,
  isHookPortOffer,
  newCallId,
  readToHook,
  readToPanel,
  wrap,
} from '../src/protocol/relay.js';

describe('relay guards', () => {
  it('lets through only well-formed requests for known methods', () => {
    const ok = wrap('to-hook', { kind: 'call', call: { id: newCallId(), method: 'getStatus', params: [] } });
    expect(readToHook(ok)).toEqual(ok.body);
    const unknownMethod = { ...ok, body: { kind: 'call', call: { ...ok.body.call, method: 'eval' } } };
    expect(readToHook(unknownMethod)).toBeNull();
    const sequentialId = { ...ok, body: { kind: 'call', call: { ...ok.body.call, id: 1 } } };
    expect(readToHook(sequentialId)).toBeNull();
    // The service worker's own request envelope is not a relay message.
    const raw = envelope({ kind: 'request', id: 1, method: 'getStatus', params: [] });
    expect(readToHook({ ...ok, body: { kind: 'sw', message: raw } })).toBeNull();
    expect(readToHook({ ...ok, dir: 'to-panel' })).toBeNull();
    expect(readToHook({ ...ok, v: 2 })).toBeNull();
    expect(readToHook('{"kind":"activate"}')).toBeNull();
  });

  it('allows only server-mock control endpoints through the page', () => {
    const state = wrap('to-hook', {
      kind: 'mock',
      id: newCallId(),
      request: { method: 'GET', path: '/__mock/state' },
    });
    expect(readToHook(state)).not.toBeNull();
    expect(
      readToHook({
        ...state,
        body: { kind: 'mock', id: state.body.id, request: { method: 'GET', path: '/api/users' } },
      }),
    ).toBeNull();
    expect(
      readToHook({
        ...state,
        body: {
          kind: 'mock',
          id: state.body.id,
          request: { method: 'POST', path: '/__mock/faults', body: { latencyMs: -1 } },
        },
      }),
    ).toBeNull();
  });

  it('checks what comes back from the page', () => {
    expect(
      readToPanel(
        wrap('to-panel', { kind: 'hook-state', hook: { state: 'not-found', reason: 'no-controller' } }),
      ),
    ).not.toBeNull();
    expect(
      readToPanel({
        ...wrap('to-panel', { kind: 'hook-state', hook: { state: 'connecting' } }),
        body: { kind: 'hook-state', hook: { state: 'hacked' } },
      }),
    ).toBeNull();
  });

  it('knows the hook port offer only in its exact shape', () => {
    expect(isHookPortOffer(hookPortOffer())).toBe(true);
    expect(isHookPortOffer({ ...hookPortOffer(), v: 2 })).toBe(false);
    expect(isHookPortOffer(wrap('to-panel', { kind: 'tab-link', state: 'up' }))).toBe(false);
  });

  it('rejects events and results whose fields do not fit the contract', () => {
    expect(isOfflineKitEvent({ type: 'write-discarded', writeId: 'w-1' })).toBe(true);
    expect(isOfflineKitEvent({ type: 'write-discarded', writeId: 7 })).toBe(false);
    expect(isOfflineKitEvent({ type: 'made-up' })).toBe(false);
    expect(isSyncStatus({ online: true })).toBe(false);
  });
});
