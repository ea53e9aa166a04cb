/** One line of the request log (`GET /__mock/log`). */
export interface LogEntry {
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** Path and query as requested (for a write inside a batch: the write's path). */
  path: string;
  /** The status the client received; 0 when the connection was dropped without an answer. */
  status: number;
  user: string | null;
  key: string | null;
  durationMs: number;
  /** The injected fault that hit this request: `latency`, `fail`, `html`, `drop-before-commit`, `drop-after-commit`, `unreachable`. */
  fault: string | null;
  /** True when the answer was replayed from the idempotency store (the write was not applied again). */
  replay: boolean;
  /** `batch` for a write inside `POST /api/_batch` (the batch request has its own entry). */
  via?: 'batch';
  /** For `drop-after-commit`: the status of the committed answer the client never saw. */
  committedStatus?: number;
}

const MAX_ENTRIES = 10_000;

/** The last requests to `/api/*`, in memory: what tests read to see what a browser really sent. */
export class RequestLog {
  private entries: LogEntry[] = [];
  private nextSeq = 1;

  add(entry: Omit<LogEntry, 'seq'>): LogEntry {
    const full = { seq: this.nextSeq++, ...entry };
    this.entries.push(full);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return full;
  }

  since(seq: number): LogEntry[] {
    return this.entries.filter((entry) => entry.seq > seq);
  }

  /** Empties the log; sequence numbers keep growing so a test's `since` never sees old entries again. */
  clear(): void {
    this.entries = [];
  }
}
