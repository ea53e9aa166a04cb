import type { CollectionInfo, LocalRecordView, WireLevel } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PanelClient } from '../client.js';
import { formatInline } from '../format.js';
import { isSyncEnd, isWriteEvent, loadAllPages, useLive } from '../live.js';
import { ErrorLine, Fields, JsonView, Time } from '../parts.js';
import { VirtualList } from '../VirtualList.js';
import { DropLocalButton } from '../DropLocal.js';

export function LocalData(props: {
  client: PanelClient;
  collections: CollectionInfo[] | undefined;
}): JSX.Element {
  const { client, collections } = props;
  const [collection, setCollection] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  /** What the last delete or clear did, said once it is done (local only: the server may bring it back). */
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    if (collection === null && collections && collections.length > 0)
      setCollection(collections[0]?.name ?? null);
  }, [collections, collection]);

  // Searching runs in the service worker; typing waits a moment so each keystroke is not a query.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 200);
    return () => clearTimeout(timer);
  }, [search]);

  const records = useLive(
    client,
    () =>
      collection === null
        ? Promise.resolve({ items: [] as LocalRecordView[], total: 0 })
        : loadAllPages((offset, limit) =>
            client.call('listRecords', { collection, ...(query ? { search: query } : {}), offset, limit }),
          ),
    [collection, query],
    (event) =>
      (event.type === 'data-changed' && event.collection === collection) ||
      isWriteEvent(event) ||
      isSyncEnd(event),
  );
  const items = records.data?.items ?? [];
  const selected = items.find((record) => record.id === selectedId) ?? null;

  return (
    <div class="okp-view" data-testid="okp-local-data">
      <div class="okp-split">
        <div class="okp-pane okp-narrow" role="group" aria-label="Collections">
          {collections === undefined ? <span class="okp-dim">Loading…</span> : null}
          {collections?.length === 0 ? <span class="okp-dim">No collections configured.</span> : null}
          {collections?.map((info) => (
            <button
              key={info.name}
              type="button"
              aria-pressed={info.name === collection}
              data-testid="okp-collection"
              class="okp-pick"
              onClick={() => {
                setCollection(info.name);
                setSelectedId(null);
                setNote(null);
              }}
            >
              <div>{info.name}</div>
              <div class="okp-dim">
                {info.count} records · {info.pending} pending · {info.policy}
              </div>
              <div class="okp-dim" data-testid="okp-collection-schema">
                schema v{info.schemaVersion}
                {info.resyncing ? ' · re-syncing: local records are being pulled again' : ''}
              </div>
              <div class="okp-dim">
                synced <Time at={info.lastSyncAt} />
              </div>
              {info.wire && (
                <div class="okp-dim" data-testid="okp-collection-level" title={levelTitle(info.wire)}>
                  {levelText(info.wire, info.policy)}
                </div>
              )}
            </button>
          ))}
        </div>
        <div class="okp-pane">
          <div class="okp-toolbar">
            <input
              type="search"
              placeholder="Search records…"
              aria-label="Search records"
              data-testid="okp-records-search"
              value={search}
              onInput={(event) => setSearch(event.currentTarget.value)}
            />
            <span class="okp-dim" data-testid="okp-records-total">
              {records.data ? `${records.data.total} records` : ''}
            </span>
            <span class="okp-spacer" />
            {collection !== null ? (
              <DropLocalButton
                key={collection}
                label="Clear collection"
                confirm={`Clear ${records.data?.total ?? 'all'} local records?`}
                what={`The ${collection} collection`}
                testId="okp-collection-clear"
                disabled={!records.data || (records.data.total === 0 && !hasPending(collections, collection))}
                run={(unsynced) => client.call('clearLocalCollection', collection, { unsynced })}
                onDone={() => {
                  setSelectedId(null);
                  setNote(
                    `Cleared the local copy of ${collection} on this device. The server is untouched: the next sync pulls the collection again.`,
                  );
                }}
              />
            ) : null}
          </div>
          {note ? (
            <div class="okp-dim" role="status" data-testid="okp-data-note">
              {note}
            </div>
          ) : null}
          <ErrorLine error={records.error} />
          <VirtualList
            items={items}
            rowHeight={24}
            getKey={(record) => record.id}
            selectedKey={selectedId}
            onSelect={(record) => {
              setSelectedId(record.id);
              setNote(null);
            }}
            label="Local records"
            testId="okp-records-list"
            renderRow={(record) => (
              <>
                <span class="okp-cell okp-mono" style={{ width: '140px' }}>
                  {record.id}
                </span>
                <span class="okp-cell okp-dim" style={{ flex: '0 0 auto', minWidth: '28px' }}>
                  v{record.version ?? '—'}
                </span>
                <span class="okp-cell" style={{ width: '150px' }}>
                  {[
                    record.fromServer ? 'server' : 'local',
                    record.pending ? 'pending' : '',
                    record.deleted ? 'deleted' : '',
                    record.conflict ? 'conflict' : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
                <span class="okp-cell okp-dim">{formatInline(record.data)}</span>
              </>
            )}
          />
        </div>
        <div class="okp-pane" aria-label="Record">
          {selected ? (
            <div data-testid="okp-record-details">
              <Fields
                rows={[
                  ['id', selected.id],
                  ['version', selected.version === null ? '— (created offline)' : String(selected.version)],
                  ['from server', selected.fromServer ? 'yes' : 'no'],
                  ['modified (pending writes)', selected.pending ? 'yes' : 'no'],
                  ['active', selected.deleted ? 'no (deleted)' : 'yes'],
                  ['conflict', selected.conflict ? 'yes' : 'no'],
                  ['synced at', <Time at={selected.syncedAt} />],
                ]}
              />
              <JsonView value={selected.data} testId="okp-record-json" label="Record JSON" />
              <div class="okp-toolbar" role="toolbar" aria-label="Record actions">
                <DropLocalButton
                  key={`${collection ?? ''}/${selected.id}`}
                  label="Delete locally"
                  what={`${selected.collection}/${selected.id}`}
                  testId="okp-record-delete"
                  run={(unsynced) =>
                    client.call('deleteLocalRecord', selected.collection, selected.id, { unsynced })
                  }
                  onDone={() => {
                    setSelectedId(null);
                    setNote(
                      `Deleted ${selected.collection}/${selected.id} from this device only. The server still has it: the next sync or online read may bring it back.`,
                    );
                  }}
                />
                <span class="okp-dim">Local only: the server keeps the record.</span>
              </div>
            </div>
          ) : (
            <span class="okp-dim">Select a record to see it as JSON.</span>
          )}
        </div>
      </div>
    </div>
  );
}

function hasPending(collections: CollectionInfo[] | undefined, name: string): boolean {
  return (collections?.find((c) => c.name === name)?.pending ?? 0) > 0;
}

const API_NAMES: Record<WireLevel['api'], string> = {
  'offline-kit': 'Offline Kit protocol',
  rest: 'REST API',
  unknown: 'API not asked yet',
};

/**
 * The collection's level in a line: which API, then what it guarantees beyond offline reads and ordered replay (for
 * writes only in collections the app writes to). Before the first sync has asked, only that.
 */
function levelText(level: WireLevel, policy: string): string {
  if (level.api === 'unknown') return `${API_NAMES.unknown} (the first sync decides)`;
  const parts = [API_NAMES[level.api]];
  if (policy.startsWith('read-write')) {
    parts.push(level.exactlyOnce ? 'exactly-once' : 'at-least-once');
    parts.push(level.conflicts ? 'conflicts detected' : 'last write wins');
  }
  if (level.delta) parts.push('delta pulls');
  if (level.batch && policy.startsWith('read-write')) parts.push('batch');
  return parts.join(' · ');
}

function levelTitle(level: WireLevel): string {
  return level.exactlyOnce
    ? 'The API applies each write once per Idempotency-Key.'
    : 'The API does not honour Idempotency-Key: a write whose answer was lost is sent again and may be applied twice.';
}
