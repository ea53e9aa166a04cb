/** The worker's online write path reads the server's answer as carefully as the replay does (issue 11, item 11). */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/core/config.js';
import { parseApiPath } from '../src/worker/paths.js';
import { handleWrite } from '../src/worker/writes.js';
import { baseConfig, makeRig } from './harness.js';
import { FakeServer } from './fake-server.js';

describe('an online edit answered with another record', () => {
  it('does not overwrite the local copy of the record the answer names', async () => {
    const server = new FakeServer();
    const one = server.seed('work-orders', { title: 'one' });
    const two = server.seed('work-orders', { title: 'two' });
    const rig = await makeRig(baseConfig, {
      server,
      deps: {
        fetch: (request) =>
          request.method === 'PATCH'
            ? Promise.resolve(
                new Response(JSON.stringify({ id: two.id, version: 9, title: 'overwritten' }), {
                  status: 200,
                  headers: { 'content-type': 'application/json' },
                }),
              )
            : server.fetch(request),
      },
    });
    await rig.engine.sync();
    const url = new URL(`/api/work-orders/${one.id}`, server.origin);
    const path = parseApiPath(validateConfig(baseConfig), url, server.origin);
    if (!path) throw new Error('path not recognised');
    const request = new Request(url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'one, edited' }),
    });
    const answer = await handleWrite(rig.engine, path, request, { scheduleReplay: () => undefined });
    expect(answer.status).toBe(200);
    const local = await rig.engine.ctx.records.get('work-orders', two.id);
    expect(local?.data).toMatchObject({ title: 'two' });
    expect(local?.row.version).toBe(1);
    await rig.engine.close();
  });
});
