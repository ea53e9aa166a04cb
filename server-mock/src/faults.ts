import { invalidBody } from './http/errors.js';
import { isObject } from './json.js';

export type DropWhen = 'before-commit' | 'after-commit';

export interface FailNext {
  count: number;
  status: number;
  pathPrefix?: string;
}

/** The next `count` requests are answered `200 text/html`, as a captive portal's login page would be. */
export interface HtmlNext {
  count: number;
  pathPrefix?: string;
}

export interface DropNext {
  count: number;
  when: DropWhen;
  pathPrefix?: string;
}

/** What `/__mock/faults` and `/__mock/state` answer. */
export interface FaultsView {
  latencyMs: number;
  failNext: FailNext | null;
  dropNext: DropNext | null;
  htmlNext: HtmlNext | null;
  /** Milliseconds of unreachability left (0 = reachable). */
  unreachableForMs: number;
  unreachableUntil: string | null;
  /** The protocol version discovery announces instead of the real one (a newer server, for version-skew tests). */
  protocolVersion: number | null;
}

/**
 * Injected faults for `/api/*` requests. Counted faults are consumed by the requests they hit, in arrival order; a
 * `pathPrefix` narrows which requests count.
 */
export class Faults {
  private latencyMs: number;
  private failNext: FailNext | null = null;
  private dropNext: DropNext | null = null;
  private htmlNext: HtmlNext | null = null;
  private unreachableUntil: number | null = null;
  private protocolVersion: number | null = null;

  constructor(
    private readonly baseLatencyMs: number,
    private readonly clock: () => number,
  ) {
    this.latencyMs = baseLatencyMs;
  }

  /** Merges a `POST /__mock/faults` body into the current faults. Throws 400 on a malformed body, changing nothing. */
  set(input: unknown): void {
    if (!isObject(input)) throw invalidBody('(body)', 'must be a JSON object');
    for (const key of Object.keys(input)) {
      if (
        !['latencyMs', 'failNext', 'dropNext', 'htmlNext', 'unreachableForMs', 'protocolVersion'].includes(
          key,
        )
      )
        throw invalidBody(key, 'unknown fault');
    }
    const latency = input.latencyMs === undefined ? undefined : count(input.latencyMs, 'latencyMs', 600_000);
    const fail = input.failNext === undefined ? undefined : parseFail(input.failNext);
    const drop = input.dropNext === undefined ? undefined : parseDrop(input.dropNext);
    const html = input.htmlNext === undefined ? undefined : parseHtml(input.htmlNext);
    const unreachable =
      input.unreachableForMs === undefined
        ? undefined
        : count(input.unreachableForMs, 'unreachableForMs', 3_600_000);
    const protocol =
      input.protocolVersion === undefined || input.protocolVersion === null
        ? input.protocolVersion
        : count(input.protocolVersion, 'protocolVersion', 1000);
    if (protocol !== undefined) this.protocolVersion = protocol === 0 ? null : protocol;
    if (latency !== undefined) this.latencyMs = latency;
    if (fail !== undefined) this.failNext = fail;
    if (drop !== undefined) this.dropNext = drop;
    if (html !== undefined) this.htmlNext = html;
    if (unreachable !== undefined)
      this.unreachableUntil = unreachable === 0 ? null : this.clock() + unreachable;
  }

  /** Clears every fault, back to the latency the server was started with. */
  clear(): void {
    this.latencyMs = this.baseLatencyMs;
    this.failNext = null;
    this.dropNext = null;
    this.htmlNext = null;
    this.unreachableUntil = null;
    this.protocolVersion = null;
  }

  view(): FaultsView {
    const left = this.unreachableLeft();
    return {
      latencyMs: this.latencyMs,
      failNext: this.failNext && { ...this.failNext },
      dropNext: this.dropNext && { ...this.dropNext },
      htmlNext: this.htmlNext && { ...this.htmlNext },
      unreachableForMs: left,
      unreachableUntil:
        left > 0 && this.unreachableUntil !== null ? new Date(this.unreachableUntil).toISOString() : null,
      protocolVersion: this.protocolVersion,
    };
  }

  /** The protocol version to announce in discovery instead of the real one; null: the real one. */
  announcedProtocol(): number | null {
    return this.protocolVersion;
  }

  latency(): number {
    return this.latencyMs;
  }

  isUnreachable(): boolean {
    return this.unreachableLeft() > 0;
  }

  /** The status to fail this request with, consuming one count; null when no failure applies. */
  takeFailure(path: string): number | null {
    const fault = this.failNext;
    if (!fault || !matches(fault.pathPrefix, path)) return null;
    this.failNext = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
    return fault.status;
  }

  /** Whether to answer this request with an HTML page, consuming one count. */
  takeHtml(path: string): boolean {
    const fault = this.htmlNext;
    if (!fault || !matches(fault.pathPrefix, path)) return false;
    this.htmlNext = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
    return true;
  }

  /** When to drop this request's connection, consuming one count; null when no drop applies. */
  takeDrop(path: string): DropWhen | null {
    const fault = this.dropNext;
    if (!fault || !matches(fault.pathPrefix, path)) return null;
    this.dropNext = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
    return fault.when;
  }

  private unreachableLeft(): number {
    if (this.unreachableUntil === null) return 0;
    const left = this.unreachableUntil - this.clock();
    if (left <= 0) {
      this.unreachableUntil = null;
      return 0;
    }
    return left;
  }
}

function matches(prefix: string | undefined, path: string): boolean {
  return prefix === undefined || path.startsWith(prefix);
}

function count(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidBody(field, `must be an integer from 0 to ${max}`);
  }
  return value;
}

function pathPrefix(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !value.startsWith('/'))
    throw invalidBody(field, 'must be a path starting with /');
  return value;
}

function parseFail(value: unknown): FailNext | null {
  if (value === null) return null;
  if (!isObject(value)) throw invalidBody('failNext', 'must be { count, status, pathPrefix? } or null');
  const n = count(value.count, 'failNext.count', 10_000);
  const status = value.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
    throw invalidBody('failNext.status', 'must be an HTTP error status (400-599)');
  }
  const prefix = pathPrefix(value.pathPrefix, 'failNext.pathPrefix');
  if (n === 0) return null;
  return prefix === undefined ? { count: n, status } : { count: n, status, pathPrefix: prefix };
}

function parseDrop(value: unknown): DropNext | null {
  if (value === null) return null;
  if (!isObject(value)) throw invalidBody('dropNext', 'must be { count, when, pathPrefix? } or null');
  const n = count(value.count, 'dropNext.count', 10_000);
  const when = value.when;
  if (when !== 'before-commit' && when !== 'after-commit') {
    throw invalidBody('dropNext.when', "must be 'before-commit' or 'after-commit'");
  }
  const prefix = pathPrefix(value.pathPrefix, 'dropNext.pathPrefix');
  if (n === 0) return null;
  return prefix === undefined ? { count: n, when } : { count: n, when, pathPrefix: prefix };
}

function parseHtml(value: unknown): HtmlNext | null {
  if (value === null) return null;
  if (!isObject(value)) throw invalidBody('htmlNext', 'must be { count, pathPrefix? } or null');
  const n = count(value.count, 'htmlNext.count', 10_000);
  const prefix = pathPrefix(value.pathPrefix, 'htmlNext.pathPrefix');
  if (n === 0) return null;
  return prefix === undefined ? { count: n } : { count: n, pathPrefix: prefix };
}
