import type { SyncRunSummary, SyncStatus } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { isObject } from '../../protocol/guard.js';
import type { MockFaults } from '../../protocol/relay.js';
import { errorText, type PanelClient } from '../client.js';
import { ActionButton, ErrorLine, JsonView, StateBadge } from '../parts.js';

interface Preset {
  id: string;
  label: string;
  faults: MockFaults;
}

/** The faults a developer reaches for most when checking how their app behaves. */
const PRESETS: Preset[] = [
  { id: 'slow', label: 'Slow server (2 s latency)', faults: { latencyMs: 2000 } },
  { id: 'fail-500', label: 'Next 3 requests fail with 500', faults: { failNext: { count: 3, status: 500 } } },
  { id: 'fail-503', label: 'Next request fails with 503', faults: { failNext: { count: 1, status: 503 } } },
  {
    id: 'drop-after',
    label: 'Lose the answer to the next write (after commit)',
    faults: { dropNext: { count: 1, when: 'after-commit' } },
  },
  {
    id: 'drop-before',
    label: 'Drop the next write (before commit)',
    faults: { dropNext: { count: 1, when: 'before-commit' } },
  },
  { id: 'unreachable', label: 'Unreachable for 30 s', faults: { unreachableForMs: 30_000 } },
];

type MockState =
  { kind: 'checking' } | { kind: 'absent'; why: string } | { kind: 'present'; faults: unknown };

export function Network(props: { client: PanelClient; status: SyncStatus | undefined }): JSX.Element {
  const { client, status } = props;
  const [lastRun, setLastRun] = useState<SyncRunSummary | null>(null);
  const [mock, setMock] = useState<MockState>({ kind: 'checking' });
  const [mockError, setMockError] = useState<string | null>(null);

  const checkMock = async (): Promise<void> => {
    try {
      const answer = await client.mock({ method: 'GET', path: '/__mock/state' });
      if (answer.status === 200 && isObject(answer.body) && 'faults' in answer.body) {
        setMock({ kind: 'present', faults: answer.body.faults });
      } else {
        setMock({ kind: 'absent', why: `GET /__mock/state answered ${answer.status}` });
      }
    } catch (error) {
      setMock({ kind: 'absent', why: errorText(error) });
    }
  };

  useEffect(() => {
    void checkMock();
    // Checked once per visit of the view: whether the page talks to server-mock does not change while it is open.
  }, [client]);

  const applyFaults = async (faults: MockFaults | null): Promise<void> => {
    const answer = await client.mock(
      faults
        ? { method: 'POST', path: '/__mock/faults', body: faults }
        : { method: 'DELETE', path: '/__mock/faults' },
    );
    if (answer.status >= 400) {
      setMockError(`server-mock answered ${answer.status}`);
      return;
    }
    setMockError(null);
    await checkMock();
  };

  const offline = status?.simulatedOffline ?? false;
  const units = status?.units.map((unit) => unit.name) ?? [];
  if (!units.includes('all')) units.unshift('all');

  return (
    <div class="okp-view" data-testid="okp-network">
      <section class="okp-card" aria-label="Connectivity">
        <h3>Connectivity</h3>
        <div class="okp-toolbar">
          <ActionButton
            label={offline ? 'Simulated offline: ON (click to go back online)' : 'Simulate offline'}
            testId="okp-simulate-offline"
            pressed={offline}
            run={() => client.call('setSimulatedOffline', !offline)}
          />
          <span data-testid="okp-network-online">
            The service worker sees the network as <strong>{status?.online ? 'online' : 'offline'}</strong>
            {status && !status.serverReachable && status.online ? ' (server unreachable)' : ''}.
          </span>
        </div>
      </section>
      <section class="okp-card" aria-label="Sync now">
        <h3>Sync now</h3>
        <div class="okp-toolbar">
          {units.map((unit) => (
            <ActionButton
              key={unit}
              label={`Sync ${unit}`}
              testId={`okp-sync-${unit}`}
              run={async () => setLastRun(await client.call('syncNow', { unit }))}
            />
          ))}
        </div>
        {lastRun ? (
          <div data-testid="okp-last-run">
            {lastRun.unit}: <StateBadge state={lastRun.outcome} /> — pushed {lastRun.pushed}, pulled{' '}
            {lastRun.pulled}, conflicts {lastRun.conflicts}, failed {lastRun.failed} in {lastRun.durationMs}{' '}
            ms
            {lastRun.error ? ` — ${lastRun.error.message}` : ''}
          </div>
        ) : null}
      </section>
      <section class="okp-card" aria-label="Server faults">
        <h3>Server faults (server-mock)</h3>
        {mock.kind === 'checking' ? (
          <span class="okp-dim">Looking for server-mock on this origin…</span>
        ) : null}
        {mock.kind === 'absent' ? (
          <span class="okp-dim" data-testid="okp-mock-absent">
            This page's server is not server-mock ({mock.why}), so there are no fault presets. Use "Simulate
            offline" above, or run your app against server-mock to try server failures.
          </span>
        ) : null}
        {mock.kind === 'present' ? (
          <>
            <div class="okp-toolbar" data-testid="okp-mock-presets">
              {PRESETS.map((preset) => (
                <ActionButton
                  key={preset.id}
                  label={preset.label}
                  testId={`okp-fault-${preset.id}`}
                  run={() => applyFaults(preset.faults)}
                />
              ))}
              <ActionButton
                label="Clear faults"
                variant="primary"
                testId="okp-fault-clear"
                run={() => applyFaults(null)}
              />
            </div>
            <ErrorLine error={mockError} />
            <div class="okp-dim">Current faults:</div>
            <JsonView value={mock.faults} testId="okp-mock-faults" label="Current faults" />
          </>
        ) : null}
      </section>
    </div>
  );
}
