import type { Db } from './db.js';
import { blobColumn, textColumn } from './rows.js';

/** Photo bytes, kept beside their record so one transaction writes both. */
export class BlobTable {
  private readonly select;
  private readonly insert;
  private readonly remove;

  constructor(db: Db) {
    this.select = db.prepare('SELECT content_type, bytes FROM blobs WHERE id = ?');
    this.insert = db.prepare('INSERT INTO blobs (id, content_type, bytes) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM blobs WHERE id = ?');
  }

  get(id: string): { contentType: string; bytes: Buffer } | undefined {
    const row = this.select.get(id);
    if (row === undefined) return undefined;
    return { contentType: textColumn(row, 'content_type'), bytes: blobColumn(row, 'bytes') };
  }

  put(id: string, contentType: string, bytes: Buffer): void {
    this.insert.run(id, contentType, bytes);
  }

  delete(id: string): void {
    this.remove.run(id);
  }
}
