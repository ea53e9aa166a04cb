import { api, jsonBody } from './http.js';
import { toSession, type Session } from '../app/session.js';

/** `POST /api/auth/login` goes straight to the server: signing in needs the network, and the page says so. */
export async function login(username: string, password: string): Promise<Session> {
  const answer = await api('/api/auth/login', { method: 'POST', ...jsonBody({ username, password }) });
  const session = toSession(answer.body);
  if (!session) throw new Error('The server answered the sign-in with something unexpected.');
  return session;
}
