import type { HistoryEntry, HistoryExport } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { isHistoryExport } from '../../protocol/api-guards.js';
import { errorText, type PanelClient } from '../client.js';
import { formatTime } from '../format.js';
import { isSyncEnd, isWriteEvent, useLive } from '../live.js';
import { ActionButton, ErrorLine, JsonView, StateBadge } from '../parts.js';
import { VirtualList } from '../VirtualList.js';

/** Enough for the module's default history limit (2000) with room for larger configurations. */
const HISTORY_LIMIT = 20_000;

type KindFilter = 'all' | 'run' | 'write';

function entryText(entry: HistoryEntry): string {
  return entry.kind === 'run'
    ? `run ${entry.unit} ${entry.trigger} ${entry.outcome} ${entry.error?.message ?? ''}`
    : `write ${entry.event} ${entry.method} ${entry.collection} ${entry.recordId} ${entry.writeId} ${entry.error?.message ?? ''}${entry.schema ? ` schema v${entry.schema.from} v${entry.schema.to}` : ''}`;
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function History(props: { client: PanelClient }): JSX.Element {
  const { client } = props;
  const [kind, setKind] = useState<KindFilter>('all');
  const [text, setText] = useState('');
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [imported, setImported] = useState<{ name: string; file: HistoryExport } | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);

  const live = useLive(
    client,
    () => client.call('getHistory', { limit: HISTORY_LIMIT }),
    [],
    (event) => isSyncEnd(event) || isWriteEvent(event),
  );
  const source = imported ? imported.file.entries : (live.data ?? []);
  const entries = useMemo(() => {
    const needle = text.trim().toLowerCase();
    // Newest first, whatever order the source had.
    return source
      .filter((entry) => kind === 'all' || entry.kind === kind)
      .filter((entry) => !needle || entryText(entry).toLowerCase().includes(needle))
      .sort((a, b) => b.at - a.at || b.id - a.id);
  }, [source, kind, text]);
  const selected = entries.find((entry) => entry.id === selectedId) ?? null;

  const exportHistory = async (): Promise<void> => {
    const file = await client.call('exportHistory');
    const host = file.origin.replace(/^[a-z]+:\/\//, '').replace(/[^a-z0-9.-]+/gi, '_');
    const name = `offline-kit-history-${host}-${new Date(file.exportedAt).toISOString().replace(/[:.]/g, '-')}.json`;
    download(name, JSON.stringify(file, null, 2));
    setExported(`Exported ${file.entries.length} entries as ${name}`);
  };

  const importFile = (files: FileList | null): void => {
    const file = files?.[0];
    if (!file) return;
    setImportError(null);
    file.text().then(
      (content) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(content) as unknown;
        } catch (error) {
          setImportError(`${file.name} is not JSON: ${errorText(error)}`);
          return;
        }
        if (!isHistoryExport(parsed)) {
          setImportError(
            `${file.name} is not an Offline Kit history export (format "offline-kit-history", version 1).`,
          );
          return;
        }
        setImported({ name: file.name, file: parsed });
        setSelectedId(null);
      },
      (error: unknown) => setImportError(`Could not read ${file.name}: ${errorText(error)}`),
    );
  };

  return (
    <div class="okp-view" data-testid="okp-history">
      {imported ? (
        <div class="okp-banner" role="status" data-testid="okp-history-imported">
          Viewing {imported.name}: {imported.file.entries.length} entries from {imported.file.origin},
          exported {formatTime(imported.file.exportedAt)}.{' '}
          <button type="button" onClick={() => setImported(null)}>
            Back to live history
          </button>
        </div>
      ) : null}
      <div class="okp-toolbar" role="toolbar" aria-label="History filters, export and import">
        <label>
          Show{' '}
          <select
            data-testid="okp-history-kind"
            value={kind}
            onChange={(event) => setKind(event.currentTarget.value as KindFilter)}
          >
            <option value="all">runs and writes</option>
            <option value="run">sync runs</option>
            <option value="write">write events</option>
          </select>
        </label>
        <input
          type="search"
          placeholder="Filter (unit, collection, event, outcome…)"
          aria-label="Filter history"
          data-testid="okp-history-filter"
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <span class="okp-dim" data-testid="okp-history-count">
          {entries.length} entries
        </span>
        <span class="okp-spacer" />
        <ActionButton
          label="Export JSON"
          testId="okp-history-export"
          run={exportHistory}
          disabled={imported !== null}
        />
        <label>
          <span class="okp-sr">Import an exported history file</span>
          <input
            type="file"
            accept="application/json,.json"
            data-testid="okp-history-import"
            onChange={(event) => {
              importFile(event.currentTarget.files);
              event.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      {exported ? (
        <div role="status" class="okp-dim" data-testid="okp-history-exported">
          {exported}
        </div>
      ) : null}
      <ErrorLine error={importError ?? (imported ? null : live.error)} />
      <div class="okp-split">
        <div class="okp-pane">
          <VirtualList
            items={entries}
            rowHeight={24}
            getKey={(entry) => `${entry.kind}-${entry.id}`}
            selectedKey={selected ? `${selected.kind}-${selected.id}` : null}
            onSelect={(entry) => setSelectedId(entry.id)}
            label="Sync history"
            testId="okp-history-list"
            renderRow={(entry) => <HistoryRow entry={entry} />}
          />
        </div>
        <div class="okp-pane" aria-label="History entry">
          {selected ? (
            <JsonView value={selected} testId="okp-history-entry" label="History entry" />
          ) : (
            <span class="okp-dim">Select an entry to see all of it.</span>
          )}
        </div>
      </div>
    </div>
  );
}

function HistoryRow(props: { entry: HistoryEntry }): JSX.Element {
  const { entry } = props;
  const time = <span class="okp-cell okp-dim okp-mono okp-time">{formatTime(entry.at).slice(11)}</span>;
  if (entry.kind === 'run') {
    return (
      <>
        {time}
        <span class="okp-h-kind" data-testid="okp-history-kind-cell">
          sync run
        </span>
        <span class="okp-h-state">
          <StateBadge state={entry.outcome} />
        </span>
        <span class="okp-cell">
          {entry.unit} · {entry.trigger} · pushed {entry.pushed}, pulled {entry.pulled}, conflicts{' '}
          {entry.conflicts}, failed {entry.failed} · {entry.durationMs} ms
          {entry.error ? ` · ${entry.error.message}` : ''}
        </span>
      </>
    );
  }
  return (
    <>
      {time}
      <span class="okp-h-kind" data-testid="okp-history-kind-cell">
        write
      </span>
      <span class="okp-h-state">
        <StateBadge state={entry.event} />
      </span>
      <span class="okp-cell">
        {entry.method} {entry.collection}/{entry.recordId}
        {entry.status === null ? '' : ` · HTTP ${entry.status}`}
        {entry.schema ? ` · schema v${entry.schema.from} → v${entry.schema.to}` : ''}
        {entry.error ? ` · ${entry.error.message}` : ''}
      </span>
    </>
  );
}
