/**
 * A plain REST API as json-server speaks it, in memory, for engine tests: `GET /api/<c>` answers a bare array (or an
 * envelope, `envelope` set), numeric ids, no versions unless `etags` (then item answers carry `ETag` and writes with a
 * stale `If-Match` are answered 412 without a body), no Idempotency-Key, no `/_sync`. Every request is logged.
 */
export interface RestRecord {
  id: number;
  [field: string]: unknown;
}

export interface RestLogEntry {
  method: string;
  path: string;
  status: number;
  body: unknown;
  ifMatch: string | null;
}

export class RestFake {
  readonly origin = 'http://rest.test';
  readonly data = new Map<string, RestRecord[]>();
  readonly log: RestLogEntry[] = [];
  /** While true, every request fails like a network outage. */
  down = false;
  /** Answer the next N requests with this status (and an HTML body, like a captive portal, for 200). */
  failNext: { count: number; status: number; html?: boolean } | null = null;
  envelope: string | null = null;
  etags = false;
  private nextId = 100;
  private revs = new Map<string, number>();

  constructor(seed: Record<string, RestRecord[]> = {}) {
    for (const [c, rows] of Object.entries(seed))
      this.data.set(
        c,
        rows.map((r) => ({ ...r })),
      );
  }

  private etagOf(collection: string, id: number): string {
    return `"${collection}-${id}-r${this.revs.get(`${collection}/${id}`) ?? 0}"`;
  }

  private bump(collection: string, id: number): void {
    const key = `${collection}/${id}`;
    this.revs.set(key, (this.revs.get(key) ?? 0) + 1);
  }

  /** Changes a record as another user would, directly on the server. */
  edit(collection: string, id: number, fields: Record<string, unknown>): void {
    const rows = this.data.get(collection) ?? [];
    const i = rows.findIndex((r) => r.id === id);
    const row = rows[i];
    if (!row) throw new Error('no such record');
    rows[i] = { ...row, ...fields };
    this.bump(collection, id);
  }

  applied(method: string, pathPrefix: string): number {
    return this.log.filter((e) => e.method === method && e.path.startsWith(pathPrefix) && e.status < 300)
      .length;
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    if (this.down) throw new TypeError('Failed to fetch');
    const url = new URL(request.url);
    const body: unknown = request.body ? JSON.parse(await request.text()) : undefined;
    const answer = (status: number, value: unknown, headers: Record<string, string> = {}): Response => {
      this.log.push({
        method: request.method,
        path: url.pathname + url.search,
        status,
        body,
        ifMatch: request.headers.get('if-match'),
      });
      return new Response(value === undefined ? null : JSON.stringify(value), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      });
    };
    if (this.failNext && this.failNext.count > 0) {
      this.failNext.count -= 1;
      const { status, html } = this.failNext;
      this.log.push({ method: request.method, path: url.pathname, status, body, ifMatch: null });
      return new Response(html ? '<html><body>Sign in to the Wi-Fi</body></html>' : 'error', {
        status,
        headers: { 'content-type': html ? 'text/html' : 'text/plain' },
      });
    }
    const [, api, collection, idText] = url.pathname.split('/');
    if (api !== 'api' || !collection || !this.data.has(collection)) return answer(404, {});
    const rows = this.data.get(collection) ?? [];
    const id = idText === undefined ? null : Number(idText);
    const index = id === null ? -1 : rows.findIndex((r) => r.id === id);
    const row = index >= 0 ? rows[index] : undefined;
    const tag = (r: RestRecord): Record<string, string> =>
      this.etags ? { etag: this.etagOf(collection, r.id) } : {};
    const stale = (r: RestRecord): boolean => {
      const ifMatch = request.headers.get('if-match');
      return this.etags && ifMatch !== null && ifMatch !== this.etagOf(collection, r.id);
    };
    switch (request.method) {
      case 'GET': {
        if (id === null) {
          const filtered = rows.filter((r) =>
            [...url.searchParams].every(([k, v]) => k.startsWith('_') || String(r[k]) === v),
          );
          return answer(
            200,
            this.envelope ? { [this.envelope]: filtered, total: filtered.length } : filtered,
          );
        }
        return row ? answer(200, row, tag(row)) : answer(404, {});
      }
      case 'POST': {
        const created = { ...(body as Record<string, unknown>), id: this.nextId++ };
        rows.push(created);
        return answer(201, created, tag(created));
      }
      case 'PATCH':
      case 'PUT': {
        if (!row) return answer(404, {});
        if (stale(row)) return answer(412, { error: 'Precondition Failed' });
        const next =
          request.method === 'PUT'
            ? { ...(body as Record<string, unknown>), id: row.id }
            : { ...row, ...(body as Record<string, unknown>), id: row.id };
        rows[index] = next;
        this.bump(collection, row.id);
        return answer(200, next, tag(next));
      }
      case 'DELETE': {
        if (!row) return answer(404, {});
        if (stale(row)) return answer(412, { error: 'Precondition Failed' });
        rows.splice(index, 1);
        return answer(200, {});
      }
      default:
        return answer(405, {});
    }
  };
}
