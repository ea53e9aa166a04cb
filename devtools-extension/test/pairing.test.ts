/**
 * The panel pairs each call with its answer by an id nothing else can guess: answers under any other id (every small
 * number, anything sequential, random guesses) are dropped, and so is a second answer to the same call, wherever they
 * come from. Answers arrive as relay envelopes, checked with the relay's guards as the extension client does.
 */
import type { QueuedWriteView } from '@offline-kit/sw/protocol';
import { describe, expect, it } from 'vitest';
import { BaseClient } from '../src/link/base-client.js';
import {
  newCallId,
  readToPanel,
  type CallId,
  type MockRequest,
  type PanelCall,
} from '../src/protocol/relay.js';
import { makeWrite } from './fake-client.js';

class RelayedClient extends BaseClient {
  readonly sent: PanelCall[] = [];
  readonly sentMocks: CallId[] = [];

  close(): void {}

  protected sendCall(call: PanelCall): void {
    this.sent.push(call);
  }

  protected sendMock(id: CallId, _request: MockRequest): void {
    this.sentMocks.push(id);
  }

  /** What the background hands the panel: anything at all, read as the extension client reads it. */
  deliver(message: unknown): void {
    const body = readToPanel(message);
    if (body?.kind === 'answer') this.receiveAnswer(body.answer);
    if (body?.kind === 'mock')
      this.receiveMock(
        body.id,
        body.ok ? { ok: true, response: body.response } : { ok: false, message: body.message },
      );
  }
}

const toPanel = (body: unknown) => ({ source: 'offline-kit-devtools-relay', v: 1, dir: 'to-panel', body });

/** Every id an attacker without sight of the call could try. */
function guesses(): unknown[] {
  const ids: unknown[] = [];
  for (let n = -5; n <= 1000; n++) ids.push(n, String(n), n.toString(16).padStart(32, '0'));
  for (let i = 0; i < 1000; i++) ids.push(newCallId());
  return ids;
}

function settled<T>(promise: Promise<T>): () => { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return () => state;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('pairing panel calls with answers', () => {
  const real = { items: [makeWrite(1)], total: 1 };
  const forgedWrite: QueuedWriteView = { ...makeWrite(2), url: '/api/FORGED' };
  const forged = { items: [forgedWrite], total: 1 };

  it('ignores answers under guessed ids and takes the one under the call id, once', async () => {
    const client = new RelayedClient();
    const result = settled(client.call('listQueue', { offset: 0, limit: 50 }));
    for (const id of guesses()) {
      client.deliver(toPanel({ kind: 'answer', answer: { id, ok: true, result: forged } }));
      client.deliver(
        toPanel({ kind: 'answer', answer: { id, ok: false, error: { code: 'x', message: 'x' } } }),
      );
    }
    await tick();
    expect(result().done).toBe(false);

    const [call] = client.sent;
    if (!call) throw new Error('the call was not sent');
    expect(call.id).toMatch(/^[0-9a-f]{32}$/);
    client.deliver(toPanel({ kind: 'answer', answer: { id: call.id, ok: true, result: real } }));
    await tick();
    expect(result()).toEqual({ done: true, value: real });

    // A late second answer to the same id reaches nothing, not even the next call.
    const next = settled(client.call('listQueue', { offset: 0, limit: 50 }));
    client.deliver(toPanel({ kind: 'answer', answer: { id: call.id, ok: true, result: forged } }));
    await tick();
    expect(next().done).toBe(false);
  });

  it('gives every call and server-mock request its own unguessable id', async () => {
    const client = new RelayedClient();
    for (let i = 0; i < 50; i++) void client.call('getStatus');
    void client.mock({ method: 'GET', path: '/__mock/state' });
    const ids = [...client.sent.map((c) => c.id), ...client.sentMocks];
    expect(new Set(ids).size).toBe(51);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);

    const mock = settled(client.mock({ method: 'GET', path: '/__mock/state' }));
    for (const id of guesses())
      client.deliver(toPanel({ kind: 'mock', id, ok: true, response: { status: 200, body: 'forged' } }));
    await tick();
    expect(mock().done).toBe(false);
  });
});
