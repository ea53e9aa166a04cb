import { rejectUnknown, text } from './fields.js';
import type { CollectionDef } from './types.js';

/**
 * Photos: binary creates (`POST /api/photos?workOrderId=…` with an `image/*` body). The record holds the metadata;
 * the bytes are served at `/api/photos/<id>/content`. Immutable: replace one by deleting it and adding another.
 */
export const photos: CollectionDef = {
  name: 'photos',
  idPrefix: 'ph',
  writable: true,
  scope: 'parent',
  parent: { field: 'workOrderId', collection: 'work-orders' },
  accepts: { json: false, form: false, binary: true },
  updatable: false,
  create(input) {
    rejectUnknown(input, ['workOrderId', 'contentType', 'size'], []);
    return {
      workOrderId: text(input, 'workOrderId', { min: 1, max: 200 }),
      contentType: text(input, 'contentType', { min: 1, max: 200 }),
      size: typeof input.size === 'number' ? input.size : 0,
    };
  },
  replace(_input, current) {
    return current;
  },
  touch(data) {
    return data;
  },
};
