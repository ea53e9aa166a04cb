/**
 * A small REST API of our own that speaks standard HTTP conditional requests, as many Rails, Django and ASP.NET APIs
 * do: an opaque `ETag: "<…>"` on item answers and on write answers, writes with a stale `If-Match` refused
 * `412 Precondition Failed` (the body an error, no copy of the record), `If-None-Match` answered 304. No
 * Idempotency-Key, no `/_sync`, no version field. Records in memory; served on the REST origin with the fixture app.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject } from './guards.js';
import { startRestOrigin, type RestOrigin } from './rest-origin.js';

export interface EtagRecord {
  id: number;
  [field: string]: unknown;
}

interface Stored {
  record: EtagRecord;
  etag: string;
}

export interface EtagApi {
  origin: RestOrigin;
  url: string;
  /** The collection as the API holds it, in id order. */
  records(collection: string): EtagRecord[];
  /** The current ETag of a record (what a GET would answer), or null. */
  etagOf(collection: string, id: number): string | null;
  /** "Another user edits it": applied as a PATCH would be, with a new ETag. */
  edit(collection: string, id: number, patch: Record<string, unknown>): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function etagSeed(): Record<string, EtagRecord[]> {
  return {
    'work-orders': [
      { id: 1, title: 'Replace the pump seal', status: 'open', priority: 'normal' },
      { id: 2, title: 'Inspect the valve', status: 'open', priority: 'low' },
    ],
  };
}

/** Opaque on purpose: the module must send back what it was given, not compute or compare versions. */
function newEtag(): string {
  return `"${randomBytes(9).toString('base64url')}"`;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        // Not JSON: answered 400 below, as the API's framework would.
        resolve(null);
      }
    });
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    // What Rails sends by default: revalidate every time, with the ETag.
    'Cache-Control': 'max-age=0, private, must-revalidate',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** `If-Match` holds one ETag, a list of them, or `*`. */
function matches(ifMatch: string, etag: string): boolean {
  return ifMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag);
}

export async function startEtagApi(): Promise<EtagApi> {
  let collections = new Map<string, Map<number, Stored>>();
  let nextId = 100;

  const load = (): void => {
    collections = new Map();
    nextId = 100;
    for (const [name, rows] of Object.entries(etagSeed())) {
      collections.set(name, new Map(rows.map((record) => [record.id, { record, etag: newEtag() }])));
    }
  };
  load();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://etag-api.invalid');
    const [, , name, idText, ...rest] = url.pathname.split('/');
    const collection = name === undefined ? undefined : collections.get(name);
    const method = req.method ?? 'GET';
    if (collection === undefined || rest.length > 0) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    let body: unknown;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
      body = await readBody(req);
      // For the request log: what the API read.
      Reflect.set(req, 'body', body);
      if (!isObject(body)) {
        sendJson(res, 400, { error: 'bad_request', message: 'a JSON object is expected' });
        return;
      }
    }
    if (idText === undefined || idText === '') {
      if (method === 'GET') {
        sendJson(
          res,
          200,
          [...collection.values()].map((s) => s.record),
        );
      } else if (method === 'POST' && isObject(body)) {
        const id = nextId++;
        const stored = { record: { ...body, id }, etag: newEtag() };
        collection.set(id, stored);
        sendJson(res, 201, stored.record, { ETag: stored.etag, Location: `${url.pathname}/${id}` });
      } else {
        sendJson(res, 405, { error: 'method_not_allowed' });
      }
      return;
    }
    const id = Number(idText);
    const stored = Number.isInteger(id) ? collection.get(id) : undefined;
    if (stored === undefined) {
      sendJson(res, 404, { error: 'not_found', message: `no record ${idText}` });
      return;
    }
    if (method === 'GET') {
      if (req.headers['if-none-match'] === stored.etag) {
        res.writeHead(304, { ETag: stored.etag });
        res.end();
        return;
      }
      sendJson(res, 200, stored.record, { ETag: stored.etag });
      return;
    }
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch === 'string' && !matches(ifMatch, stored.etag)) {
      sendJson(res, 412, {
        error: 'precondition_failed',
        message: 'the record changed since you read it',
      });
      return;
    }
    if (method === 'DELETE') {
      collection.delete(id);
      res.writeHead(204);
      res.end();
      return;
    }
    if ((method === 'PATCH' || method === 'PUT') && isObject(body)) {
      const fields = method === 'PATCH' ? { ...stored.record, ...body } : { ...body };
      const next = { record: { ...fields, id }, etag: newEtag() };
      collection.set(id, next);
      sendJson(res, 200, next.record, { ETag: next.etag });
      return;
    }
    sendJson(res, 405, { error: 'method_not_allowed' });
  };

  const origin = await startRestOrigin(handle);
  const collectionOf = (name: string): Map<number, Stored> => {
    const found = collections.get(name);
    if (found === undefined) throw new Error(`the ETag API has no collection ${name}`);
    return found;
  };

  return {
    origin,
    url: origin.url,
    records(name) {
      return [...collectionOf(name).values()].map((s) => s.record).sort((a, b) => a.id - b.id);
    },
    etagOf(name, id) {
      return collectionOf(name).get(id)?.etag ?? null;
    },
    edit(name, id, patch) {
      const collection = collectionOf(name);
      const stored = collection.get(id);
      if (stored === undefined) throw new Error(`no record ${id} in ${name}`);
      collection.set(id, { record: { ...stored.record, ...patch, id }, etag: newEtag() });
    },
    reset() {
      load();
      origin.faults.clear();
      origin.clearLog();
      return Promise.resolve();
    },
    close: () => origin.close(),
  };
}
