import type Database from 'better-sqlite3';
import { intColumn } from './rows.js';

/** server-mock's own counters: whether the demo data was seeded, and the round number of `/__mock/touch`. */
export class MockMeta {
  private readonly bump;
  private readonly read;
  private readonly write;

  constructor(db: Database.Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS mock_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID',
    );
    this.bump = db.prepare(
      'INSERT INTO mock_meta (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value',
    );
    this.read = db.prepare('SELECT value FROM mock_meta WHERE key = ?');
    this.write = db.prepare(
      'INSERT INTO mock_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  next(key: string): number {
    return intColumn(this.bump.get(key), 'value');
  }

  get(key: string): number {
    const row = this.read.get(key);
    return row === undefined ? 0 : intColumn(row, 'value');
  }

  set(key: string, value: number): void {
    this.write.run(key, value);
  }
}
