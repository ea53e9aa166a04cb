import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A client of one server: signs in users and sends requests the way the service-worker module does. */
export class Client {
  private readonly tokens = new Map<string, string>();

  constructor(readonly server: RunningServer) {}

  get url(): string {
    return this.server.url;
  }

  async login(user: string): Promise<string> {
    const answer = await this.request('POST', '/api/auth/login', {
      json: { username: user, password: 'demo' },
    });
    const token = field(answer.body, 'token');
    if (typeof token !== 'string') throw new Error(`login of ${user} failed: ${JSON.stringify(answer.body)}`);
    this.tokens.set(user, token);
    return token;
  }

  /** A request as `user` (signed in on first use). */
  async as(user: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const token = this.tokens.get(user) ?? (await this.login(user));
    return this.request(method, path, {
      ...options,
      headers: { authorization: `Bearer ${token}`, ...options.headers },
    });
  }

  /** A write as `user` with a fresh Idempotency-Key unless one is given. */
  async write(
    user: string,
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return this.as(user, method, path, {
      json,
      headers: { 'idempotency-key': randomUUID(), ...headers },
    });
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetch(this.url + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
      parsed = JSON.parse(text) as unknown;
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** A control request, with the header the control API requires. */
  async control(method: string, path: string, json?: unknown): Promise<Answer> {
    const headers = { 'x-offline-kit-mock': '1' };
    return this.request(method, `/__mock${path}`, json === undefined ? { headers } : { json, headers });
  }

  /** Everything the server holds in a collection, tombstones included. */
  async records(collection: string): Promise<Record<string, unknown>[]> {
    const answer = await this.control('GET', `/records/${collection}`);
    const records = field(answer.body, 'records');
    if (!Array.isArray(records)) throw new Error('no records');
    return records as Record<string, unknown>[];
  }

  async record(collection: string, id: string): Promise<Record<string, unknown> | undefined> {
    return (await this.records(collection)).find((record) => record.id === id);
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  json?: unknown;
  raw?: string | Uint8Array<ArrayBuffer>;
}

export async function startClient(options: ServerOptions = {}): Promise<Client> {
  const server = await startServer({
    port: 0,
    storage: { kind: 'memory' },
    seedParts: 50,
    quiet: true,
    ...options,
  });
  return new Client(server);
}

/** Reads a field of an unknown JSON value (tests narrow with expect afterwards). */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export function bodyOf(answer: Answer): Record<string, unknown> {
  if (typeof answer.body !== 'object' || answer.body === null || Array.isArray(answer.body)) {
    throw new Error(`expected a JSON object, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as Record<string, unknown>;
}

/** `expect.any(String)`, typed as unknown so it can sit inside typed matchers. */
export const anyString: unknown = expect.any(String);
