import type pg from 'pg';

/**
 * Samples what PostgreSQL's busy sessions wait on, twice a second: the run's answer to "where does a write's time go"
 * (a wait for a row another transaction holds shows as `Lock/transactionid` or `Lock/tuple`, with the statement).
 */
export class WaitSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;

  constructor(private readonly pool: pg.Pool) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 500);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.pool.query<{ what: string; n: string }>(
        `SELECT coalesce(a.wait_event_type || '/' || a.wait_event, 'on CPU') ||
                coalesce(' on ' || (SELECT string_agg(DISTINCT c.relname, ',') FROM pg_locks t
                   JOIN pg_class c ON c.oid = t.relation
                   WHERE t.pid = a.pid AND t.locktype = 'tuple'), '') ||
                CASE WHEN a.wait_event_type = 'Lock'
                     THEN ' in "' || left(regexp_replace(a.query, '\\s+', ' ', 'g'), 48) || '…"' ELSE '' END AS what,
                count(*) AS n
           FROM pg_stat_activity a
          WHERE a.backend_type = 'client backend' AND a.state = 'active' AND a.pid <> pg_backend_pid()
          GROUP BY 1`,
      );
      this.samples++;
      for (const row of rows) this.counts.set(row.what, (this.counts.get(row.what) ?? 0) + Number(row.n));
    } catch {
      // A sample lost to load is no loss.
    } finally {
      this.busy = false;
    }
  }

  /** Mean number of sessions in each state, busiest first. */
  summary(): string {
    if (this.samples === 0) return 'no samples';
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([what, n]) => `${what} ${(n / this.samples).toFixed(1)}`)
      .join(', ');
  }
}
