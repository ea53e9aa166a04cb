/**
 * Server-mock's active faults (`GET /__mock/state` → `faults`) in words for the Demo tab. The state comes from the
 * server as `unknown`; anything not understood is left out rather than shown raw.
 */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function count(value: unknown): number {
  return isRecord(value) && typeof value.count === 'number' && value.count > 0 ? value.count : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * server-mock answers `unreachableUntil` as an ISO date and `unreachableForMs` as the time left; reading only a number
 * there once made the Demo tab say "Active: none" beside "The server is unreachable for 1 minute".
 */
function unreachableUntil(faults: Record<string, unknown>, now: number): number {
  const until = faults.unreachableUntil;
  if (typeof until === 'number') return until;
  if (typeof until === 'string') {
    const at = Date.parse(until);
    if (!Number.isNaN(at)) return at;
  }
  const left = faults.unreachableForMs;
  return typeof left === 'number' && left > 0 ? now + left : 0;
}

export function describeFaults(faults: unknown, now: number): string {
  if (!isRecord(faults)) return 'none';
  const parts: string[] = [];
  if (typeof faults.latencyMs === 'number' && faults.latencyMs > 0) {
    const ms = faults.latencyMs;
    parts.push(`${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`} added to every answer`);
  }
  const failing = count(faults.failNext);
  if (failing > 0 && isRecord(faults.failNext)) {
    const status = typeof faults.failNext.status === 'number' ? ` with ${faults.failNext.status}` : '';
    parts.push(`next ${plural(failing, 'request fails', 'requests fail')}${status}`);
  }
  const dropping = count(faults.dropNext);
  if (dropping > 0 && isRecord(faults.dropNext)) {
    const when = faults.dropNext.when === 'after-commit' ? 'after it is saved' : 'before it is saved';
    parts.push(`next ${plural(dropping, 'write loses its answer', 'writes lose their answer')} ${when}`);
  }
  const until = unreachableUntil(faults, now);
  if (until > now) {
    const seconds = Math.ceil((until - now) / 1000);
    parts.push(`server unreachable for ${plural(seconds, 'more second', 'more seconds')}`);
  }
  return parts.length === 0 ? 'none' : parts.join('; ');
}
