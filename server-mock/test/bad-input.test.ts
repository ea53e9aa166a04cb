import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, startClient, type Answer, type Client } from './helpers.js';

// Bad input answers a 4xx JSON error (PROTOCOL.md §6), changes nothing, and the server keeps running.
let client: Client;
let token: string;
beforeAll(async () => {
  client = await startClient();
  token = await client.login('alice');
});
afterAll(async () => {
  await client.server.close();
});

async function expectError(
  answer: Promise<Answer>,
  status: number,
  error: string,
): Promise<Record<string, unknown>> {
  const settled = await answer;
  expect(settled.status).toBe(status);
  expect(settled.headers.get('content-type')).toContain('application/json');
  const body = bodyOf(settled);
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect((await client.request('GET', '/api/_sync')).status).toBe(200);
  return body;
}

const writeHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'idempotency-key': randomUUID(),
  'content-type': 'application/json',
});

describe('bad input', () => {
  it('invalid JSON is 400 invalid_json', async () => {
    await expectError(
      client.request('POST', '/api/work-orders', { raw: '{"title": "x",', headers: writeHeaders() }),
      400,
      'invalid_json',
    );
  });

  it('wrong field types and values are 400 invalid_body naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ title: 5 }, 'title'],
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 'ok', status: 'finished' }, 'status'],
      [{ title: 'ok', assignees: 'alice' }, 'assignees'],
      [{ title: 'ok', assignees: ['mallory'] }, 'assignees'],
      [{ title: 'ok', dueDate: 'tomorrow' }, 'dueDate'],
      [{ title: 'ok', colour: 'red' }, 'colour'],
      [['not', 'an', 'object'], '(body)'],
    ];
    for (const [json, fieldName] of cases) {
      const body = await expectError(
        client.write('alice', 'POST', '/api/work-orders', json),
        400,
        'invalid_body',
      );
      expect(body.details).toMatchObject({ field: fieldName });
    }
    const note = await expectError(
      client.write('alice', 'POST', '/api/notes', { workOrderId: 'wo_1', text: 'x'.repeat(5001) }),
      400,
      'invalid_body',
    );
    expect(note.details).toMatchObject({ field: 'text' });
    expect((await client.records('work-orders')).filter((r) => r.deleted === false)).toHaveLength(12);
  });

  it('an unknown collection is 404 unknown_collection, for reads and writes', async () => {
    await expectError(client.as('alice', 'GET', '/api/invoices'), 404, 'unknown_collection');
    await expectError(
      client.write('alice', 'POST', '/api/invoices', { total: 1 }),
      404,
      'unknown_collection',
    );
  });

  it('a write to the read-only catalogue is 405 read_only', async () => {
    await expectError(client.write('alice', 'POST', '/api/parts', { name: 'x' }), 405, 'read_only');
    await expectError(client.write('alice', 'PATCH', '/api/parts/pt_1', { stock: 1 }), 405, 'read_only');
  });

  it('a write without Idempotency-Key is 400 missing_idempotency_key and is not applied', async () => {
    await expectError(
      client.as('alice', 'POST', '/api/work-orders', { json: { title: 'No key' } }),
      400,
      'missing_idempotency_key',
    );
    expect((await client.records('work-orders')).some((r) => r.title === 'No key')).toBe(false);
  });

  it('an unsupported Content-Type is 415', async () => {
    await expectError(
      client.request('POST', '/api/work-orders', {
        raw: 'title: x',
        headers: { ...writeHeaders(), 'content-type': 'text/yaml' },
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('a malformed cursor, limit or If-Match is a 400', async () => {
    await expectError(client.as('alice', 'GET', '/api/parts?since=c_x'), 400, 'invalid_cursor');
    await expectError(client.as('alice', 'GET', '/api/parts?limit=-4'), 400, 'invalid_query');
    await expectError(
      client.write('alice', 'PATCH', '/api/work-orders/wo_1', { status: 'done' }, { 'if-match': 'banana' }),
      400,
      'invalid_body',
    );
  });

  it('an oversized body is 413 as soon as the limit is crossed, announced or streamed', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024 + 10);
    await expectError(
      client.request('POST', '/api/notes', {
        raw: JSON.stringify({ workOrderId: 'wo_1', text: huge }),
        headers: writeHeaders(),
      }),
      413,
      'body_too_large',
    );
    // Chunked, without Content-Length: the server counts while reading.
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 12) controller.close();
        else controller.enqueue(chunk);
        sent++;
      },
    });
    const response = await fetch(`${client.url}/api/notes`, {
      method: 'POST',
      headers: writeHeaders(),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'body_too_large' });
    expect((await client.request('GET', '/api/_sync')).status).toBe(200);
  });

  it('a malformed HTTP request gets a 400 and the server keeps serving', async () => {
    const url = new URL(client.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await client.request('GET', '/api/_sync')).status).toBe(200);
  });

  it('bad control requests are 4xx JSON too', async () => {
    await expectError(
      client.control('POST', '/edit', { collection: 'nope', id: 'x', patch: {} }),
      404,
      'unknown_collection',
    );
    await expectError(
      client.control('POST', '/edit', { collection: 'work-orders', id: 'wo_1', patch: 3 }),
      400,
      'invalid_body',
    );
    await expectError(client.control('POST', '/faults', { failNext: 'yes' }), 400, 'invalid_body');
    await expectError(
      client.request('POST', '/__mock/touch', {
        raw: '{',
        headers: { 'content-type': 'application/json', 'x-offline-kit-mock': '1' },
      }),
      400,
      'invalid_json',
    );
  });
});
