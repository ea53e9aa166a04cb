import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  createSyncHandler,
  type CollectionConfig,
  type SyncHandler,
  type SyncStore,
  type WriteEvent,
} from '../src/index.js';

/** The demo's collections, declared for the library: what a backend author writes. */
export const USERS = ['alice', 'bob', 'carol'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

export const COLLECTIONS: CollectionConfig[] = [
  {
    name: 'work-orders',
    idPrefix: 'wo',
    schema: z.strictObject({
      title: z.string().min(1).max(200),
      description: z.string().max(10_000).default(''),
      status: z.enum(['open', 'in-progress', 'done', 'cancelled']).default('open'),
      priority: z.enum(['low', 'normal', 'high']).default('normal'),
      assignees: z.array(z.enum(USERS)).min(1),
      dueDate: z.string().regex(DATE).nullable().default(null),
    }),
    // Omitted assignees means "mine": the creator must be able to see what they just made.
    defaults: (ctx) => ({ assignees: [ctx.user] }),
    // A PUT that leaves out assignees keeps them: dropping them would hide the record from its own writer.
    keep: ['assignees'],
    forms: { arrays: ['assignees'] },
    readers: (data) =>
      Array.isArray(data.assignees) ? data.assignees.filter((a) => typeof a === 'string') : [],
  },
  {
    name: 'notes',
    idPrefix: 'nt',
    schema: z.strictObject({ workOrderId: z.string().min(1).max(200), text: z.string().min(1).max(5000) }),
    owned: { author: (ctx) => ctx.user, createdAt: (ctx) => ctx.now.toISOString() },
    parent: { field: 'workOrderId', collection: 'work-orders' },
    readers: 'parent',
    forms: {},
  },
  {
    name: 'photos',
    idPrefix: 'ph',
    schema: z.strictObject({
      workOrderId: z.string().min(1).max(200),
      contentType: z.string(),
      size: z.number().int(),
    }),
    parent: { field: 'workOrderId', collection: 'work-orders' },
    readers: 'parent',
    binary: {
      types: ['image/*'],
      fields: ({ contentType, size, query }) => ({
        workOrderId: query.get('workOrderId') ?? undefined,
        contentType,
        size,
      }),
    },
    immutable: true,
  },
  { name: 'parts', idPrefix: 'pt', writable: false },
];

export interface TestServer {
  url: string;
  sync: SyncHandler;
  /** What `onWrite` was told, in order. */
  writes: WriteEvent[];
  close(): Promise<void>;
}

/** Serves the library beside one route of the app's own, with `Bearer <user>` as the whole of authentication. */
export async function serve(store: SyncStore): Promise<TestServer> {
  const writes: WriteEvent[] = [];
  const sync = createSyncHandler({
    collections: COLLECTIONS,
    store,
    onWrite: (event) => writes.push(event),
    auth: (req) => {
      const match = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
      const user = match?.[1];
      return user !== undefined && (USERS as readonly string[]).includes(user) ? { id: user } : null;
    },
  });
  const server: Server = createServer((req, res) => {
    void sync(req, res).then((handled) => {
      if (handled) return;
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(req.url === '/health' ? 'app route' : 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sync,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The seed every conformance test starts from: 5 work orders, 3 notes, 50 parts. */
export async function seed(sync: SyncHandler): Promise<void> {
  const assignees = [['alice', 'bob'], ['alice', 'bob'], ['alice'], ['alice', 'bob'], ['bob']];
  for (const [i, people] of assignees.entries()) {
    await sync.changes.create('work-orders', {
      title: `Job ${i + 1}`,
      assignees: people,
      status: i === 2 ? 'in-progress' : 'open',
    });
  }
  await sync.changes.create('notes', { workOrderId: 'wo_1', text: 'first' });
  await sync.changes.create('notes', { workOrderId: 'wo_1', text: 'second' });
  await sync.changes.create('notes', { workOrderId: 'wo_3', text: 'alice only' });
  for (let i = 1; i <= 50; i += 1) await sync.changes.create('parts', { name: `Part ${i}`, stock: i });
}
