import { invalidBody } from '../http/errors.js';
import type { JsonObject } from '../json.js';
import { USERS } from '../auth/users.js';
import { formToObject, nullableDate, oneOf, rejectUnknown, stringArray, text } from './fields.js';
import type { CollectionDef } from './types.js';

export const WORK_ORDER_STATUSES = ['open', 'in-progress', 'done', 'cancelled'] as const;
export const WORK_ORDER_PRIORITIES = ['low', 'normal', 'high'] as const;
const FIELDS = ['title', 'description', 'status', 'priority', 'customer', 'address', 'assignees', 'dueDate'];
const USER_IDS = USERS.map((user) => user.id);

function validate(input: JsonObject, assignees: string[]): JsonObject {
  rejectUnknown(input, FIELDS, []);
  if (assignees.length === 0) throw invalidBody('assignees', 'must name at least one user');
  return {
    title: text(input, 'title', { min: 1, max: 200 }),
    description: text(input, 'description', { max: 10_000, fallback: '' }),
    status: oneOf(input, 'status', WORK_ORDER_STATUSES, 'open'),
    priority: oneOf(input, 'priority', WORK_ORDER_PRIORITIES, 'normal'),
    customer: text(input, 'customer', { max: 200, fallback: '' }),
    address: text(input, 'address', { max: 500, fallback: '' }),
    assignees,
    dueDate: nullableDate(input, 'dueDate'),
  };
}

function currentAssignees(data: JsonObject): string[] {
  const value = data.assignees;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Work orders: read/write with conflict detection; a user sees and writes only those assigned to them. */
export const workOrders: CollectionDef = {
  name: 'work-orders',
  idPrefix: 'wo',
  writable: true,
  scope: 'assignees',
  accepts: { json: true, form: true, binary: false },
  updatable: true,
  create(input, ctx) {
    // Omitted assignees means "mine": the creator must be able to see what they just made.
    return validate(input, stringArray(input, 'assignees', USER_IDS) ?? [ctx.actor]);
  },
  replace(input, current) {
    // A PUT that leaves out assignees keeps them: dropping them would hide the record from its own writer.
    return validate(input, stringArray(input, 'assignees', USER_IDS) ?? currentAssignees(current));
  },
  fromForm(fields) {
    return formToObject(fields, ['assignees']);
  },
  readers: currentAssignees,
  touch(data, round) {
    return {
      ...data,
      description:
        `${typeof data.description === 'string' ? data.description : ''}\nChecked by dispatch (${round}).`.trim(),
    };
  },
};
