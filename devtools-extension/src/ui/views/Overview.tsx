import type { SyncStatus } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { formatBytes } from '../format.js';
import { ErrorLine, Fields, StateBadge, Time } from '../parts.js';

export function Overview(props: {
  status: SyncStatus | undefined;
  error: string | null;
  module: { moduleVersion: string; origin: string; scope: string };
}): JSX.Element {
  const { status } = props;
  if (!status) {
    return (
      <div class="okp-view">
        <ErrorLine error={props.error} />
        {props.error ? null : <span class="okp-dim">Loading…</span>}
      </div>
    );
  }
  const storage = status.storage;
  const share = storage && storage.quota > 0 ? Math.min(1, storage.usage / storage.quota) : 0;
  return (
    <div class="okp-view" data-testid="okp-overview">
      <ErrorLine error={props.error} />
      <div class="okp-cards">
        <section class="okp-card" aria-label="Connectivity">
          <h3>Connectivity (as the service worker sees it)</h3>
          <div class="okp-big" data-testid="okp-online">
            {status.online ? 'Online' : 'Offline'}
          </div>
          <Fields
            rows={[
              ['simulated offline', status.simulatedOffline ? 'yes' : 'no'],
              ['server reachable', status.serverReachable ? 'yes' : 'no'],
              [
                'queue',
                status.paused
                  ? `paused${status.pausedReason ? ` (${status.pausedReason.code}): ${status.pausedReason.message}` : ''}`
                  : 'running',
              ],
            ]}
          />
        </section>
        <section class="okp-card" aria-label="Queue counts">
          <h3>Queue</h3>
          <div class="okp-counts">
            <div>
              <div class="okp-big" data-testid="okp-count-pending">
                {status.pending}
              </div>
              <StateBadge state="pending" />
            </div>
            <div>
              <div class="okp-big" data-testid="okp-count-failed">
                {status.failed}
              </div>
              <StateBadge state="failed" />
            </div>
            <div>
              <div class="okp-big" data-testid="okp-count-conflicts">
                {status.conflicts}
              </div>
              <StateBadge state="conflict" />
            </div>
          </div>
          {status.syncing ? (
            <div data-testid="okp-syncing">
              Syncing {status.syncing.unit}: {status.syncing.phase} {status.syncing.done}
              {status.syncing.total === null ? '' : ` / ${status.syncing.total}`}
              {status.syncing.collection ? ` (${status.syncing.collection})` : ''}
            </div>
          ) : null}
        </section>
        <section class="okp-card" aria-label="Storage">
          <h3>Storage</h3>
          {storage ? (
            <>
              <div data-testid="okp-storage">
                {formatBytes(storage.usage)} of {formatBytes(storage.quota)} ({percent(share)})
              </div>
              <div
                class="okp-meter"
                role="meter"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={share * 100}
              >
                <div style={{ width: `${share * 100}%` }} />
              </div>
            </>
          ) : (
            // WebKit has no navigator.storage: the module reports no estimate, and that is not an error.
            <div data-testid="okp-storage">
              unknown <span class="okp-dim">(this browser does not report storage use)</span>
            </div>
          )}
        </section>
        <section class="okp-card" aria-label="Module">
          <h3>Module</h3>
          <Fields
            rows={[
              ['version', props.module.moduleVersion],
              ['origin', props.module.origin],
              ['scope', props.module.scope],
              ['user', status.user ?? '—'],
              [
                'server protocol',
                status.protocol
                  ? `v${status.protocol.version}${status.protocol.batch ? ', batch' : ''}`
                  : 'unknown',
              ],
              ['last sync', <Time at={status.lastSyncAt} />],
            ]}
          />
        </section>
      </div>
      <section aria-label="Sync units">
        <table class="okp-table" data-testid="okp-units">
          <thead>
            <tr>
              <th scope="col">Sync unit</th>
              <th scope="col">Collections</th>
              <th scope="col">Last sync</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {status.units.map((unit) => (
              <tr key={unit.name}>
                <td>{unit.name}</td>
                <td>{unit.collections.join(', ')}</td>
                <td>
                  <Time at={unit.lastSyncAt} />
                </td>
                <td>{unit.lastOutcome ? <StateBadge state={unit.lastOutcome} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function percent(share: number): string {
  if (share > 0 && share < 0.001) return 'under 0.1 %';
  return `${(share * 100).toFixed(1)} %`;
}
