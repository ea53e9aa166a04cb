import { describe, expect, it } from 'vitest';
import { readOptions } from '../src/runner/options.js';
import { Recorder } from '../src/runner/record.js';
import { buildRows } from '../src/runner/targets.js';

describe('report rows', () => {
  it('puts the offline read’s completeness on the offline read row, whatever rows come before it', () => {
    const rec = new Recorder();
    rec.add('cold-start-p50', 'ours', 0, 30);
    rec.add('cold-start-p50', 'workbox', 0, 20);
    rec.add('offline-read-p50', 'ours', 0, 4);
    rec.add('offline-read-p50', 'workbox', 0, 7);
    rec.add('offline-read-missing', 'ours', 0, 3);
    rec.add('offline-read-missing', 'workbox', 0, 0);
    const rows = buildRows(rec, readOptions({}, '/bench'), null);
    const read = rows.find((row) => row.label.startsWith('Offline read of'));
    expect(read?.correctness).toContain('MISSING 3 records');
    // A fast answer that lacks records fails, whatever its ratio.
    expect(read?.pass).toBe(false);
    const cold = rows.find((row) => row.label.startsWith('Cold start:'));
    expect(cold?.correctness).toBe('');
  });
});
