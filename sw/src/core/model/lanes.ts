/**
 * Per-record ordering of queued writes. Writes that share a lane key (their record, or a temporary id they name) go
 * one after another in `seq` order; lanes are independent and may be sent side by side.
 */
import { TEMP_PREFIX } from '../../protocol/wire.js';
import type { StoredWrite } from '../storage/db.js';
import { referencedTempIds } from './temp-ids.js';

/** The keys that order a write: its record, and any temporary id it refers to (a child waits for its parent). */
export function laneKeys(w: StoredWrite): string[] {
  const keys = new Set<string>([
    w.recordId.startsWith(TEMP_PREFIX) ? w.recordId : `${w.collection}/${w.recordId}`,
  ]);
  for (const tmp of referencedTempIds(w.url, null)) keys.add(tmp);
  for (const tmp of w.refs) keys.add(tmp);
  return [...keys];
}

/** Writes grouped into lanes: the union of writes sharing any key, kept in `seq` order inside a lane. */
export function groupLanes(writes: StoredWrite[]): StoredWrite[][] {
  const laneOf = new Map<string, StoredWrite[]>();
  const lanes: StoredWrite[][] = [];
  for (const w of writes) {
    const keys = laneKeys(w);
    const found = [...new Set(keys.map((k) => laneOf.get(k)).filter((l): l is StoredWrite[] => !!l))];
    let lane: StoredWrite[];
    if (found.length === 0) {
      lane = [];
      lanes.push(lane);
    } else {
      lane = found[0] ?? [];
      for (const other of found.slice(1)) {
        lane.push(...other);
        lanes.splice(lanes.indexOf(other), 1);
        for (const ow of other) for (const k of laneKeys(ow)) laneOf.set(k, lane);
      }
      lane.sort((a, b) => a.seq - b.seq);
    }
    lane.push(w);
    for (const k of keys) laneOf.set(k, lane);
  }
  return lanes;
}
