import type pg from 'pg';
import type { DeviceReport } from './device.js';
import { teamOf, userOf } from './collections.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

interface Row {
  collection: string;
  id: string;
  version: number;
  data: Record<string, unknown>;
  parent_id: string | null;
}

const sample = (items: string[]): string =>
  items.length === 0
    ? ''
    : ` — e.g. ${items.slice(0, 3).join('; ')}${items.length > 3 ? ` (+${items.length - 3})` : ''}`;

/** The load run's end checks, against what PostgreSQL holds and what each device reported. */
export async function checkRun(
  pool: pg.Pool,
  reports: DeviceReport[],
  teams: number,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { rows: records } = await pool.query<Row>(
    'SELECT collection, id, version, data, parent_id FROM loadtest.ok_records WHERE NOT deleted',
  );
  const { rows: answers } = await pool.query<{
    user: string;
    key: string;
    status: number;
    id: string | null;
    version: number | null;
  }>(
    `SELECT "user", key, status, body->>'id' AS id, (body->>'version')::int AS version FROM loadtest.ok_idempotency`,
  );

  // 1. Every acknowledged write has its answer stored under its key (so a replay anywhere returns it)…
  const keys = new Set(answers.map((a) => `${a.user} ${a.key}`));
  const acknowledged = reports.flatMap((r) => r.acknowledged.map((key) => `${userOf(r.device)} ${key}`));
  const unanswered = acknowledged.filter((k) => !keys.has(k));
  results.push({
    name: 'acknowledged writes have their answer in the idempotency table',
    ok: unanswered.length === 0,
    detail: `${acknowledged.length} acknowledged, ${unanswered.length} without an answer${sample(unanswered)}`,
  });

  // …each create is in the database exactly once (found by the marker it carries)…
  const byOp = new Map<string, number>();
  for (const row of records) {
    const op = row.data.op;
    if (typeof op === 'string') byOp.set(op, (byOp.get(op) ?? 0) + 1);
  }
  const creates = reports.flatMap((r) => r.creates);
  const missing = creates.filter((op) => (byOp.get(op) ?? 0) === 0);
  const doubled = [...byOp].filter(([, n]) => n > 1).map(([op, n]) => `${op} ×${n}`);
  results.push({
    name: 'every create exactly once in the database',
    ok: missing.length === 0 && doubled.length === 0,
    detail: `${creates.length} creates, ${missing.length} missing${sample(missing)}, ${doubled.length} doubled${sample(doubled)}`,
  });

  // …and each update once: a record at version v was changed by exactly v-1 stored answers, one per version.
  const updates = new Map<string, number[]>();
  for (const a of answers) {
    if (a.status >= 200 && a.status < 300 && a.id !== null && a.version !== null && a.version > 1) {
      const list = updates.get(a.id) ?? [];
      list.push(a.version);
      updates.set(a.id, list);
    }
  }
  const uneven: string[] = [];
  let updateCount = 0;
  for (const row of records) {
    const versions = (updates.get(row.id) ?? []).sort((a, b) => a - b);
    updateCount += versions.length;
    const expected = Array.from({ length: row.version - 1 }, (_, i) => i + 2);
    if (versions.join(',') !== expected.join(',')) {
      uneven.push(`${row.id} v${row.version} from answers [${versions.join(',')}]`);
    }
  }
  results.push({
    name: 'every update applied exactly once (versions = answers)',
    ok: uneven.length === 0,
    detail: `${updateCount} updates over ${records.length} records, ${uneven.length} uneven${sample(uneven)}`,
  });

  // 2. Every conflict was resolved by the device's rule or is kept for a person; nothing else is left queued but later
  // edits of a record with a kept conflict, which wait for the person's resolution (one settles them all).
  const unsettled: string[] = [];
  const stuck: string[] = [];
  let conflicts = 0;
  let resolved = 0;
  let kept = 0;
  let heldBehind = 0;
  for (const r of reports) {
    const byRule = new Set(r.resolvedByRule);
    const keptHere = new Set(r.kept);
    // A conflict the device's rule settles at once is reported resolved without a conflicted event first.
    const all = new Set([...r.conflicts, ...r.resolvedByRule]);
    conflicts += all.size;
    resolved += byRule.size;
    kept += keptHere.size;
    for (const id of all) {
      if (!byRule.has(id) && !keptHere.has(id)) unsettled.push(`${userOf(r.device)} ${id}`);
    }
    const held = new Set(r.keptRecords);
    for (const write of r.leftInQueue) {
      if (
        write.state === 'conflict'
          ? keptHere.has(write.id)
          : write.state === 'pending' && held.has(write.record)
      ) {
        if (write.state === 'pending') heldBehind++;
        continue;
      }
      stuck.push(`${userOf(r.device)} ${write.id} ${write.state}: ${write.why}`);
    }
  }
  results.push({
    name: 'every conflict resolved by rule or kept',
    ok: unsettled.length === 0 && stuck.length === 0,
    detail: `${conflicts} conflicts: ${resolved} resolved by rule, ${kept} kept (${heldBehind} later edits wait behind them); ${unsettled.length} neither${sample(unsettled)}; ${stuck.length} other writes left queued${sample(stuck)}`,
  });

  // 3. Every device converged: it holds exactly its team's records, at the server's version and fields (a record with
  // a kept conflict holds the device's own version by design, and is only required to be there).
  const teamOfRecord = new Map<string, string>();
  for (const row of records)
    if (row.collection === 'projects') teamOfRecord.set(row.id, String(row.data.team));
  const visible = new Map<string, Row[]>();
  for (const row of records) {
    const team =
      row.collection === 'projects' ? teamOfRecord.get(row.id) : teamOfRecord.get(row.parent_id ?? '');
    if (team === undefined) continue;
    const list = visible.get(team) ?? [];
    list.push(row);
    visible.set(team, list);
  }
  const diverged: string[] = [];
  for (const r of reports) {
    const expected = visible.get(teamOf(r.device, teams)) ?? [];
    const seen = new Set<string>();
    for (const row of expected) {
      const key = `${row.collection}/${row.id}`;
      seen.add(key);
      const local = r.records[key];
      if (!local) {
        diverged.push(`${userOf(r.device)} lacks ${key}`);
        continue;
      }
      if (local.conflict) continue;
      const fields = local.data as Record<string, unknown> | null;
      const same =
        local.version === row.version &&
        fields !== null &&
        Object.entries(row.data).every(
          ([field, value]) => JSON.stringify(fields[field]) === JSON.stringify(value),
        );
      if (!same)
        diverged.push(`${userOf(r.device)} ${key} v${local.version ?? '-'} ≠ server v${row.version}`);
    }
    for (const key of Object.keys(r.records)) {
      if (!seen.has(key) && !r.records[key]?.conflict)
        diverged.push(`${userOf(r.device)} holds ${key} the server does not show it`);
    }
  }
  results.push({
    name: "every device converged to the server's state",
    ok: diverged.length === 0,
    detail: `${reports.length} devices, ${records.length} records, ${diverged.length} differences${sample(diverged)}`,
  });

  const errors = reports.flatMap((r) => r.errors.map((e) => `${userOf(r.device)} ${e}`));
  results.push({
    name: 'no device saw an engine error',
    ok: errors.length === 0,
    detail: `${errors.length} errors${sample(errors)}`,
  });
  return results;
}
