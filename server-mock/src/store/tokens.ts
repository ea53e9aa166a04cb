import type Database from 'better-sqlite3';
import { intColumn, textColumn } from './rows.js';

export interface StoredToken {
  user: string;
  expiresAt: number;
  /** Forced to expire by `/__mock/expire-tokens`. */
  expired: boolean;
}

/** Bearer tokens, stored so a restart does not sign everyone out. */
export class TokenTable {
  private readonly select;
  private readonly insert;
  private readonly remove;
  private readonly expireUser;
  private readonly expireAll;
  private readonly unexpireAll;
  private readonly prune;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS tokens (
      token TEXT PRIMARY KEY,
      user TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      expired INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user);`);
    this.select = db.prepare('SELECT user, expires_at, expired FROM tokens WHERE token = ?');
    this.insert = db.prepare('INSERT INTO tokens (token, user, expires_at) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM tokens WHERE token = ?');
    this.expireUser = db.prepare('UPDATE tokens SET expired = 1 WHERE user = ?');
    this.expireAll = db.prepare('UPDATE tokens SET expired = 1');
    this.unexpireAll = db.prepare('UPDATE tokens SET expired = 0');
    this.prune = db.prepare('DELETE FROM tokens WHERE expires_at < ?');
  }

  get(token: string): StoredToken | undefined {
    const row = this.select.get(token);
    if (row === undefined) return undefined;
    return {
      user: textColumn(row, 'user'),
      expiresAt: intColumn(row, 'expires_at'),
      expired: intColumn(row, 'expired') === 1,
    };
  }

  add(token: string, user: string, expiresAt: number): void {
    this.insert.run(token, user, expiresAt);
  }

  delete(token: string): void {
    this.remove.run(token);
  }

  expire(user: string | null): number {
    return (user === null ? this.expireAll.run() : this.expireUser.run(user)).changes;
  }

  clearForcedExpiry(): void {
    this.unexpireAll.run();
  }

  pruneBefore(now: number): void {
    this.prune.run(now);
  }
}
