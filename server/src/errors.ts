/** Every error the library answers, as PROTOCOL.md §6 describes: a status, a machine-readable code, a sentence. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
  [extra: string]: unknown;
}

export const invalidBody = (field: string, reason: string): HttpError =>
  new HttpError(400, 'invalid_body', `${field}: ${reason}`, { field, reason });

export const forbidden = (what: string): HttpError =>
  new HttpError(403, 'forbidden', `you may not access ${what}`);

export const unauthorized = (message: string): HttpError =>
  new HttpError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });

/** 409: the server's copy travels at the top level of the body (`current`), as PROTOCOL.md §5.1 shows. */
export class ConflictError extends HttpError {
  constructor(
    message: string,
    private readonly extra: Record<string, unknown>,
  ) {
    super(409, 'conflict', message);
  }

  override toBody(): ErrorBody {
    return { error: this.code, message: this.message, ...this.extra };
  }
}
