/**
 * Plain IndexedDB requests as promises, for the hot read and pull paths: one promise per request the caller awaits,
 * none for requests it fires and only learns about through the transaction's end (a page's puts).
 */

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when `tx` commits, rejects with its error when it aborts (a refused put surfaces here: QuotaExceededError). */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new DOMException('IndexedDB transaction aborted', 'AbortError'));
  });
  // Callers may throw before awaiting it; the rejection then belongs to the error they throw.
  done.catch(() => undefined);
  return done;
}

/** Aborts `tx` unless it already finished (abort() throws on a committed or aborted transaction). */
export function abortQuietly(tx: IDBTransaction): void {
  try {
    tx.abort();
  } catch {
    // Already finished: nothing left to undo.
  }
}

export interface WriteMark {
  state: 'pending' | 'conflict' | 'failed';
  /** The record's latest queued write (highest seq). */
  writeId: string;
}

/**
 * Per record with queued writes in `range` of the queue's `by-record` index: the state its `_sync` shows (conflict >
 * failed > pending) and its latest write. Keys only — the queue's bodies (photos among them) are never loaded — except
 * the rows of records with several writes, read to find the latest by seq.
 */
export async function writeMarks(queue: IDBObjectStore, range: IDBKeyRange): Promise<Map<string, WriteMark>> {
  const byRecord = new Map<string, string[]>();
  const walked = new Promise<void>((resolve, reject) => {
    const req = queue.index('by-record').openKeyCursor(range);
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return resolve();
      const key: unknown = cursor.key;
      const writeId: unknown = cursor.primaryKey;
      if (Array.isArray(key) && typeof key[1] === 'string' && typeof writeId === 'string') {
        const list = byRecord.get(key[1]);
        if (list) list.push(writeId);
        else byRecord.set(key[1], [writeId]);
      }
      cursor.continue();
    };
    req.onerror = () => reject(req.error ?? new Error('IndexedDB cursor failed'));
  });
  const byState = queue.index('by-state');
  const [, conflictKeys, failedKeys] = await Promise.all([
    walked,
    request(byState.getAllKeys('conflict')),
    request(byState.getAllKeys('failed')),
  ]);
  const out = new Map<string, WriteMark>();
  if (byRecord.size === 0) return out;
  const conflicts = new Set(conflictKeys.filter((k): k is string => typeof k === 'string'));
  const failed = new Set(failedKeys.filter((k): k is string => typeof k === 'string'));
  const several = [...byRecord.values()].filter((ids) => ids.length > 1).flat();
  const seqOf = new Map<string, number>();
  if (several.length > 0) {
    const rows = await Promise.all(several.map((id) => request<unknown>(queue.get(id))));
    rows.forEach((row, i) => {
      const id = several[i];
      if (
        id !== undefined &&
        typeof row === 'object' &&
        row !== null &&
        'seq' in row &&
        typeof row.seq === 'number'
      )
        seqOf.set(id, row.seq);
    });
  }
  for (const [recordId, ids] of byRecord) {
    let last = ids[0] ?? '';
    for (const id of ids) if ((seqOf.get(id) ?? -Infinity) > (seqOf.get(last) ?? -Infinity)) last = id;
    const state = ids.some((id) => conflicts.has(id))
      ? 'conflict'
      : ids.some((id) => failed.has(id))
        ? 'failed'
        : 'pending';
    out.set(recordId, { state, writeId: last });
  }
  return out;
}

/** Key range of one collection's writes in the queue's `by-record` index. */
export function queueRangeOf(collection: string, recordId?: string): IDBKeyRange {
  return recordId === undefined
    ? IDBKeyRange.bound([collection], [collection, []])
    : IDBKeyRange.only([collection, recordId]);
}
