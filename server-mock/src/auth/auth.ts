import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/index.js';
import { DEMO_PASSWORD, findUser, type User } from './users.js';

/** How long a sign-in lasts. */
export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface LoginAnswer {
  token: string;
  user: User;
  expiresAt: string;
}

const unauthorized = (message: string): HttpError =>
  new HttpError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });

export class Auth {
  constructor(private readonly store: Store) {}

  login(username: unknown, password: unknown): LoginAnswer {
    const user = typeof username === 'string' ? findUser(username) : undefined;
    if (!user || typeof password !== 'string' || !sameText(password, DEMO_PASSWORD)) {
      throw unauthorized('unknown user or wrong password');
    }
    const now = this.store.clock().getTime();
    this.store.tokens.pruneBefore(now);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + TOKEN_LIFETIME_MS;
    this.store.tokens.add(token, user.id, expiresAt);
    return { token, user, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The user a request acts for, from its `Authorization: Bearer` header; 401 otherwise. */
  authenticate(header: string | undefined): User {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match?.[1]) throw unauthorized('this request needs Authorization: Bearer <token>');
    const stored = this.store.tokens.get(match[1]);
    if (!stored) throw unauthorized('unknown token: sign in again');
    if (stored.expired || stored.expiresAt <= this.store.clock().getTime()) {
      throw unauthorized('the token has expired: sign in again');
    }
    const user = findUser(stored.user);
    if (!user) throw unauthorized('the token belongs to no known user');
    return user;
  }

  /** The user a header names, without judging it: for the request log of requests a fault cut short. */
  peek(header: string | undefined): string | null {
    try {
      return this.authenticate(header).id;
    } catch {
      return null;
    }
  }

  logout(header: string | undefined): void {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (match?.[1]) this.store.tokens.delete(match[1]);
  }

  /** Makes current tokens (of one user, or everyone's) answer 401 until a new sign-in. Returns how many. */
  expireTokens(user: string | null): number {
    return this.store.tokens.expire(user);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
