import type { ErrorCode, ErrorInfo } from './api.js';

/**
 * The one error class of Offline Kit. `code` is stable and machine-readable; `details` carries data such as the
 * offending configuration key (`{ key: 'collections.notes.policy' }`) or the server's error body.
 */
export class OfflineKitError extends Error {
  override readonly name = 'OfflineKitError';
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { status?: number; details?: unknown } = {}) {
    super(message);
    this.code = code;
    this.status = options.status;
    this.details = options.details;
  }
}

export function isOfflineKitError(value: unknown): value is OfflineKitError {
  return value instanceof OfflineKitError;
}

/** Turns anything thrown into plain, structured-clonable data for storage, events and the wire. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof OfflineKitError) {
    const info: ErrorInfo = { code: error.code, message: error.message };
    if (error.status !== undefined) info.status = error.status;
    if (error.details !== undefined) info.details = toCloneable(error.details);
    return info;
  }
  if (isQuotaError(error)) return { code: 'quota_exceeded', message: 'Storage quota exceeded' };
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}

/** Rebuilds an error that crossed a boundary as data. */
export function fromErrorInfo(info: ErrorInfo): OfflineKitError {
  const options: { status?: number; details?: unknown } = {};
  if (info.status !== undefined) options.status = info.status;
  if (info.details !== undefined) options.details = info.details;
  return new OfflineKitError(info.code, info.message, options);
}

export function isQuotaError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'name' in error && error.name === 'QuotaExceededError'
  );
}

function toCloneable(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
