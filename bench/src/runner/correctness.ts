/** Did the server get every write once, in issue order? A fast wrong answer does not count. */
import { WRITE_COLLECTION, parseWriteTitle } from '../shared/page-api.js';
import type { ReplayBackend } from './server.js';

export interface Verdict {
  lost: number;
  duplicated: number;
  reordered: number;
}

/** Server ids are `<prefix>_<counter>`: creation order is the counter's order, not the ids' string order. */
function creationOrder(a: string, b: string): number {
  const na = /(\d+)$/.exec(a)?.[1];
  const nb = /(\d+)$/.exec(b)?.[1];
  if (na !== undefined && nb !== undefined && na !== nb) return Number(na) - Number(nb);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare what the server holds for run `tag` with the `issued` writes numbered 0..issued-1. */
export function judge(
  records: { id: string; deleted: boolean; title: unknown }[],
  tag: string,
  issued: number,
): Verdict {
  const held = records
    .filter((r) => !r.deleted)
    .map((r) => ({ id: r.id, index: parseWriteTitle(tag, r.title) }))
    .filter((r): r is { id: string; index: number } => r.index !== null)
    .sort((a, b) => creationOrder(a.id, b.id));
  const copies = new Array<number>(issued).fill(0);
  for (const r of held) if (r.index < issued) copies[r.index] = (copies[r.index] ?? 0) + 1;
  let reordered = 0;
  for (let i = 1; i < held.length; i++) {
    if ((held[i]?.index ?? 0) < (held[i - 1]?.index ?? 0)) reordered++;
  }
  return {
    lost: copies.filter((c) => c === 0).length,
    duplicated:
      copies.reduce((sum, c) => sum + Math.max(0, c - 1), 0) + held.filter((r) => r.index >= issued).length,
    reordered,
  };
}

export async function verify(mock: ReplayBackend, tag: string, issued: number): Promise<Verdict> {
  return judge(await mock.records(WRITE_COLLECTION), tag, issued);
}

/** `202×998, 500×2`: how the page's writes were answered, 0 standing for a failed fetch. */
export function summariseStatuses(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${status === 0 ? 'failed fetch' : status}×${n}`)
    .join(', ');
}
