import type { QueuedWriteView, WriteState } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { errorText, type PanelClient } from '../client.js';
import { formatBytes, formatJson, formatTime } from '../format.js';
import { isSyncEnd, isWriteEvent, useLive } from '../live.js';
import { collectAll, usePagedList } from '../paged.js';
import { ActionButton, ErrorLine, Fields, JsonView, StateBadge, Time } from '../parts.js';
import { VirtualList } from '../VirtualList.js';

const STATES: WriteState[] = ['pending', 'sending', 'failed', 'conflict'];
const ROW_HEIGHT = 24;
// One page fills a tall pane (24 px rows): the first paint waits for 50 rows, not 100.
const QUEUE_PAGE_SIZE = 50;

export function Queue(props: { client: PanelClient; collections: string[] }): JSX.Element {
  const { client } = props;
  const [collection, setCollection] = useState('');
  const [state, setState] = useState<WriteState | ''>('');
  const [picked, setPicked] = useState<{ write: QueuedWriteView; record: string } | null>(null);
  // Checked ids belong to the filter they were checked under: changing the filter starts a new selection.
  const [checked, setChecked] = useState<{ filter: string; ids: ReadonlySet<string> }>({
    filter: '',
    ids: new Set(),
  });
  const [selectingAll, setSelectingAll] = useState(false);
  const [bulkMessage, setBulkMessage] = useState<string | null>(null);

  const filterKey = `${collection}\n${state}`;
  const checkedIds = checked.filter === filterKey ? checked.ids : new Set<string>();
  const fetchPage = (offset: number, limit: number) =>
    client.call('listQueue', {
      ...(collection ? { collection } : {}),
      ...(state ? { state } : {}),
      offset,
      limit,
      // The rows show metadata only; the selected write's body comes from `getWrite` (WriteDetails), so no listed
      // write has its body read, decrypted and parsed just to be scrolled past.
      bodies: false,
    });

  // Only the pages in view are asked for: building 10,000 views (each decoding its body) before the first paint
  // is what made a long queue slow to open.
  const queue = usePagedList(
    client,
    fetchPage,
    [collection, state],
    (event) => isWriteEvent(event) || isSyncEnd(event),
    QUEUE_PAGE_SIZE,
  );
  const rows = queue.rows;
  const total = queue.total;
  // An app that never raised a schema version needs no column saying "v1" on every row: it takes the error's room.
  const showSchema = rows.some((write) => write !== undefined && write.schemaVersion !== 1);
  // A write refused with a 4xx gets a new id (a new Idempotency-Key) when retried or edited: the selection follows
  // the record it writes to, so the details stay open on the write the developer is working on. A write whose page
  // is not loaded (scrolled away) stays selected as last seen; once every row is loaded, absence means it is gone.
  const selected =
    rows.find((write) => write?.id === picked?.write.id) ??
    rows.find((write) => write !== undefined && recordKey(write) === picked?.record) ??
    (picked && !queue.complete ? picked.write : null);

  const setWindow = queue.setWindow;
  const onRange = useCallback((first: number, last: number) => setWindow(first, last), [filterKey]);

  const toggle = (id: string): void => {
    const next = new Set(checkedIds);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChecked({ filter: filterKey, ids: next });
  };

  const allChecked = total !== undefined && total > 0 && checkedIds.size >= total;
  const selectAll = async (): Promise<void> => {
    if (allChecked) {
      setChecked({ filter: filterKey, ids: new Set() });
      return;
    }
    setSelectingAll(true);
    try {
      // The list holds only the pages in view: the ids of the rest come page by page, in the background.
      const all = queue.complete ? rows : await collectAll(fetchPage);
      const ids = new Set<string>();
      for (const write of all) if (write) ids.add(write.id);
      setChecked({ filter: filterKey, ids });
    } catch (error) {
      setBulkMessage(`Could not select all: ${errorText(error)}`);
    } finally {
      setSelectingAll(false);
    }
  };

  const bulk = async (verb: 'retryWrite' | 'discardWrite'): Promise<void> => {
    // Only writes still queued under this filter: one sent or discarded since it was checked is skipped.
    const listed = queue.complete ? rows : await collectAll(fetchPage);
    const ids = listed.flatMap((write) => (write && checkedIds.has(write.id) ? [write.id] : []));
    const outcomes = await Promise.allSettled(ids.map((id) => client.call(verb, id)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    setBulkMessage(
      `${verb === 'retryWrite' ? 'Retried' : 'Discarded'} ${ids.length - failed.length} of ${ids.length}` +
        (failed[0]?.status === 'rejected' ? ` — first failure: ${errorText(failed[0].reason)}` : ''),
    );
    if (verb === 'discardWrite') setChecked({ filter: filterKey, ids: new Set() });
    queue.reload();
  };

  return (
    <div class="okp-view" data-testid="okp-queue">
      <div class="okp-toolbar" role="toolbar" aria-label="Queue filters and bulk actions">
        <label>
          Collection{' '}
          <select
            data-testid="okp-queue-collection"
            value={collection}
            onChange={(event) => setCollection(event.currentTarget.value)}
          >
            <option value="">all</option>
            {props.collections.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          State{' '}
          <select
            data-testid="okp-queue-state"
            value={state}
            onChange={(event) => setState(event.currentTarget.value as WriteState | '')}
          >
            <option value="">all</option>
            {STATES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span class="okp-dim" data-testid="okp-queue-total">
          {total === undefined ? 'Loading…' : `${total} write${total === 1 ? '' : 's'}`}
        </span>
        <span class="okp-spacer" />
        <button
          type="button"
          data-testid="okp-queue-select-all"
          disabled={!total || selectingAll}
          onClick={() => void selectAll()}
        >
          {selectingAll ? 'Selecting…' : allChecked ? 'Select none' : `Select all ${total ?? ''}`.trimEnd()}
        </button>
        <ActionButton
          label={`Retry selected (${checkedIds.size})`}
          testId="okp-queue-bulk-retry"
          disabled={checkedIds.size === 0}
          run={() => bulk('retryWrite')}
        />
        <ActionButton
          label={`Discard selected (${checkedIds.size})`}
          confirm={`Really discard ${checkedIds.size}?`}
          variant="danger"
          testId="okp-queue-bulk-discard"
          disabled={checkedIds.size === 0}
          run={() => bulk('discardWrite')}
        />
      </div>
      {bulkMessage ? (
        <div role="status" data-testid="okp-queue-bulk-message">
          {bulkMessage}
        </div>
      ) : null}
      <ErrorLine error={queue.error} />
      <div class="okp-split">
        <div
          class="okp-pane"
          onKeyDown={(event) => {
            if (event.key === ' ' && selected) {
              event.preventDefault();
              toggle(selected.id);
            }
          }}
        >
          {total === 0 ? (
            <div class="okp-dim" data-testid="okp-queue-empty">
              No queued writes{collection || state ? ' match the filter' : ''}.
            </div>
          ) : null}
          <VirtualList
            items={rows}
            count={total ?? 0}
            onRange={onRange}
            rowHeight={ROW_HEIGHT}
            getKey={(write) => write.id}
            selectedKey={selected?.id ?? null}
            onSelect={(write) => setPicked({ write, record: recordKey(write) })}
            label="Queued writes (Space checks a row)"
            testId="okp-queue-list"
            renderRow={(write) => (
              <QueueRow
                write={write}
                checked={checkedIds.has(write.id)}
                onToggle={() => toggle(write.id)}
                showSchema={showSchema}
              />
            )}
          />
        </div>
        <div class="okp-pane" aria-label="Write details">
          {selected ? (
            <WriteDetails key={selected.id} client={client} write={selected} onChanged={queue.reload} />
          ) : (
            <span class="okp-dim">Select a write to see its request, response and actions.</span>
          )}
        </div>
      </div>
    </div>
  );
}

function recordKey(write: QueuedWriteView): string {
  return `${write.method} ${write.collection}/${write.recordId}`;
}

function QueueRow(props: {
  write: QueuedWriteView;
  checked: boolean;
  onToggle: () => void;
  /** Some write was captured under a schema version above 1: the column says which. */
  showSchema: boolean;
}): JSX.Element {
  const { write } = props;
  return (
    <>
      <input
        type="checkbox"
        tabIndex={-1}
        checked={props.checked}
        aria-label={`Select write ${write.seq}`}
        onClick={(event) => event.stopPropagation()}
        onChange={props.onToggle}
      />
      <span class="okp-cell okp-dim okp-c-seq">#{write.seq}</span>
      <span class="okp-cell okp-mono okp-c-method">{write.method}</span>
      {props.showSchema && (
        <span
          class="okp-cell okp-dim okp-c-schema"
          data-testid="okp-queue-schema"
          title={`captured under schemaVersion ${write.schemaVersion}`}
        >
          v{write.schemaVersion}
        </span>
      )}
      <span class="okp-cell okp-c-record" data-testid="okp-queue-record">
        {write.collection}/{write.recordId}
      </span>
      <span class="okp-c-state" data-testid="okp-queue-state-cell">
        <StateBadge state={write.state} />
      </span>
      <span
        class="okp-cell okp-dim okp-c-attempts"
        title={`${write.attempts} attempt${write.attempts === 1 ? '' : 's'}`}
      >
        {write.attempts}×
      </span>
      <span class="okp-cell okp-dim okp-c-next">
        {write.nextAttemptAt === null ? '' : formatTime(write.nextAttemptAt).slice(11, 19)}
      </span>
      <span class="okp-cell okp-error okp-c-error" title={write.lastError?.message}>
        {write.lastError ? write.lastError.message : ''}
      </span>
    </>
  );
}

function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /[/+]json\b/i.test(contentType);
}

function WriteDetails(props: {
  client: PanelClient;
  write: QueuedWriteView;
  onChanged: () => void;
}): JSX.Element {
  const { client, write } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const [editError, setEditError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const detail = useLive(client, () => client.call('getWrite', write.id), [write.id], isWriteEvent);
  const body = detail.data?.body;
  // The listed row has no body (`bodies: false`): the parsed JSON is the one `getWrite` answered.
  const bodyJson = detail.data?.write.json;
  const loaded = detail.data !== undefined;
  const json = isJsonType(write.contentType);

  // The list keeps a write selected while its page is scrolled away; the service worker says when it is gone.
  if (detail.data === null) {
    return (
      <div class="okp-dim" data-testid="okp-write-gone">
        Write #{write.seq} is no longer queued: it was sent or discarded.
      </div>
    );
  }

  const saveEdit = async (): Promise<boolean> => {
    if (editing === null) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(editing) as unknown;
    } catch (error) {
      // Said once, beside the editor; the button shows no second copy of it.
      setEditError(`Not valid JSON: ${errorText(error)}`);
      return false;
    }
    await client.call('editWrite', write.id, parsed);
    setEditing(null);
    setEditError(null);
    // An edit is no write event, so nothing else tells the body view that the body changed.
    detail.reload();
    return true;
  };

  /** A retry while the worker is offline or cannot reach the server sends nothing: say so instead of staying silent. */
  const retry = async (): Promise<void> => {
    setNote(null);
    await client.call('retryWrite', write.id);
    const status = await client.call('getStatus');
    if (!status.online)
      setNote('Offline: nothing was sent. The write stays pending and is sent when the network is back.');
    else if (!status.serverReachable)
      setNote('The server is not reachable: the write stays pending and is retried automatically.');
  };

  return (
    <div data-testid="okp-write-details">
      <div class="okp-toolbar" role="toolbar" aria-label="Write actions">
        <ActionButton
          label="Retry now"
          testId="okp-write-retry"
          variant="primary"
          disabled={write.state === 'sending' || write.state === 'conflict'}
          run={retry}
          onDone={props.onChanged}
        />
        <button
          type="button"
          data-testid="okp-write-edit"
          disabled={!json || !loaded || write.state === 'sending' || editing !== null}
          title={json ? 'Edit the JSON body before it is sent' : 'Only JSON bodies can be edited'}
          onClick={() => setEditing(formatJson(bodyJson))}
        >
          Edit body
        </button>
        {write.state === 'failed' && json && loaded ? (
          <ActionButton
            label="Move back to pending"
            testId="okp-write-requeue"
            // The API has no separate "requeue": an edit with the unchanged body is defined to put a failed write
            // back to pending without sending it now, which is exactly this action.
            run={() => client.call('editWrite', write.id, bodyJson)}
            onDone={props.onChanged}
          />
        ) : null}
        <ActionButton
          label="Discard"
          confirm="Confirm discard"
          variant="danger"
          testId="okp-write-discard"
          disabled={write.state === 'sending'}
          run={() => client.call('discardWrite', write.id)}
          onDone={props.onChanged}
        />
      </div>
      {note ? (
        <div class="okp-dim" role="status" data-testid="okp-write-note">
          {note}
        </div>
      ) : null}
      {editing !== null ? (
        <div data-testid="okp-write-editor">
          <textarea
            aria-label="Request body (JSON)"
            data-testid="okp-write-editor-text"
            value={editing}
            onInput={(event) => setEditing(event.currentTarget.value)}
          />
          <ErrorLine error={editError} />
          <div class="okp-toolbar">
            <ActionButton
              label="Save body"
              testId="okp-write-save"
              variant="primary"
              run={saveEdit}
              onDone={props.onChanged}
            />
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <h4>Request</h4>
      <Fields
        rows={[
          ['id / Idempotency-Key', <span class="okp-mono">{write.id}</span>],
          ['request', <span class="okp-mono">{`${write.method} ${write.url}`}</span>],
          ['state', <StateBadge state={write.state} />],
          ['record', `${write.collection}/${write.recordId}`],
          ['schema version', `v${write.schemaVersion}`],
          ['base version (If-Match)', write.baseVersion === null ? '— (create)' : String(write.baseVersion)],
          ['queued at', <Time at={write.createdAt} />],
          ['sync units', write.units.join(', ') || '—'],
          ['content type', write.contentType ?? '—'],
          ['body size', formatBytes(write.bodySize)],
        ]}
      />
      <h4>Body</h4>
      {!loaded ? (
        <span class="okp-dim" data-testid="okp-write-body-loading">
          Loading the body…
        </span>
      ) : json ? (
        <JsonView value={bodyJson} testId="okp-write-body" label="Request body" />
      ) : typeof body === 'string' ? (
        <JsonView value={body} testId="okp-write-body" label="Request body" />
      ) : (
        <span class="okp-dim">
          {body instanceof ArrayBuffer ? `${body.byteLength} bytes of binary data` : 'No body'}
        </span>
      )}
      <h4>Response</h4>
      <Fields
        rows={[
          ['attempts', String(write.attempts)],
          ['next attempt', <Time at={write.nextAttemptAt} />],
          ['last status', write.lastStatus === null ? '—' : String(write.lastStatus)],
          [
            'last error',
            write.lastError ? (
              <span class="okp-error" data-testid="okp-write-last-error">
                {`${write.lastError.code}${write.lastError.status === undefined ? '' : ` (HTTP ${write.lastError.status})`}: ${write.lastError.message}`}
              </span>
            ) : (
              '—'
            ),
          ],
        ]}
      />
      {write.lastError?.details !== undefined ? (
        <JsonView value={write.lastError.details} label="Error details" />
      ) : null}
      <ErrorLine error={detail.error} />
    </div>
  );
}
