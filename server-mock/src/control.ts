import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, type App } from './app.js';
import { USERS } from './auth/users.js';
import { mergePatch } from './collections/fields.js';
import { COLLECTIONS, findCollection, type CollectionDef } from './collections/index.js';
import { isJsonMediaType, parseJson, parseMediaType, readBody } from './http/body.js';
import { HttpError, invalidBody } from './http/errors.js';
import { jsonReply, type Reply } from './http/reply.js';
import { isObject, type JsonObject } from './json.js';
import { toTombstone, toWire } from './records.js';
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

  if (route === '/state' && method === 'GET') return jsonReply(200, state(app));
  if (route === '/reset' && method === 'POST') {
    await body();
    reset(app);
    return jsonReply(200, state(app));
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
  if (route === '/edit' && method === 'POST') return jsonReply(200, edit(app, await body()));
  if (route === '/delete' && method === 'POST') return jsonReply(200, remove(app, await body()));
  if (route === '/seed' && method === 'POST') {
    const input = await body();
    const parts = input.parts === undefined ? app.seedParts : count(input.parts, 'parts', 200_000);
    return jsonReply(200, { parts, ...seedParts(app.store, app.records, parts) });
  }
  if (route === '/touch' && method === 'POST') return jsonReply(200, touch(app, await body()));
  if (route === '/expire-tokens' && method === 'POST') {
    const input = await body();
    const user = input.user === undefined || input.user === null ? null : userId(input.user, 'user');
    return jsonReply(200, { expired: app.auth.expireTokens(user) });
  }
  if (route.startsWith('/records/') && method === 'GET') {
    const def = collection(decodeURIComponent(route.slice('/records/'.length)));
    return jsonReply(200, {
      collection: def.name,
      records: app.store.records
        .all(def.name)
        .map((record) => (record.deleted ? toTombstone(record) : { ...toWire(record), deleted: false })),
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

function state(app: App): unknown {
  const counts: Record<string, number> = {};
  for (const def of COLLECTIONS) counts[def.name] = app.store.records.count(def.name);
  return { faults: app.faults.view(), counts, users: USERS };
}

/**
 * Back to the seed. Cursors issued before now answer 410 afterwards (their records are gone), and id counters keep
 * counting, so no new record ever takes the id of one a client may still hold.
 */
function reset(app: App): void {
  app.store.transaction(() => {
    app.store.clearData();
    app.store.meta.setCursorFloor(app.store.meta.nextSeq());
    seedAll(app.store, app.records, app.seedParts);
    app.store.tokens.clearForcedExpiry();
  });
  app.faults.clear();
  app.log.clear();
}

function edit(app: App, input: JsonObject): unknown {
  const def = collection(input.collection);
  const id = text(input.id, 'id');
  const actor = input.as === undefined ? 'system' : userId(input.as, 'as');
  if (!isObject(input.patch)) throw invalidBody('patch', 'must be a JSON object (a merge patch)');
  const patch = input.patch;
  return app.store.transaction(() => {
    const current = app.store.records.get(def.name, id);
    if (!current) throw new HttpError(404, 'not_found', `${def.name}/${id} does not exist`);
    if (current.deleted)
      throw new HttpError(404, 'deleted', `${def.name}/${id} was deleted`, toTombstone(current));
    const merged = mergePatch(current.data, patch);
    const data = def.replace(isObject(merged) ? merged : {}, current.data, { actor, now: app.store.clock() });
    return toWire(app.records.replace(def, current, data));
  });
}

function remove(app: App, input: JsonObject): unknown {
  const def = collection(input.collection);
  const id = text(input.id, 'id');
  return app.store.transaction(() => {
    const current = app.store.records.get(def.name, id);
    if (!current) throw new HttpError(404, 'not_found', `${def.name}/${id} does not exist`);
    return toTombstone(current.deleted ? current : app.records.remove(def, current));
  });
}

/** Changes the `count` least recently changed records and deletes the next `deleteCount`, for delta-pull demos. */
function touch(app: App, input: JsonObject): unknown {
  const def = collection(input.collection);
  const changes = count(input.count, 'count', 100_000);
  const deletes = input.deleteCount === undefined ? 0 : count(input.deleteCount, 'deleteCount', 100_000);
  return app.store.transaction(() => {
    const round = app.store.meta.nextId('touch');
    const targets = app.store.records.oldestLive(def.name, changes + deletes);
    const changed: string[] = [];
    const deleted: string[] = [];
    targets.forEach((record, index) => {
      if (index < changes) {
        app.records.replace(def, record, def.touch(record.data, round));
        changed.push(record.id);
      } else {
        app.records.remove(def, record);
        deleted.push(record.id);
      }
    });
    return { changed, deleted };
  });
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

function collection(name: unknown): CollectionDef {
  const def = typeof name === 'string' ? findCollection(name) : undefined;
  if (!def) {
    throw new HttpError(404, 'unknown_collection', `no collection ${JSON.stringify(name)}`, {
      collections: COLLECTIONS.map((c) => c.name),
    });
  }
  return def;
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
