import { expectShape, isObject, isString } from './guards.js';

export interface Session {
  token: string;
  /** The user id the server knows (`alice`, `bob`, `carol`). */
  user: string;
  /** Ready to pass as request headers or to `setCredentials`. */
  headers: { Authorization: string };
}

function isLoginAnswer(value: unknown): value is { token: string; user: { id: string } } {
  return isObject(value) && isString(value.token) && isObject(value.user) && isString(value.user.id);
}

/** Signs a demo user in (`alice`, `bob` or `carol`; password `demo`) and returns a fresh token. */
export async function login(baseUrl: string, user: string, password = 'demo'): Promise<Session> {
  const response = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  if (!response.ok) throw new Error(`login as ${user} answered ${response.status}: ${await response.text()}`);
  const answer = expectShape(await response.json(), isLoginAnswer, 'login answer');
  return { token: answer.token, user: answer.user.id, headers: { Authorization: `Bearer ${answer.token}` } };
}
