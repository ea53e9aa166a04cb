import type { Db } from './db.js';
import { intColumn } from './rows.js';

/** Counters that must survive restarts and resets: the global change sequence, the cursor floor, id counters. */
export class Meta {
  private readonly bump;
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    db.prepare(
      "INSERT OR IGNORE INTO meta (key, value) VALUES ('seq', 0), ('cursor_floor', 0), ('seeded', 0)",
    ).run();
    this.bump = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value',
    );
    this.read = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.write = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** The next change sequence number. Every change of any record takes one; cursors are built from them. */
  nextSeq(): number {
    return intColumn(this.bump.get('seq'), 'value');
  }

  currentSeq(): number {
    return this.get('seq');
  }

  /** Cursors below this were issued before the last reset and answer 410 `cursor_expired`. */
  cursorFloor(): number {
    return this.get('cursor_floor');
  }

  setCursorFloor(value: number): void {
    this.write.run('cursor_floor', value);
  }

  /** A fresh number for an id prefix. Never reused, not even after a reset: a queued write must never hit a stranger. */
  nextId(prefix: string): number {
    return intColumn(this.bump.get(`next:${prefix}`), 'value');
  }

  /** Makes sure the next `nextId(prefix)` is above `used` (seed ids are fixed). */
  reserveId(prefix: string, used: number): void {
    if (this.get(`next:${prefix}`) < used) this.write.run(`next:${prefix}`, used);
  }

  get(key: string): number {
    const row = this.read.get(key);
    return row === undefined ? 0 : intColumn(row, 'value');
  }

  set(key: string, value: number): void {
    this.write.run(key, value);
  }
}
