import type { WriteMethod } from '@offline-kit/sw/protocol';
import type { FormFields } from '../http/forms.js';

export type IfMatch = { kind: 'any' } | { kind: 'version'; version: number };

export type WriteBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: FormFields }
  | { kind: 'binary'; contentType: string; bytes: Buffer };

/** One write, however it arrived (its own request, or inside a batch). */
export interface WriteRequest {
  user: string;
  key: string;
  method: WriteMethod;
  /** The path without the query, as sent. */
  pathname: string;
  query: URLSearchParams;
  ifMatch: IfMatch | null;
  tempId: string | null;
  body: WriteBody;
}

export interface WriteAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** True when this is the stored first answer to the same key. */
  replay: boolean;
}
