import express from 'express';
import { z } from 'zod';
import { createSyncHandler } from '@offline-kit/server';
import { offlineKitExpress } from '@offline-kit/server/express';
import { SqliteStore } from '@offline-kit/server/sqlite';

const todo = z.strictObject({ title: z.string().min(1), done: z.boolean().default(false) });
const sync = createSyncHandler({
  store: new SqliteStore({ file: 'data/sync.db' }),
  // Your own session or token check: the user id, or null for a 401.
  auth: (req) => (req.headers.authorization === 'Bearer demo-token' ? { id: 'alice' } : null),
  collections: [{ name: 'todos', schema: todo }],
});
const app = express();
app.use(offlineKitExpress(sync)); // /api/_sync, /api/todos, /api/_batch; every other request goes on
app.get('/hello', (_req, res) => res.send('your own routes, as before'));
app.listen(3000);
