import { invalidBody } from '../http/errors.js';
import { formToObject, rejectUnknown, text } from './fields.js';
import type { CollectionDef } from './types.js';

const SERVER_SET = ['author', 'createdAt'];

/** Notes: children of a work order, readable and writable by whoever may read the work order. */
export const notes: CollectionDef = {
  name: 'notes',
  idPrefix: 'nt',
  writable: true,
  scope: 'parent',
  parent: { field: 'workOrderId', collection: 'work-orders' },
  accepts: { json: true, form: true, binary: false },
  updatable: true,
  create(input, ctx) {
    rejectUnknown(input, ['workOrderId', 'text'], SERVER_SET);
    return {
      workOrderId: text(input, 'workOrderId', { min: 1, max: 200 }),
      text: text(input, 'text', { min: 1, max: 5000 }),
      author: ctx.actor,
      createdAt: ctx.now.toISOString(),
    };
  },
  replace(input, current) {
    rejectUnknown(input, ['workOrderId', 'text'], SERVER_SET);
    const workOrderId = input.workOrderId ?? current.workOrderId;
    if (workOrderId !== current.workOrderId)
      throw invalidBody('workOrderId', 'a note cannot move to another work order');
    return { ...current, text: text(input, 'text', { min: 1, max: 5000 }) };
  },
  fromForm(fields) {
    return formToObject(fields, []);
  },
  touch(data, round) {
    return {
      ...data,
      text: `${typeof data.text === 'string' ? data.text : ''} (edited ${round})`.slice(0, 5000),
    };
  },
};
