/**
 * The signed-in technician, kept the way an ordinary web app keeps it: in localStorage, so a reload (or a restart
 * offline) keeps the person signed in. The service worker never stores it; the page hands it over on each load.
 */
import { isObject } from '../api/types.js';

export interface Session {
  token: string;
  user: { id: string; name: string };
  expiresAt: string | null;
}

const KEY = 'field-service.session';

export function toSession(value: unknown): Session | null {
  if (!isObject(value) || typeof value.token !== 'string' || !isObject(value.user)) return null;
  const { id, name } = value.user;
  if (typeof id !== 'string') return null;
  return {
    token: value.token,
    user: { id, name: typeof name === 'string' ? name : id },
    expiresAt: typeof value.expiresAt === 'string' ? value.expiresAt : null,
  };
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? toSession(JSON.parse(raw) as unknown) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

export function getToken(): string | null {
  return loadSession()?.token ?? null;
}
