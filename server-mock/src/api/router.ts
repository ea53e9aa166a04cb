import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, type App, type RequestInfo } from '../app.js';
import { findCollection } from '../collections/index.js';
import { readBody, isJsonMediaType, parseJson, parseMediaType } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { parseMultipart, parseUrlEncoded } from '../http/forms.js';
import { jsonReply, type Reply } from '../http/reply.js';
import { isObject } from '../json.js';
import { applyWrite } from './apply-write.js';
import { applyBatch, parseBatch } from './batch.js';
import { discovery } from './discovery.js';
import { API_BASE, parseApiPath } from './paths.js';
import { listRecords, readPhotoContent, readRecord } from './reads.js';
import { DISCOVERY_PATH, WRITE_METHODS, isWriteMethod } from '@offline-kit/sw/protocol';
import type { IfMatch, WriteBody } from './write-types.js';

const methodNotAllowed = (allow: string): HttpError =>
  new HttpError(405, 'method_not_allowed', `allowed here: ${allow}`, undefined, { Allow: allow });

/** Answers one request under `/api`. Faults were already applied by the caller; the reply is not sent yet. */
export async function handleApi(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  info: RequestInfo,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const path = url.pathname;

  if (path === `${API_BASE}${DISCOVERY_PATH}`) {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
    const announced = app.faults.announcedProtocol();
    return jsonReply(200, announced === null ? discovery() : { ...discovery(), version: announced });
  }
  if (path === `${API_BASE}/auth/login`) {
    if (method !== 'POST') throw methodNotAllowed('POST');
    const body = parseJson(await readBody(req, res, LIMITS.controlBodyBytes));
    if (!isObject(body)) throw new HttpError(400, 'invalid_body', 'send { "username", "password" }');
    const answer = app.auth.login(body.username, body.password);
    info.user = answer.user.id;
    return jsonReply(200, answer);
  }

  const user = app.auth.authenticate(req.headers.authorization);
  info.user = user.id;

  if (path === `${API_BASE}/auth/me`) return jsonReply(200, { user });
  if (path === `${API_BASE}/auth/logout`) {
    if (method !== 'POST') throw methodNotAllowed('POST');
    app.auth.logout(req.headers.authorization);
    return jsonReply(200, { signedOut: true });
  }
  if (path === `${API_BASE}/_batch`) {
    if (method !== 'POST') throw methodNotAllowed('POST');
    const type = parseMediaType(req.headers['content-type']);
    if (!type || !isJsonMediaType(type.type)) {
      throw new HttpError(415, 'unsupported_media_type', 'a batch is application/json');
    }
    const writes = parseBatch(
      parseJson(await readBody(req, res, LIMITS.batchMaxBytes), 'invalid_batch'),
      user.id,
    );
    return jsonReply(
      200,
      applyBatch(app, writes, (write, answer, status) => {
        app.log.add({
          at: new Date().toISOString(),
          method: write.method,
          path: write.pathname + (write.query.size > 0 ? `?${write.query.toString()}` : ''),
          status,
          user: user.id,
          key: write.key,
          durationMs: 0,
          fault: null,
          replay: answer?.replay ?? false,
          via: 'batch',
        });
      }),
    );
  }

  const route = parseApiPath(path);
  const def = route ? findCollection(route.collection) : undefined;
  if (!route || !def) throw new HttpError(404, 'unknown_collection', `no collection answers ${path}`);

  if (method === 'GET' || method === 'HEAD') {
    if (route.id === null) return listRecords(app, def, user, url.searchParams);
    if (route.sub === null) return readRecord(app, def, user, route.id);
    if (route.sub === 'content' && def.accepts.binary) return readPhotoContent(app, def, user, route.id);
    throw new HttpError(404, 'not_found', `${path} does not exist`);
  }
  if (!isWriteMethod(method)) throw methodNotAllowed(`GET, ${WRITE_METHODS.join(', ')}`);
  if (!def.writable) throw new HttpError(405, 'read_only', `${def.name} is read-only`);

  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length === 0) {
    throw new HttpError(400, 'missing_idempotency_key', 'every write needs an Idempotency-Key header');
  }
  if (key.length > 200) {
    throw new HttpError(400, 'missing_idempotency_key', 'an Idempotency-Key is at most 200 characters');
  }
  info.key = key;
  const ifMatch = parseIfMatch(req.headers['if-match']);
  const tempIdHeader = req.headers['offline-kit-temp-id'];
  const body = await readWriteBody(req, res, method === 'DELETE');
  const answer = applyWrite(app.store, app.records, {
    user: user.id,
    key,
    method,
    pathname: path,
    query: url.searchParams,
    ifMatch,
    tempId: typeof tempIdHeader === 'string' && tempIdHeader !== '' ? tempIdHeader : null,
    body,
  });
  info.replay = answer.replay;
  return jsonReply(
    answer.status,
    answer.body,
    answer.replay ? { ...answer.headers, 'Idempotent-Replay': 'true' } : answer.headers,
  );
}

/** `"5"`, `5`, `W/"5"` or `*`. */
function parseIfMatch(header: string | undefined): IfMatch | null {
  if (header === undefined || header.trim() === '') return null;
  const value = header.trim();
  if (value === '*') return { kind: 'any' };
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  const version = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new HttpError(400, 'invalid_body', 'If-Match must be a record version such as "3"', {
      field: 'If-Match',
      reason: 'not a version',
    });
  }
  return { kind: 'version', version };
}

async function readWriteBody(req: IncomingMessage, res: ServerResponse, ignore: boolean): Promise<WriteBody> {
  const bytes = await readBody(req, res, LIMITS.maxBodyBytes);
  const header = req.headers['content-type'];
  if (ignore || (bytes.byteLength === 0 && header === undefined)) return { kind: 'none' };
  const type = parseMediaType(header);
  if (type && isJsonMediaType(type.type)) return { kind: 'json', value: parseJson(bytes) };
  if (type?.type === 'application/x-www-form-urlencoded')
    return { kind: 'form', fields: parseUrlEncoded(bytes) };
  if (type?.type === 'multipart/form-data' && header)
    return { kind: 'form', fields: await parseMultipart(bytes, header) };
  if (type?.type.startsWith('image/')) return { kind: 'binary', contentType: type.type, bytes };
  throw new HttpError(
    415,
    'unsupported_media_type',
    `${header ?? 'a body without Content-Type'} is not accepted: send application/json`,
  );
}
