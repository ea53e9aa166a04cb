import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, type App, type RequestInfo } from '../app.js';
import { parseJson, readBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { jsonReply, type Reply } from '../http/reply.js';
import { isObject } from '../json.js';

const methodNotAllowed = (allow: string): HttpError =>
  new HttpError(405, 'method_not_allowed', `allowed here: ${allow}`, undefined, { Allow: allow });

/** `/api/auth/*`: the demo's sign-in with mock tokens. Not part of the protocol: a real backend has its own. */
export async function handleAuth(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  info: RequestInfo,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const route = url.pathname.slice(`${app.sync.basePath}/auth`.length);
  if (route === '/login') {
    if (method !== 'POST') throw methodNotAllowed('POST');
    const body = parseJson(await readBody(req, res, LIMITS.controlBodyBytes));
    if (!isObject(body)) throw new HttpError(400, 'invalid_body', 'send { "username", "password" }');
    const answer = app.auth.login(body.username, body.password);
    info.user = answer.user.id;
    return jsonReply(200, answer);
  }
  const user = app.auth.authenticate(req.headers.authorization);
  info.user = user.id;
  if (route === '/me') return jsonReply(200, { user });
  if (route === '/logout') {
    if (method !== 'POST') throw methodNotAllowed('POST');
    app.auth.logout(req.headers.authorization);
    return jsonReply(200, { signedOut: true });
  }
  throw new HttpError(404, 'not_found', `${url.pathname} does not exist`);
}
