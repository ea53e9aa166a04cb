import type { CollectionConfig } from '@offline-kit/server';
import { z } from 'zod';
import { USERS } from '../auth/users.js';
import type { JsonObject } from '../json.js';

/**
 * The demo's collections, declared for `@offline-kit/server` the way any backend would: the library serves the
 * protocol for them (PROTOCOL.md), server-mock adds only what a demo needs around it (control API, faults, sign-in).
 */

const USER_IDS = USERS.map((user) => user.id) as [string, ...string[]];
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

/** A text field that may be left out (or sent as null): then it is `fallback`. */
const optionalText = (max: number, fallback = ''): z.ZodType<string, string | null | undefined> =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((value) => value ?? fallback);

const choice = <T extends string>(
  values: readonly [T, ...T[]],
  fallback: T,
): z.ZodType<T, T | null | undefined> =>
  z
    .enum(values)
    .nullish()
    .transform((value) => value ?? fallback);

/** A calendar date `YYYY-MM-DD` or a full ISO 8601 date-time; '' and null mean none. */
const dueDate = z
  .union(
    [
      z.literal(''),
      z
        .string()
        .regex(DATE)
        .refine((value) => !Number.isNaN(Date.parse(value))),
    ],
    {
      error: 'must be a date (YYYY-MM-DD or ISO 8601) or null',
    },
  )
  .nullish()
  .transform((value) => (value === '' || value === undefined ? null : value));

const workOrder = z.strictObject({
  title: z.string().min(1).max(200),
  description: optionalText(10_000),
  status: choice(['open', 'in-progress', 'done', 'cancelled'], 'open'),
  priority: choice(['low', 'normal', 'high'], 'normal'),
  customer: optionalText(200),
  address: optionalText(500),
  assignees: z
    .array(z.enum(USER_IDS))
    .min(1, 'must name at least one user')
    .transform((ids) => [...new Set(ids)]),
  dueDate,
});

const assigneesOf = (data: JsonObject): string[] =>
  Array.isArray(data.assignees)
    ? data.assignees.filter((item): item is string => typeof item === 'string')
    : [];

const WORK_ORDERS: CollectionConfig = {
  name: 'work-orders',
  idPrefix: 'wo',
  schema: workOrder,
  // Omitted assignees means "mine": the creator must be able to see what they just made.
  defaults: (ctx) => ({ assignees: [ctx.user] }),
  // A PUT that leaves out assignees keeps them: dropping them would hide the record from its own writer.
  keep: ['assignees'],
  readers: assigneesOf,
  forms: { arrays: ['assignees'] },
};

/** Notes: children of a work order, readable and writable by whoever may read the work order. */
const NOTES: CollectionConfig = {
  name: 'notes',
  idPrefix: 'nt',
  schema: z.strictObject({ workOrderId: z.string().min(1).max(200), text: z.string().min(1).max(5000) }),
  owned: { author: (ctx) => ctx.user, createdAt: (ctx) => ctx.now.toISOString() },
  parent: { field: 'workOrderId', collection: 'work-orders' },
  readers: 'parent',
  forms: {},
};

/**
 * Photos: `POST /api/photos?workOrderId=…` with an `image/*` body. The record holds the metadata; the bytes are served
 * at `/api/photos/<id>/content`. Immutable: replace one by deleting it and adding another.
 */
const PHOTOS: CollectionConfig = {
  name: 'photos',
  idPrefix: 'ph',
  schema: z.strictObject({
    workOrderId: z.string().min(1).max(200),
    contentType: z.string().min(1).max(200),
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
};

/** The parts catalogue: read-only for clients, seeded (and changed) only through `/__mock/*`. */
const PARTS: CollectionConfig = { name: 'parts', idPrefix: 'pt', writable: false };

export const COLLECTIONS: readonly CollectionConfig[] = [WORK_ORDERS, NOTES, PHOTOS, PARTS];

export const COLLECTION_NAMES: readonly string[] = COLLECTIONS.map((c) => c.name);

/** A small, valid change per collection, for `/__mock/touch` (delta-pull demos). */
export const TOUCH: Record<string, (data: JsonObject, round: number) => JsonObject> = {
  'work-orders': (data, round) => ({
    description:
      `${typeof data.description === 'string' ? data.description : ''}\nChecked by dispatch (${round}).`.trim(),
  }),
  notes: (data, round) => ({
    text: `${typeof data.text === 'string' ? data.text : ''} (edited ${round})`.slice(0, 5000),
  }),
  photos: () => ({}),
  parts: (data, round) => ({ stock: ((typeof data.stock === 'number' ? data.stock : 0) + 7 * round) % 500 }),
};
