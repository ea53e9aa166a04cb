import type { Db } from './db.js';
import { intColumn, textColumn } from './rows.js';

export interface StoredAnswer {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  /** The answer's JSON body, as sent. */
  body: string;
}

function parseHeaders(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  const headers: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** First answers by (user, Idempotency-Key), written in the same transaction as the change they answer. */
export class IdempotencyTable {
  private readonly select;
  private readonly insert;
  private readonly prune;

  constructor(db: Db) {
    this.select = db.prepare(
      'SELECT fingerprint, status, headers, body FROM idempotency WHERE user = ? AND key = ?',
    );
    this.insert = db.prepare(
      'INSERT INTO idempotency (user, key, fingerprint, status, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.prune = db.prepare('DELETE FROM idempotency WHERE created_at < ?');
  }

  get(user: string, key: string): StoredAnswer | undefined {
    const row = this.select.get(user, key);
    if (row === undefined) return undefined;
    return {
      fingerprint: textColumn(row, 'fingerprint'),
      status: intColumn(row, 'status'),
      headers: parseHeaders(textColumn(row, 'headers')),
      body: textColumn(row, 'body'),
    };
  }

  put(user: string, key: string, answer: StoredAnswer, now: number): void {
    this.insert.run(
      user,
      key,
      answer.fingerprint,
      answer.status,
      JSON.stringify(answer.headers),
      answer.body,
      now,
    );
  }

  /** Drops answers older than `before` (ms since epoch). PROTOCOL.md promises at least 24 hours. */
  pruneBefore(before: number): void {
    this.prune.run(before);
  }
}

/** Which server id each user's temporary ids became (PROTOCOL.md §5.3). */
export class TempIdTable {
  private readonly select;
  private readonly insert;

  constructor(db: Db) {
    this.select = db.prepare('SELECT server_id FROM temp_ids WHERE user = ? AND temp_id = ?');
    this.insert = db.prepare(
      'INSERT INTO temp_ids (user, temp_id, collection, server_id) VALUES (?, ?, ?, ?)',
    );
  }

  resolve(user: string, tempId: string): string | undefined {
    const row = this.select.get(user, tempId);
    return row === undefined ? undefined : textColumn(row, 'server_id');
  }

  remember(user: string, tempId: string, collection: string, serverId: string): void {
    this.insert.run(user, tempId, collection, serverId);
  }
}
