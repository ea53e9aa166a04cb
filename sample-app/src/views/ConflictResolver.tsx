/**
 * One conflict, field by field: what both sides started from, mine, and the server's. The technician keeps mine,
 * keeps theirs, or picks per field; each choice says what it will do before it is made. Nothing is lost until they
 * choose: the module keeps all three versions.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ConflictView, Resolution } from '@offline-kit/sw/protocol';
import { href, navigate } from '../app/router.js';
import { refreshQueue, useSyncState } from '../app/store.js';
import {
  bothTexts,
  canKeepBoth,
  consequenceOf,
  defaultPicks,
  diffFields,
  displayValue,
  editText,
  fieldLabel,
  mergeRecord,
  parseEdit,
  pickedValue,
  summarisePicks,
  type FieldRow,
  type Pick,
  type Side,
} from '../logic/fieldDiff.js';
import { savingInUserWords } from '../logic/userError.js';

export function ConflictResolver({ writeId }: { writeId: string }) {
  const { conflicts } = useSyncState();
  const conflict = conflicts.find((c) => c.writeId === writeId);
  if (!conflict) {
    return (
      <main id="main" class="page">
        <p>
          <a href={href({ name: 'sync' })}>← Sync</a>
        </p>
        <p>This conflict is resolved, or it is no longer on this device.</p>
      </main>
    );
  }
  return <Resolver conflict={conflict} />;
}

function Resolver({ conflict }: { conflict: ConflictView }) {
  const { kit } = useSyncState();
  const rows = useMemo(() => diffFields(conflict.base, conflict.local, conflict.server), [conflict]);
  const [picks, setPicks] = useState<Record<string, Pick>>(() => defaultPicks(rows));
  /** What the person typed, per field picked `edit`. */
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const differing = rows.filter((r) => r.differs);
  const same = rows.filter((r) => !r.differs);
  const title =
    (typeof conflict.local?.title === 'string' && conflict.local.title) ||
    (typeof conflict.server?.title === 'string' && conflict.server.title) ||
    conflict.recordId;

  const resolve = (resolution: Resolution): void => {
    if (!kit) return;
    setBusy(true);
    setError(null);
    kit
      .resolveConflict(conflict.writeId, resolution)
      .then(() => {
        void refreshQueue();
        navigate(
          conflict.collection === 'work-orders' && !conflict.serverDeleted
            ? { name: 'work-order', id: conflict.recordId }
            : { name: 'sync' },
        );
      })
      .catch((reason: unknown) => {
        setError(savingInUserWords(reason, 'The choice'));
        setBusy(false);
      });
  };
  const picked = summarisePicks(rows, picks);
  const allMine: Record<string, Side> = Object.fromEntries(differing.map((r) => [r.field, 'local']));
  const allTheirs: Record<string, Side> = Object.fromEntries(differing.map((r) => [r.field, 'server']));

  return (
    <main id="main" class="page">
      <p>
        <a href={href({ name: 'sync' })}>← Sync</a>
      </p>
      <h1>Conflict: {title}</h1>
      <p>
        {conflict.serverDeleted
          ? 'Someone deleted this record on the server while you were changing it on this device.'
          : 'Someone else changed this record on the server while you were changing it on this device. Choose what to keep for each field that differs.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!conflict.serverDeleted && (
        <form
          class="conflict"
          onSubmit={(event) => {
            event.preventDefault();
            if (picked !== 'mixed') {
              resolve({ choice: picked });
              return;
            }
            const edits: Record<string, unknown> = {};
            try {
              for (const row of differing)
                if (picks[row.field] === 'edit') edits[row.field] = parseEdit(row, typed[row.field] ?? '');
            } catch (reason) {
              setError(reason instanceof Error ? reason.message : String(reason));
              return;
            }
            resolve({ choice: 'merged', record: mergeRecord(rows, picks, edits) });
          }}
        >
          {differing.map((row) => (
            <FieldChoice
              key={row.field}
              row={row}
              pick={picks[row.field] ?? 'local'}
              typed={typed[row.field] ?? ''}
              onPick={(pick) => {
                // Editing starts from what the field kept until now.
                if (pick === 'edit' && typed[row.field] === undefined)
                  setTyped({
                    ...typed,
                    [row.field]: editText(pickedValue(row, picks[row.field] ?? 'local')),
                  });
                setPicks({ ...picks, [row.field]: pick });
              }}
              onType={(text) => setTyped({ ...typed, [row.field]: text })}
            />
          ))}
          {same.length > 0 && (
            <details class="same-fields">
              <summary>{same.length} fields are the same on both sides</summary>
              <dl class="details">
                {same.map((row) => (
                  <div key={row.field}>
                    <dt>{fieldLabel(row.field)}</dt>
                    <dd>{displayValue(row.local)}</dd>
                  </div>
                ))}
              </dl>
            </details>
          )}
          <div class="choice-box" aria-live="polite">
            <p class="consequence" data-testid="consequence">
              {consequenceOf(picked, rows, picks)}
            </p>
            <button type="submit" class="btn btn-primary" disabled={busy} data-testid="save-picks">
              Save my choices
            </button>
          </div>
        </form>
      )}
      <div class="choice-grid">
        <div class="choice-box">
          <button type="button" class="btn" disabled={busy} onClick={() => resolve({ choice: 'local' })}>
            {conflict.serverDeleted ? 'Restore it with my version' : 'Keep mine'}
          </button>
          <p class="consequence">
            {conflict.serverDeleted
              ? 'The record is written again with your version.'
              : consequenceOf('local', rows, allMine)}
          </p>
        </div>
        <div class="choice-box">
          <button type="button" class="btn" disabled={busy} onClick={() => resolve({ choice: 'server' })}>
            {conflict.serverDeleted ? 'Accept the deletion' : 'Keep theirs'}
          </button>
          <p class="consequence">
            {conflict.serverDeleted
              ? 'The record stays deleted and your changes are discarded.'
              : consequenceOf('server', rows, allTheirs)}
          </p>
        </div>
      </div>
    </main>
  );
}

function FieldChoice({
  row,
  pick,
  typed,
  onPick,
  onType,
}: {
  row: FieldRow;
  pick: Pick;
  typed: string;
  onPick: (pick: Pick) => void;
  onType: (text: string) => void;
}) {
  const name = `pick-${row.field}`;
  const option = (value: Pick, label: string, shown: string | null): preact.JSX.Element => (
    <label class={`option${pick === value ? ' option-selected' : ''}`}>
      <input type="radio" name={name} checked={pick === value} onChange={() => onPick(value)} />
      <span class="label">{label}</span>
      {shown !== null && <span class="value prewrap">{shown}</span>}
    </label>
  );
  const editId = `edit-${row.field}`;
  return (
    <fieldset class="field-choice" data-testid={`field-${row.field}`}>
      <legend>{fieldLabel(row.field)}</legend>
      <p class="base">
        <span class="label">Both started from</span> {displayValue(row.base)}
      </p>
      {option('local', `Mine${row.changedLocally ? ' (you changed it)' : ''}`, displayValue(row.local))}
      {option(
        'server',
        `Theirs${row.changedOnServer ? ' (changed on the server)' : ''}`,
        displayValue(row.server),
      )}
      {canKeepBoth(row) && option('both', 'Both, mine first', bothTexts(row))}
      {option('edit', 'Write it myself', null)}
      {pick === 'edit' && (
        <div class="field">
          <label for={editId}>{`Your ${fieldLabel(row.field)}`}</label>
          <textarea id={editId} rows={3} value={typed} onInput={(e) => onType(e.currentTarget.value)} />
        </div>
      )}
    </fieldset>
  );
}
