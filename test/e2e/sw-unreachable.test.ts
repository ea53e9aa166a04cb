import { describe, expect, it } from 'vitest';
import {
  api,
  jsonBody,
  kitOf,
  timesApplied,
  useSuite,
  waitFor,
  waitForQueueDrained,
  writeIdOf,
} from '../harness/index.js';

describe('server unreachable while the browser is online', () => {
  const suite = useSuite();

  it('queues writes and delivers them within 10 s of the server coming back, with no user action', async () => {
    const { page } = await suite.open();
    const { mock } = suite.server;
    await api(page, 'GET', '/api/work-orders');

    const downForMs = 3_000;
    const backAt = Date.now() + downForMs;
    await mock.faults({ unreachableForMs: downForMs });
    const first = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Written while down 1' }));
    const second = await api(page, 'POST', '/api/work-orders', jsonBody({ title: 'Written while down 2' }));
    // The browser says online, yet the module could not reach the server: the writes are queued, not lost.
    for (const answer of [first, second]) expect(answer.status, answer.text).toBe(202);
    expect(await page.evaluate(() => navigator.onLine)).toBe(true);
    const status = await kitOf(page).getStatus();
    expect(status.pending).toBe(2);
    expect(
      await mock
        .liveRecords('work-orders')
        .then((rs) => rs.filter((r) => /Written while down/.test(String(r.title)))),
    ).toHaveLength(0);

    // No sync call, no reload, no online event: only the module's own retry loop can bring them over.
    const arrived = await waitFor(
      async () => {
        const titles = (await mock.liveRecords('work-orders')).map((r) => r.title);
        return (
          titles.includes('Written while down 1') && titles.includes('Written while down 2') && Date.now()
        );
      },
      {
        timeout: backAt - Date.now() + 10_000,
        message: 'both writes on the server within 10 s of it coming back',
      },
    );
    expect(arrived - backAt).toBeLessThanOrEqual(10_000);

    await waitForQueueDrained(page);
    const held = (await mock.liveRecords('work-orders')).filter((r) =>
      /Written while down/.test(String(r.title)),
    );
    expect(held.map((r) => r.title).sort()).toEqual(['Written while down 1', 'Written while down 2']);
    const log = await mock.log();
    for (const answer of [first, second]) expect(timesApplied(log, writeIdOf(answer))).toBe(1);
  });
});
