import { HttpError } from './errors.js';

/** A form body as its fields, each with every value it was sent with (a repeated field keeps them all, in order). */
export type FormFields = Map<string, string[]>;

export function parseUrlEncoded(bytes: Buffer): FormFields {
  const fields: FormFields = new Map();
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) append(fields, name, value);
  return fields;
}

/** Parses `multipart/form-data` with the platform's own parser; file parts are refused (only text fields are records). */
export async function parseMultipart(bytes: Buffer, contentType: string): Promise<FormFields> {
  let data: FormData;
  try {
    // A copy into a plain ArrayBuffer: what the platform's Response takes as a body.
    const body = new Uint8Array(bytes).buffer;
    data = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(400, 'invalid_body', 'the multipart body does not parse', { field: null });
  }
  const fields: FormFields = new Map();
  const fileParts: string[] = [];
  data.forEach((value, name) => {
    if (typeof value === 'string') append(fields, name, value);
    else fileParts.push(name);
  });
  const filePart = fileParts[0];
  if (filePart !== undefined) {
    throw new HttpError(400, 'invalid_body', `${filePart}: file parts are not accepted here`, {
      field: filePart,
      reason: 'file parts are not accepted here',
    });
  }
  return fields;
}

function append(fields: FormFields, name: string, value: string): void {
  const values = fields.get(name);
  if (values) values.push(value);
  else fields.set(name, [value]);
}
