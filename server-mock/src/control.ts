import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, type App } from './app.js';
import { USERS } from './auth/users.js';
import { COLLECTION_NAMES, TOUCH } from './collections/index.js';
import { isJsonMediaType, parseJson, parseMediaType, readBody } from './http/body.js';
import { HttpError, invalidBody } from './http/errors.js';
import { jsonReply, type Reply } from './http/reply.js';
import { isObject, type JsonObject } from './json.js';
import { seedAll, seedParts } from './seed/index.js';

export const CONTROL_BASE = '/__mock';

/**
 * The control API of ARCHITECTURE.md (`/__mock/*`): state, reset, faults, "another user" changes, seeding, the raw
 * records and the request log. Never subject to faults, so a test can always end one.
 */
export async function handleControl(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const route = url.pathname.slice(CONTROL_BASE.length);
  const body = async (): Promise<JsonObject> => readControlBody(req, res);

  if (route === '/state' && method === 'GET') return jsonReply(200, await state(app));
  if (route === '/reset' && method === 'POST') {
    await body();
    await reset(app);
    return jsonReply(200, await state(app));
  }
  if (route === '/faults' && method === 'POST') {
    app.faults.set(await body());
    return jsonReply(200, app.faults.view());
  }
  if (route === '/faults' && method === 'DELETE') {
    app.faults.clear();
    return jsonReply(200, app.faults.view());
  }
  if (route === '/faults' && method === 'GET') return jsonReply(200, app.faults.view());
  if (route === '/edit' && method === 'POST') return jsonReply(200, await edit(app, await body()));
  if (route === '/delete' && method === 'POST') return jsonReply(200, await remove(app, await body()));
  if (route === '/seed' && method === 'POST') {
    const input = await body();
    const parts = input.parts === undefined ? app.seedParts : count(input.parts, 'parts', 200_000);
    return jsonReply(200, { parts, ...(await seedParts(app.sync, parts)) });
  }
  if (route === '/touch' && method === 'POST') return jsonReply(200, await touch(app, await body()));
  if (route === '/expire-tokens' && method === 'POST') {
    const input = await body();
    const user = input.user === undefined || input.user === null ? null : userId(input.user, 'user');
    return jsonReply(200, { expired: app.auth.expireTokens(user) });
  }
  if (route.startsWith('/records/') && method === 'GET') {
    const name = collection(decodeURIComponent(route.slice('/records/'.length)));
    return jsonReply(200, {
      collection: name,
      records: (await app.sync.changes.all(name)).map((record) =>
        record.deleted
          ? { id: record.id, version: record.version, updatedAt: record.updatedAt, deleted: true }
          : record,
      ),
    });
  }
  if (route === '/log' && method === 'GET') {
    const since = url.searchParams.get('since');
    const seq = since === null ? 0 : Number(since);
    if (!Number.isInteger(seq) || seq < 0)
      throw new HttpError(400, 'invalid_query', 'since must be a log seq');
    return jsonReply(200, { entries: app.log.since(seq) });
  }
  throw new HttpError(404, 'not_found', `no control endpoint ${method} ${url.pathname}`);
}

async function state(app: App): Promise<unknown> {
  const counts: Record<string, number> = {};
  for (const name of COLLECTION_NAMES) {
    counts[name] = (await app.sync.changes.all(name)).filter((record) => !record.deleted).length;
  }
  return { faults: app.faults.view(), counts, users: USERS };
}

/**
 * Back to the seed. `clear()` makes cursors issued before now answer 410 (their records are gone), and id counters
 * keep counting, so no new record ever takes the id of one a client may still hold.
 */
async function reset(app: App): Promise<void> {
  await app.store.sync.clear();
  await seedAll(app.store, app.sync, app.seedParts);
  app.store.tokens.clearForcedExpiry();
  app.faults.clear();
  app.log.clear();
}

/** A merge patch by "another user" (or the system), validated like a client's, bumping the version. */
async function edit(app: App, input: JsonObject): Promise<unknown> {
  const name = collection(input.collection);
  const id = text(input.id, 'id');
  if (input.as !== undefined) userId(input.as, 'as');
  if (!isObject(input.patch)) throw invalidBody('patch', 'must be a JSON object (a merge patch)');
  return app.sync.changes.update(name, id, input.patch);
}

async function remove(app: App, input: JsonObject): Promise<unknown> {
  return app.sync.changes.remove(collection(input.collection), text(input.id, 'id'));
}

/** Changes the `count` least recently changed records and deletes the next `deleteCount`, for delta-pull demos. */
async function touch(app: App, input: JsonObject): Promise<unknown> {
  const name = collection(input.collection);
  const changes = count(input.count, 'count', 100_000);
  const deletes = input.deleteCount === undefined ? 0 : count(input.deleteCount, 'deleteCount', 100_000);
  const round = app.store.meta.next('touch');
  const change = TOUCH[name] ?? ((): JsonObject => ({}));
  // Least recently changed first; `all` is in id order, which breaks ties the same way every time.
  const live = (await app.sync.changes.all(name))
    .filter((record) => !record.deleted)
    .sort((a, b) => (a.updatedAt === b.updatedAt ? 0 : String(a.updatedAt) < String(b.updatedAt) ? -1 : 1))
    .slice(0, changes + deletes);
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [index, record] of live.entries()) {
    const id = String(record.id);
    if (index < changes) {
      await app.sync.changes.update(name, id, change(record, round));
      changed.push(id);
    } else {
      await app.sync.changes.remove(name, id);
      deleted.push(id);
    }
  }
  return { changed, deleted };
}

async function readControlBody(req: IncomingMessage, res: ServerResponse): Promise<JsonObject> {
  const bytes = await readBody(req, res, LIMITS.controlBodyBytes);
  if (bytes.byteLength === 0) return {};
  const type = parseMediaType(req.headers['content-type']);
  if (type && !isJsonMediaType(type.type)) {
    throw new HttpError(415, 'unsupported_media_type', 'control requests take application/json');
  }
  const value = parseJson(bytes);
  if (!isObject(value)) throw invalidBody('(body)', 'must be a JSON object');
  return value;
}

function collection(name: unknown): string {
  if (typeof name !== 'string' || !COLLECTION_NAMES.includes(name)) {
    throw new HttpError(404, 'unknown_collection', `no collection ${JSON.stringify(name)}`, {
      collections: COLLECTION_NAMES,
    });
  }
  return name;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalidBody(field, 'must be a non-empty string');
  return value;
}

function userId(value: unknown, field: string): string {
  const id = text(value, field);
  if (id !== 'system' && !USERS.some((user) => user.id === id))
    throw invalidBody(field, `unknown user ${id}`);
  return id;
}

function count(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidBody(field, `must be an integer from 0 to ${max}`);
  }
  return value;
}
