/**
 * json-server (the npm package, unmodified: "a backend no one here wrote") behind the REST origin: its router mounted
 * at `/api` over a fresh temp db.json for every test. The shape is json-server's own: bare arrays, numeric ids, no
 * version, no ETag of its own beyond express's weak one, no Idempotency-Key, no `/_sync`.
 */
import jsonServer from 'json-server';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectShape, isArrayOf, isNumber, isObject } from './guards.js';
import { startRestOrigin, type RestOrigin } from './rest-origin.js';

export interface JsonRecordWithId {
  id: number;
  [field: string]: unknown;
}

export interface JsonServerDb {
  'work-orders': JsonRecordWithId[];
  notes: JsonRecordWithId[];
}

/**
 * Ids out of numeric and string order on purpose (2, 10, 1): an offline list in "the same order as online" cannot
 * pass by sorting.
 */
export function seedDb(): JsonServerDb {
  return {
    'work-orders': [
      { id: 2, title: 'Replace the pump seal', status: 'open', site: 'North yard' },
      { id: 10, title: 'Inspect the valve', status: 'done', site: 'Boiler room' },
      { id: 1, title: 'Fix the roof leak', status: 'open', site: 'Warehouse' },
    ],
    notes: [{ id: 1, workOrderId: 2, text: 'Bring the 12 mm wrench' }],
  };
}

export interface JsonServerBackend {
  origin: RestOrigin;
  url: string;
  /** What json-server holds, read from the db.json it writes after each change. */
  db(): Promise<JsonServerDb>;
  /** A fresh db.json with `seed` (default `seedDb()`), faults cleared, log emptied. */
  reset(seed?: JsonServerDb): Promise<void>;
  close(): Promise<void>;
}

function isRecordWithId(value: unknown): value is JsonRecordWithId {
  return isObject(value) && isNumber(value.id);
}

function isDb(value: unknown): value is JsonServerDb {
  return (
    isObject(value) &&
    isArrayOf(value['work-orders'], isRecordWithId) &&
    isArrayOf(value.notes, isRecordWithId)
  );
}

export async function startJsonServer(): Promise<JsonServerBackend> {
  const app = jsonServer.create();
  let dir = '';
  let file = '';
  let router: ReturnType<typeof jsonServer.router> | null = null;

  const reset = async (seed: JsonServerDb = seedDb()): Promise<void> => {
    const previous = dir;
    dir = await mkdtemp(path.join(tmpdir(), 'offline-kit-json-server-'));
    file = path.join(dir, 'db.json');
    await writeFile(file, JSON.stringify(seed, null, 2));
    router = jsonServer.router(file);
    if (previous !== '') await rm(previous, { recursive: true, force: true });
  };
  await reset();

  // The router is swapped at each reset; express keeps the middleware it was given, so it goes through this.
  app.use('/api', (req, res, next) => {
    if (router === null) throw new Error('json-server has no router');
    router(req, res, next);
  });
  const origin = await startRestOrigin((req, res) => app(req, res));

  return {
    origin,
    url: origin.url,
    async db() {
      return expectShape(JSON.parse(await readFile(file, 'utf8')) as unknown, isDb, 'json-server db.json');
    },
    async reset(seed) {
      await reset(seed);
      origin.faults.clear();
      origin.clearLog();
    },
    async close() {
      await origin.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
