import { describe, expect, it } from 'vitest';
import type { StoredWrite } from '../src/core/storage/db.js';
import { toErrorInfo } from '../src/protocol/errors.js';
import { baseConfig, makeRig, type Rig } from './harness.js';

/**
 * Writes captured at the same time share one transaction. What must not change: each capture resolves (the page's
 * 202) only once its own write, record and history entry are stored; issue order (`seq`) is kept; a group the browser
 * refuses costs only the writes that do not fit.
 */
async function offlineRig(): Promise<Rig> {
  return makeRig(baseConfig, { deps: { browserOnline: () => false } });
}

function countCommits(rig: Rig): () => number {
  const queue = rig.engine.ctx.queue;
  const open = queue.writeTransaction.bind(queue);
  let commits = 0;
  queue.writeTransaction = () => {
    commits += 1;
    return open();
  };
  return () => commits;
}

describe('group commit of captured writes', () => {
  it('writes issued at once share transactions, keep issue order, and each is stored when it resolves', async () => {
    const rig = await offlineRig();
    const commits = countCommits(rig);
    const stored: boolean[] = [];
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const w = await rig.write('POST', '/api/work-orders', { title: `w${i}` });
        // Resolved: the write, its record and its history entry are on disk.
        const [row, record] = await Promise.all([
          rig.engine.ctx.queue.get(w.id),
          rig.engine.ctx.records.get('work-orders', w.recordId),
        ]);
        stored.push(row !== undefined && record?.data?.title === `w${i}`);
        return w;
      }),
    );
    expect(stored).toEqual(Array.from({ length: 30 }, () => true));
    expect(commits()).toBeLessThan(30);
    const queue = await rig.engine.ctx.queue.page(0, 100);
    expect(queue.map((w) => w.id)).toEqual(results.map((w) => w.id));
    const history = await rig.engine.ctx.history.list(100);
    expect(history.filter((e) => e.kind === 'write' && e.event === 'queued')).toHaveLength(30);
    await rig.engine.close();
  });

  it('a group the browser refuses is retried write by write: only the write that does not fit is refused', async () => {
    const rig = await offlineRig();
    const queue = rig.engine.ctx.queue;
    const open = queue.writeTransaction.bind(queue);
    // The transaction holding the write with id `no-room` is refused for lack of space, as IndexedDB reports it.
    queue.writeTransaction = () => {
      const tx = open();
      return {
        objectStore: (name: 'queue' | 'records' | 'history') => {
          if (name !== 'queue') return tx.objectStore(name);
          const store = tx.objectStore('queue');
          return {
            add: (w: StoredWrite) => {
              if (w.id !== 'no-room') return store.add(w);
              // Like the browser, the refusal ends the transaction after the requests were made.
              queueMicrotask(() => tx.abort());
              return Promise.reject(new DOMException('full', 'QuotaExceededError'));
            },
          };
        },
        done: tx.done,
        abort: () => tx.abort(),
      } as unknown as ReturnType<typeof open>;
    };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        rig
          .write('POST', '/api/work-orders', { title: `w${i}` }, i === 4 ? { idempotencyKey: 'no-room' } : {})
          .then(
            (w) => w.id,
            (error: unknown) => toErrorInfo(error).code,
          ),
      ),
    );
    expect(outcomes[4]).toBe('quota_exceeded');
    const kept = outcomes.filter((_, i) => i !== 4);
    expect((await rig.engine.ctx.queue.page(0, 100)).map((w) => w.id)).toEqual(kept);
    await rig.engine.close();
  });
});
