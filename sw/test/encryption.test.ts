import { describe, expect, it } from 'vitest';
import { baseConfig, makeRig } from './harness.js';

describe('encryption at rest', () => {
  it('stores queued bodies and records as AES-GCM ciphertext, and still replays the exact body', async () => {
    const rig = await makeRig({ ...baseConfig, encryptAtRest: true });
    const w = await rig.write('POST', '/api/work-orders', { title: 'Secret boiler' });
    const raw = await rig.engine.db.get('queue', w.id);
    const rawRecord = await rig.engine.db.get('records', ['work-orders', w.recordId]);
    const dump = JSON.stringify([raw, rawRecord], (_k, v: unknown) =>
      v instanceof ArrayBuffer ? Buffer.from(v).toString('latin1') : v,
    );
    expect(dump).not.toContain('Secret boiler');
    const key = await rig.engine.db.get('keys', 'aes-gcm');
    expect(key?.extractable).toBe(false);
    // Pages still see the plain record, and the server gets the plain body.
    const local = await rig.engine.listRecords({ collection: 'work-orders' });
    expect(local.items[0]?.data).toMatchObject({ title: 'Secret boiler' });
    await rig.engine.sync();
    expect(rig.server.live('work-orders').map((r) => r.title)).toEqual(['Secret boiler']);
  });
});
