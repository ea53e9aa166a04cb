import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/index.js';
import { bodyOf, field, startClient, type Client } from './helpers.js';

// Issue #11: the control API (`/__mock/*`) resets data, signs users out and shows every user's records and keys. Only
// a caller that can set a custom header on a same-origin request may use it: never a cross-site form, a no-cors
// fetch, another origin, or a page that reached the server through a DNS name rebound to 127.0.0.1.

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with exactly these headers (Host, Origin and Sec-Fetch-* included), as a browser would send them. */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const EVIL = 'https://evil.example';
const HEADER = { 'x-offline-kit-mock': '1' };

function corsHeaders(answer: RawAnswer): string[] {
  return Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));
}

let client: Client;
beforeAll(async () => {
  client = await startClient();
});
afterAll(async () => {
  await client.server.close();
});

describe('the control API refuses callers that are not the developer', () => {
  it('an empty cross-site form POST to /__mock/expire-tokens signs no one out', async () => {
    await client.login('alice');
    // What `<form method=post action=http://127.0.0.1:8080/__mock/expire-tokens>` on another site sends.
    const form = await raw(client.url, 'POST', '/__mock/expire-tokens', {
      origin: EVIL,
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(403);
    // The same with `fetch(url, { method: 'POST', mode: 'no-cors', body: '' })`.
    const noCors = await raw(client.url, 'POST', '/__mock/expire-tokens', {
      origin: EVIL,
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'no-cors',
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(noCors.status).toBe(403);
    expect((await client.as('alice', 'GET', '/api/auth/me')).status).toBe(200);
  });

  it('GET /__mock/records and /__mock/log without the header: 403 naming the header, and no data', async () => {
    const key = 'key-only-bob-and-the-server-know';
    expect(
      (
        await client.write(
          'bob',
          'POST',
          '/api/work-orders',
          { title: 'Bob only' },
          { 'idempotency-key': key },
        )
      ).status,
    ).toBe(201);

    const records = await client.request('GET', '/__mock/records/work-orders');
    expect(records.status).toBe(403);
    expect(bodyOf(records)).toMatchObject({ error: 'control_header_required' });
    expect(String(field(records.body, 'message'))).toContain('X-Offline-Kit-Mock: 1');
    expect(JSON.stringify(records.body)).not.toContain('Bob only');
    expect(JSON.stringify(records.body)).not.toContain('wo_');

    const log = await client.request('GET', '/__mock/log');
    expect(log.status).toBe(403);
    expect(bodyOf(log)).toMatchObject({ error: 'control_header_required' });
    expect(JSON.stringify(log.body)).not.toContain(key);
    expect(JSON.stringify(log.body)).not.toContain('bob');

    const state = await client.request('GET', '/__mock/state');
    expect(state.status).toBe(403);
    expect(JSON.stringify(state.body)).not.toContain('alice');
  });

  it('with the header, same-origin, the control API answers as before', async () => {
    const key = 'key-seen-through-the-control-api';
    await client.write(
      'bob',
      'POST',
      '/api/work-orders',
      { title: 'Seen by the test' },
      { 'idempotency-key': key },
    );
    const records = await client.request('GET', '/__mock/records/work-orders', { headers: HEADER });
    expect(records.status).toBe(200);
    expect(JSON.stringify(records.body)).toContain('Seen by the test');
    const log = await client.request('GET', '/__mock/log', { headers: HEADER });
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).toContain(key);
    // A browser page of the server's own origin sends Origin and Sec-Fetch-Site: same-origin; that is fine.
    const page = await raw(client.url, 'GET', '/__mock/state', {
      ...HEADER,
      origin: client.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(page.status).toBe(200);
    const named = await raw(client.url, 'GET', '/__mock/state', {
      ...HEADER,
      host: `localhost:${client.server.port}`,
      origin: `http://localhost:${client.server.port}`,
    });
    expect(named.status).toBe(200);
    const subdomain = await raw(client.url, 'GET', '/__mock/state', {
      ...HEADER,
      host: `app.localhost:${client.server.port}`,
    });
    expect(subdomain.status).toBe(200);
  });

  it('the header is not enough from another origin, a cross-site request or a rebound DNS name', async () => {
    await client.login('carol');
    const port = client.server.port;
    const attempts: Record<string, string>[] = [
      { origin: EVIL },
      { origin: 'null' },
      { origin: `http://127.0.0.1:${port + 1}` },
      { 'sec-fetch-site': 'cross-site' },
      // DNS rebinding: evil.example now resolves to 127.0.0.1, so its page is "same-origin" with the server.
      { host: `rebind.evil.example:${port}`, origin: `http://rebind.evil.example:${port}` },
      { host: `rebind.evil.example:${port}` },
    ];
    for (const headers of attempts) {
      const answer = await raw(client.url, 'POST', '/__mock/expire-tokens', { ...HEADER, ...headers });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(corsHeaders(answer), JSON.stringify(headers)).toEqual([]);
    }
    expect((await client.as('carol', 'GET', '/api/auth/me')).status).toBe(200);
  });

  it('grants no CORS preflight, so no other origin can add the header', async () => {
    const preflight = await raw(client.url, 'OPTIONS', '/__mock/expire-tokens', {
      origin: EVIL,
      'sec-fetch-site': 'cross-site',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-offline-kit-mock',
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(corsHeaders(preflight)).toEqual([]);
  });
});

describe('binding', () => {
  it('refuses to listen beyond loopback with the control API on, naming the flag that allows it', async () => {
    const outcome = await startServer({ port: 0, host: '0.0.0.0', quiet: true }).then(
      async (server) => {
        await server.close();
        return 'started';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(outcome).toMatch(/--allow-remote-control.*MOCK_ALLOW_REMOTE_CONTROL=1/);
  });

  it('listens beyond loopback when asked, the control API still behind its header', async () => {
    const server = await startServer({ port: 0, host: '0.0.0.0', quiet: true, allowRemoteControl: true });
    try {
      // A phone on the same network reaches it by the machine's address: any Host is fine then.
      const phone = await raw(server.url, 'GET', '/__mock/state', {
        ...HEADER,
        host: `192.168.1.20:${server.port}`,
      });
      expect(phone.status).toBe(200);
      const noHeader = await raw(server.url, 'GET', '/__mock/state', {});
      expect(noHeader.status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('listens beyond loopback with the control API switched off, which then does not exist', async () => {
    const server = await startServer({ port: 0, host: '0.0.0.0', quiet: true, control: false });
    try {
      const answer = await raw(server.url, 'POST', '/__mock/expire-tokens', HEADER);
      expect(answer.status).toBe(404);
      expect((await raw(server.url, 'GET', '/api/_sync', {})).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('listens on any loopback address without a flag', async () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost']) {
      const server = await startServer({ port: 0, host, quiet: true });
      await server.close();
    }
  });
});
