/**
 * server-mock in the runner's process, serving the bench page and both service workers from `dist/www/` beside the
 * API, and a typed client of its control API (`/__mock/*`, docs/ARCHITECTURE.md).
 */
import { CONTROL_HEADER, CONTROL_HEADER_VALUE } from '../../../server-mock/src/control-access.js';
import { startServer } from '../../../server-mock/src/index.js';

export interface BenchServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

export async function startBenchServer(wwwDir: string, seedParts: number): Promise<BenchServer> {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    storage: { kind: 'memory' },
    seedParts,
    latencyMs: 0,
    static: [{ prefix: '/', dir: wwwDir }],
    quiet: true,
  });
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}

/** What a replay needs of its server: its latency, and what it holds (server-mock, or json-server in `rest.ts`). */
export type ReplayBackend = Pick<MockControl, 'latency' | 'count' | 'records'>;

export interface ServerRecord {
  id: string;
  deleted: boolean;
  title: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      [CONTROL_HEADER]: CONTROL_HEADER_VALUE,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

export class MockControl {
  constructor(private readonly base: string) {}

  async reset(): Promise<void> {
    await call(this.base, 'POST', '/__mock/reset', {});
  }

  async latency(ms: number): Promise<void> {
    await call(this.base, 'POST', '/__mock/faults', { latencyMs: ms });
  }

  /**
   * The API unreachable (`true`: every `/api/*` request has its connection destroyed, as a dead server or a dropped
   * network looks to a browser that believes it is online) or reachable again. Static files and the control API stay
   * up. The Firefox pass's "offline": no driver of Firefox can emulate it.
   */
  async unreachable(on: boolean): Promise<void> {
    await call(this.base, 'POST', '/__mock/faults', { unreachableForMs: on ? 3_600_000 : 0 });
  }

  async seedParts(parts: number): Promise<void> {
    await call(this.base, 'POST', '/__mock/seed', { parts });
  }

  async count(collection: string): Promise<number> {
    const state = await call(this.base, 'GET', '/__mock/state');
    if (!isObject(state) || !isObject(state.counts)) throw new Error('/__mock/state: unexpected answer');
    const count = state.counts[collection];
    return typeof count === 'number' ? count : 0;
  }

  /** Everything the server holds in `collection`, tombstones included. */
  async records(collection: string): Promise<ServerRecord[]> {
    const answer = await call(this.base, 'GET', `/__mock/records/${encodeURIComponent(collection)}`);
    const list: unknown = Array.isArray(answer) ? answer : isObject(answer) ? answer.records : null;
    if (!Array.isArray(list)) throw new Error(`/__mock/records/${collection}: unexpected answer`);
    return list.map((item: unknown) => {
      if (!isObject(item) || typeof item.id !== 'string') throw new Error('a server record without an id');
      return { id: item.id, deleted: item.deleted === true, title: item.title };
    });
  }

  private async token(): Promise<string> {
    const login = await call(this.base, 'POST', '/api/auth/login', { username: 'alice', password: 'demo' });
    if (!isObject(login) || typeof login.token !== 'string') throw new Error('login: unexpected answer');
    return login.token;
  }

  /** Records of `collection` the demo user sees (the first page of up to 1,000). */
  async visibleCount(collection: string): Promise<number> {
    const res = await fetch(`${this.base}/api/${collection}?limit=1000`, {
      headers: { Authorization: `Bearer ${await this.token()}` },
    });
    const body: unknown = await res.json();
    if (!res.ok || !isObject(body) || !Array.isArray(body.records))
      throw new Error(`GET /api/${collection} failed`);
    return body.records.length;
  }

  /**
   * Create `n` records through the API as `user`, as setup for a measurement (not measured). Eight at a time: enough
   * to be quick, few enough not to starve the browser of CPU.
   */
  async createRecords(
    collection: string,
    n: number,
    body: (index: number) => Record<string, unknown>,
  ): Promise<void> {
    const headers = { Authorization: `Bearer ${await this.token()}`, 'Content-Type': 'application/json' };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const index = next++;
        const res = await fetch(`${this.base}/api/${collection}`, {
          method: 'POST',
          headers: { ...headers, 'Idempotency-Key': `setup-${collection}-${index}-${Date.now()}` },
          body: JSON.stringify(body(index)),
        });
        if (!res.ok)
          throw new Error(`setup POST /api/${collection} answered ${res.status}: ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }
}
