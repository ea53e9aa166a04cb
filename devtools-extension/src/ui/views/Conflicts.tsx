import type { ConflictView } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { isObject } from '../../protocol/guard.js';
import { type PanelClient } from '../client.js';
import { conflictRows, mergeDraft } from '../diff.js';
import { formatInline, formatJson, formatTime } from '../format.js';
import { isSyncEnd, isWriteEvent, useLive } from '../live.js';
import { ActionButton, ErrorLine } from '../parts.js';

export function Conflicts(props: { client: PanelClient }): JSX.Element {
  const { client } = props;
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const conflicts = useLive(
    client,
    () => client.call('listConflicts'),
    [],
    (e) => isWriteEvent(e) || isSyncEnd(e),
  );
  const list = conflicts.data ?? [];
  const selected = list.find((c) => c.writeId === selectedId) ?? list[0] ?? null;

  return (
    <div class="okp-view" data-testid="okp-conflicts">
      <ErrorLine error={conflicts.error} />
      {conflicts.data && list.length === 0 ? (
        <div class="okp-dim" data-testid="okp-conflicts-empty">
          No conflicts. When the server refuses a write because someone else changed the record, it shows up
          here.
        </div>
      ) : null}
      <div class="okp-split">
        {list.length > 0 ? (
          <div class="okp-pane okp-narrow" role="listbox" aria-label="Conflicts">
            {list.map((conflict) => (
              <button
                key={conflict.writeId}
                type="button"
                role="option"
                aria-selected={conflict === selected}
                aria-pressed={conflict === selected}
                data-testid="okp-conflict-item"
                class="okp-pick"
                onClick={() => setSelectedId(conflict.writeId)}
              >
                <div>
                  {conflict.collection}/{conflict.recordId}
                </div>
                <div class="okp-dim">
                  {conflict.method} · {conflict.fields.length} field{conflict.fields.length === 1 ? '' : 's'}{' '}
                  · {formatTime(conflict.detectedAt).slice(11, 19)}
                </div>
              </button>
            ))}
          </div>
        ) : null}
        {selected ? (
          <div class="okp-pane">
            <ConflictDetail
              key={selected.writeId}
              client={client}
              conflict={selected}
              onResolved={conflicts.reload}
            />
          </div>
        ) : null}
      </div>
    </div>
  );
}

function ConflictDetail(props: {
  client: PanelClient;
  conflict: ConflictView;
  onResolved: () => void;
}): JSX.Element {
  const { client, conflict } = props;
  const [merging, setMerging] = useState<string | null>(null);
  const [mergeError, setMergeError] = useState<string | null>(null);
  const rows = conflictRows(conflict);

  const resolveMerged = async (): Promise<boolean> => {
    if (merging === null) return false;
    let record: unknown;
    try {
      record = JSON.parse(merging) as unknown;
    } catch (error) {
      // Said once, beside the editor; the button shows no second copy of it.
      setMergeError(`Not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    if (!isObject(record)) {
      setMergeError('The merged record must be a JSON object.');
      return false;
    }
    setMergeError(null);
    await client.call('resolveConflict', conflict.writeId, { choice: 'merged', record });
    return true;
  };

  return (
    <div data-testid="okp-conflict-detail">
      <div>
        <strong>
          {conflict.method} {conflict.collection}/{conflict.recordId}
        </strong>{' '}
        <span class="okp-dim">write {conflict.writeId}</span>
      </div>
      {conflict.serverDeleted ? (
        <div class="okp-error" data-testid="okp-conflict-deleted">
          The record was deleted on the server. Keeping the local version creates it again.
        </div>
      ) : null}
      <table class="okp-table" data-testid="okp-conflict-table" aria-label="Base, local and server versions">
        <thead>
          <tr>
            <th scope="col" style={{ width: '110px' }}>
              Field
            </th>
            <th scope="col">Base (what the user saw)</th>
            <th scope="col">Local (the user's change)</th>
            <th scope="col">Server (now)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} data-testid="okp-conflict-row" data-differs={row.differs}>
              <th scope="row" class={row.differs ? 'okp-diff' : undefined}>
                {row.field}
                {row.differs ? <span class="okp-sr"> (differs)</span> : null}
              </th>
              <td class="okp-mono">{formatInline(row.base, 200)}</td>
              <td class={row.differs && row.changedLocally ? 'okp-mono okp-diff' : 'okp-mono'}>
                {formatInline(row.local, 200)}
              </td>
              <td class={row.differs && row.changedOnServer ? 'okp-mono okp-diff' : 'okp-mono'}>
                {formatInline(row.server, 200)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="okp-toolbar" role="toolbar" aria-label="Resolve">
        {/* Keeping the server's version loses nothing on the server, so it is the primary action; "Keep local"
            overwrites someone else's change and says so, with a confirming second click. */}
        <ActionButton
          label="Keep server"
          testId="okp-resolve-server"
          variant="primary"
          run={() => client.call('resolveConflict', conflict.writeId, { choice: 'server' })}
          onDone={props.onResolved}
        />
        <ActionButton
          label="Keep local (overwrite server)"
          confirm="Confirm overwrite"
          testId="okp-resolve-local"
          variant="danger"
          run={() => client.call('resolveConflict', conflict.writeId, { choice: 'local' })}
          onDone={props.onResolved}
        />
        <button
          type="button"
          data-testid="okp-resolve-merge"
          disabled={merging !== null}
          onClick={() => setMerging(formatJson(mergeDraft(conflict)))}
        >
          Merge…
        </button>
      </div>
      {merging !== null ? (
        <div data-testid="okp-merge-editor">
          <textarea
            aria-label="Merged record (JSON)"
            data-testid="okp-merge-text"
            value={merging}
            onInput={(event) => setMerging(event.currentTarget.value)}
          />
          <ErrorLine error={mergeError} />
          <div class="okp-toolbar">
            <ActionButton
              label="Resolve with merged record"
              testId="okp-resolve-merged"
              variant="primary"
              run={resolveMerged}
              onDone={props.onResolved}
            />
            <button type="button" onClick={() => setMerging(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
