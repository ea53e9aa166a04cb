import { describe, expect, it } from 'vitest';
import {
  api,
  goOffline,
  goOnline,
  jsonBody,
  recordsOf,
  useSuite,
  waitForQueueDrained,
} from '../harness/index.js';

/** Every byte value, then some more: a photo whose bytes are not valid UTF-8 and would not survive a text round trip. */
function photoBytes(): Buffer {
  const bytes = Buffer.alloc(70_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) % 256;
  // A PNG signature, so the server sees what a camera upload looks like.
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
}

describe('request bodies replayed byte for byte', () => {
  const suite = useSuite();

  it('replays JSON, URL-encoded and multipart forms, and a binary photo exactly as the page sent them', async () => {
    const { context, page, session } = await suite.open();
    const [order] = recordsOf(await api(page, 'GET', '/api/work-orders'));
    if (order === undefined) throw new Error('alice needs a work order in the seed');
    const texts = {
      json: 'JSON note: «quotes» "and" \\ backslashes, emoji 🔧',
      form: 'Form note: a=b&c=d + spaces % 100',
      multipart: 'Multipart note: ünïcödé\r\nsecond line',
    };
    const photo = photoBytes();

    await goOffline(context);
    const answers = [
      await api(page, 'POST', '/api/notes', jsonBody({ workOrderId: order.id, text: texts.json })),
      await api(page, 'POST', '/api/notes', {
        kind: 'form',
        fields: { workOrderId: order.id, text: texts.form },
      }),
      await api(page, 'POST', '/api/notes', {
        kind: 'multipart',
        fields: { workOrderId: order.id, text: texts.multipart },
      }),
      await api(page, 'POST', `/api/photos?workOrderId=${order.id}`, {
        kind: 'bytes',
        base64: photo.toString('base64'),
        contentType: 'image/png',
      }),
    ];
    for (const answer of answers) expect(answer.status, answer.text).toBe(202);

    await goOnline(context);
    await waitForQueueDrained(page);

    const { mock } = suite.server;
    const notes = (await mock.liveRecords('notes')).filter((n) => n.workOrderId === order.id);
    for (const text of Object.values(texts)) {
      expect(
        notes.filter((n) => n.text === text),
        `note ${JSON.stringify(text)}`,
      ).toHaveLength(1);
    }
    const photos = (await mock.liveRecords('photos')).filter((p) => p.workOrderId === order.id);
    expect(photos).toHaveLength(1);
    expect(photos[0]).toMatchObject({ contentType: 'image/png', size: photo.length });
    const content = await fetch(`${suite.server.url}/api/photos/${photos[0]?.id}/content`, {
      headers: session.headers,
    });
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(photo)).toBe(true);
  });
});
