/**
 * An in-process backend speaking PROTOCOL.md closely enough to drive the engine: versions, If-Match, 409 with the
 * server's copy, idempotency keys answered once, temporary ids, delta pulls with tombstones, batch push, and faults
 * (network errors, 5xx, drop after commit). What tests assert on is `records` — what the server holds.
 */
export interface FakeRecord {
  id: string;
  version: number;
  updatedAt: string;
  deleted?: boolean;
  [field: string]: unknown;
}

type Answer = { status: number; body: unknown };

export interface Faults {
  /** The next n requests fail with a network error before reaching the server. */
  networkDown?: number;
  /** The next n write requests answer this status. */
  failNext?: { count: number; status: number };
  /** The next n writes are committed but the answer is lost. */
  dropAfterCommit?: number;
  /** Everything fails with a network error while true. */
  unreachable?: boolean;
  /**
   * The next write request never answers, as if the worker was killed while waiting: before the server applied it,
   * or after (committed, answer never seen). `onHang` tells the test to abandon the engine.
   */
  hangNext?: 'before-commit' | 'after-commit';
}

export class FakeServer {
  readonly collections = new Map<string, Map<string, FakeRecord>>();
  private change = 0;
  private changes: { seq: number; collection: string; id: string }[] = [];
  private readonly keys = new Map<string, { signature: string; answer: Answer }>();
  private readonly tempIds = new Map<string, string>();
  private nextId = 1;
  faults: Faults = {};
  batch = true;
  /** The protocol version discovery announces, and the one every answer's `Offline-Kit-Protocol` header names. */
  protocolVersion = 1;
  protocolHeader = '1';
  /** `maxWrites` announced for batch push (small values make a replay several chunks). */
  batchMaxWrites = 100;
  /** Every write applied (not replays), in order: `${method} ${path}`. */
  readonly applied: { key: string; method: string; path: string }[] = [];
  readonly requests: string[] = [];
  requireToken: string | null = null;
  /** Called when a request hangs (see `Faults.hangNext`). */
  onHang: () => void = () => undefined;

  constructor(readonly origin = 'http://app.test') {
    for (const c of ['work-orders', 'notes', 'parts', 'photos']) this.collections.set(c, new Map());
  }

  seed(collection: string, fields: Record<string, unknown>): FakeRecord {
    const id = `${collection.slice(0, 2)}_${this.nextId++}`;
    const record: FakeRecord = { ...fields, id, version: 1, updatedAt: new Date(0).toISOString() };
    this.collections.get(collection)?.set(id, record);
    this.touch(collection, id);
    return record;
  }

  /** Another user edits a record. */
  edit(collection: string, id: string, patch: Record<string, unknown>): void {
    const r = this.collections.get(collection)?.get(id);
    if (!r) throw new Error(`no ${collection}/${id}`);
    Object.assign(r, patch, { version: r.version + 1 });
    this.touch(collection, id);
  }

  live(collection: string): FakeRecord[] {
    return [...(this.collections.get(collection)?.values() ?? [])].filter((r) => !r.deleted);
  }

  private touch(collection: string, id: string): void {
    this.change += 1;
    this.changes = this.changes.filter((c) => !(c.collection === collection && c.id === id));
    this.changes.push({ seq: this.change, collection, id });
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const response = await this.answer(request);
    if (this.protocolHeader !== '1') response.headers.set('offline-kit-protocol', this.protocolHeader);
    return response;
  };

  private readonly answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (this.faults.unreachable) throw new TypeError('Failed to fetch');
    if (this.faults.networkDown) {
      this.faults.networkDown -= 1;
      throw new TypeError('Failed to fetch');
    }
    if (this.requireToken && request.headers.get('authorization') !== `Bearer ${this.requireToken}`) {
      return reply({ status: 401, body: { error: 'unauthorized', message: 'sign in' } });
    }
    const path = url.pathname;
    if (path === '/api/_sync') {
      return reply({
        status: 200,
        body: {
          protocol: 'offline-kit-sync',
          version: this.protocolVersion,
          batch: this.batch
            ? { path: '/api/_batch', maxWrites: this.batchMaxWrites, maxBytes: 1048576 }
            : null,
          collections: {},
        },
      });
    }
    const bodyText = request.method === 'GET' ? '' : await request.text();
    const hang = request.method !== 'GET' ? this.faults.hangNext : undefined;
    if (hang) {
      delete this.faults.hangNext;
      if (hang === 'after-commit') {
        if (path === '/api/_batch') this.handleBatch(bodyText);
        else
          this.write(
            request.headers.get('idempotency-key') ?? '',
            request.method,
            path,
            null,
            request.headers.get('offline-kit-temp-id'),
            bodyText,
            request.headers.get('content-type'),
          );
      }
      this.onHang();
      return new Promise<Response>(() => undefined);
    }
    if (path === '/api/_batch' && request.method === 'POST') return reply(this.handleBatch(bodyText));
    if (request.method === 'GET') return reply(this.read(url));
    const key = request.headers.get('idempotency-key') ?? '';
    const ifMatch = request.headers.get('if-match');
    const tempId = request.headers.get('offline-kit-temp-id');
    const failNext = this.faults.failNext;
    if (failNext && failNext.count > 0) {
      failNext.count -= 1;
      return reply({ status: failNext.status, body: { error: 'injected', message: 'fault' } });
    }
    const answer = this.write(
      key,
      request.method,
      path,
      ifMatch ? Number(ifMatch.replace(/"/g, '')) : null,
      tempId,
      bodyText,
      request.headers.get('content-type'),
    );
    if (this.faults.dropAfterCommit) {
      this.faults.dropAfterCommit -= 1;
      throw new TypeError('Failed to fetch (answer lost)');
    }
    return reply(answer);
  };

  private read(url: URL): Answer {
    const parts = url.pathname.split('/').slice(2);
    const store = this.collections.get(parts[0] ?? '');
    if (!store) return { status: 404, body: { error: 'unknown_collection' } };
    if (parts[1]) {
      const r = store.get(parts[1]);
      if (!r || r.deleted) return { status: 404, body: { error: r ? 'deleted' : 'not_found' } };
      return { status: 200, body: r };
    }
    const since = url.searchParams.get('since');
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const from = since ? Number(since.slice(2)) : 0;
    const list = this.changes.filter((c) => c.collection === parts[0] && c.seq > from);
    const page = list.slice(0, limit);
    const records: FakeRecord[] = [];
    const deleted: { id: string; version: number }[] = [];
    for (const c of page) {
      const r = store.get(c.id);
      if (!r) continue;
      if (r.deleted) {
        if (since) deleted.push({ id: r.id, version: r.version });
      } else records.push(r);
    }
    const last = page[page.length - 1];
    return {
      status: 200,
      body: { records, deleted, cursor: `c_${last?.seq ?? from}`, hasMore: list.length > limit },
    };
  }

  private handleBatch(text: string): Answer {
    const parsed = JSON.parse(text) as {
      writes: {
        key: string;
        method: string;
        path: string;
        ifMatch?: number;
        tempId?: string;
        body?: unknown;
      }[];
    };
    const results: { key: string; status: number; body: unknown }[] = [];
    const idMap: Record<string, string> = {};
    let stopped = false;
    for (const w of parsed.writes) {
      if (stopped) {
        results.push({ key: w.key, status: 424, body: { error: 'not_attempted' } });
        continue;
      }
      const failNext = this.faults.failNext;
      let answer: Answer;
      if (failNext && failNext.count > 0) {
        failNext.count -= 1;
        answer = { status: failNext.status, body: { error: 'injected' } };
      } else {
        answer = this.write(
          w.key,
          w.method,
          w.path,
          w.ifMatch ?? null,
          w.tempId ?? null,
          w.body === undefined ? '' : JSON.stringify(w.body),
          'application/json',
        );
      }
      if (w.tempId && answer.status === 201) idMap[w.tempId] = (answer.body as FakeRecord).id;
      results.push({ key: w.key, status: answer.status, body: answer.body });
      if (answer.status >= 300) stopped = true;
    }
    if (this.faults.dropAfterCommit) {
      this.faults.dropAfterCommit -= 1;
      throw new TypeError('Failed to fetch (answer lost)');
    }
    return { status: 200, body: { results, idMap } };
  }

  private write(
    key: string,
    method: string,
    rawPath: string,
    ifMatch: number | null,
    tempId: string | null,
    bodyText: string,
    contentType: string | null,
  ): Answer {
    if (!key) return { status: 400, body: { error: 'missing_idempotency_key' } };
    const path = rawPath
      .split('/')
      .map((s) => this.tempIds.get(s) ?? s)
      .join('/');
    let body: Record<string, unknown> = {};
    if (bodyText) {
      if ((contentType ?? '').includes('json')) body = JSON.parse(bodyText) as Record<string, unknown>;
      else body = Object.fromEntries(new URLSearchParams(bodyText));
    }
    for (const [k, v] of Object.entries(body))
      if (typeof v === 'string' && this.tempIds.has(v)) body[k] = this.tempIds.get(v);
    const signature = `${method} ${path} ${JSON.stringify(body)}`;
    const seen = this.keys.get(key);
    if (seen)
      return seen.signature === signature
        ? seen.answer
        : { status: 422, body: { error: 'idempotency_key_reused' } };
    const answer = this.apply(method, path, ifMatch, tempId, body);
    if (answer.status < 500) this.keys.set(key, { signature, answer });
    if (answer.status < 300) this.applied.push({ key, method, path });
    return answer;
  }

  private apply(
    method: string,
    path: string,
    ifMatch: number | null,
    tempId: string | null,
    body: Record<string, unknown>,
  ): Answer {
    const parts = path.split('/').slice(2);
    const collection = parts[0] ?? '';
    const store = this.collections.get(collection);
    if (!store) return { status: 404, body: { error: 'unknown_collection' } };
    delete body.id;
    delete body.version;
    delete body.updatedAt;
    const now = new Date(this.change).toISOString();
    if (method === 'POST') {
      const id = `${collection.slice(0, 2)}_${this.nextId++}`;
      const record: FakeRecord = { ...body, id, version: 1, updatedAt: now };
      store.set(id, record);
      this.touch(collection, id);
      if (tempId) this.tempIds.set(tempId, id);
      return { status: 201, body: record };
    }
    const id = parts[1] ?? '';
    const current = store.get(id);
    if (!current) return { status: 404, body: { error: 'not_found' } };
    if (ifMatch !== null && ifMatch !== current.version) {
      return current.deleted
        ? { status: 409, body: { error: 'conflict', current: null, deleted: true } }
        : { status: 409, body: { error: 'conflict', current: { ...current } } };
    }
    if (current.deleted) {
      return method === 'DELETE'
        ? { status: 200, body: { id, version: current.version, deleted: true } }
        : { status: 404, body: { error: 'deleted' } };
    }
    let next: FakeRecord;
    if (method === 'DELETE') next = { id, version: current.version + 1, updatedAt: now, deleted: true };
    else if (method === 'PUT') next = { ...body, id, version: current.version + 1, updatedAt: now };
    else {
      next = { ...current, version: current.version + 1, updatedAt: now };
      for (const [k, v] of Object.entries(body)) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
    }
    store.set(id, next);
    this.touch(collection, id);
    return { status: 200, body: method === 'DELETE' ? { id, version: next.version, deleted: true } : next };
  }
}

function reply(answer: Answer): Response {
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { 'content-type': 'application/json', 'offline-kit-protocol': '1' },
  });
}
