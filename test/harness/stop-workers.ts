import type { CDPSession } from 'playwright-core';
import { isObject, isString } from './guards.js';
import { waitFor } from './wait.js';

/**
 * Stops every service worker of the browser over `session` (what Chromium does to an idle worker after 30 s, or under
 * memory pressure), and resolves once each version that was running has been seen `stopped` (a page nudge may start
 * a new instance right after, which is the point of a restart test or a cold start). No DOM here: the bench's node
 * runner uses it too.
 */
export async function stopAllServiceWorkers(session: CDPSession): Promise<void> {
  const status = new Map<string, string>();
  const stoppedAfterCall = new Set<string>();
  let called = false;
  session.on('ServiceWorker.workerVersionUpdated', (event: unknown) => {
    if (!isObject(event) || !Array.isArray(event.versions)) return;
    for (const version of event.versions as unknown[]) {
      if (!isObject(version) || !isString(version.versionId) || !isString(version.runningStatus)) continue;
      status.set(version.versionId, version.runningStatus);
      if (called && version.runningStatus === 'stopped') stoppedAfterCall.add(version.versionId);
    }
  });
  await session.send('ServiceWorker.enable');
  const running = [...status].filter(([, s]) => s !== 'stopped').map(([id]) => id);
  called = true;
  await session.send('ServiceWorker.stopAllWorkers');
  await waitFor(() => running.every((id) => stoppedAfterCall.has(id) || status.get(id) === 'stopped'), {
    timeout: 5_000,
    message: `service worker versions ${running.join(', ')} to stop`,
  });
}
