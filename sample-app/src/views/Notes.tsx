import { useState } from 'preact/hooks';
import { addNote, listNotes } from '../api/resources.js';
import { loadSession } from '../app/session.js';
import { pendingByRecord, refreshQueue, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { PendingMarker } from './PendingMarker.js';

export function Notes({ workOrderId }: { workOrderId: string }) {
  const { dataVersion, queue } = useSyncState();
  const notes = useLoad(() => listNotes(workOrderId), [workOrderId, dataVersion]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const markers = pendingByRecord(queue);
  const sorted = [...(notes.data?.items ?? [])].sort((a, b) =>
    (a.createdAt ?? a.updatedAt ?? '').localeCompare(b.createdAt ?? b.updatedAt ?? ''),
  );
  const submit = (event: Event): void => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    setError(null);
    addNote(workOrderId, body, loadSession()?.user.id ?? '')
      .then(() => {
        setText('');
        void refreshQueue();
        notes.reload();
      })
      .catch((reason: unknown) =>
        setError(reason instanceof Error ? reason.message : 'The note could not be saved.'),
      )
      .finally(() => setBusy(false));
  };
  return (
    <section class="panel" aria-labelledby="notes-heading">
      <h2 id="notes-heading">Notes</h2>
      {notes.error && (
        <p class="error" role="alert">
          Could not load notes. {notes.error}
        </p>
      )}
      <ol class="notes" data-testid="notes">
        {sorted.map((note) => (
          <li key={note.id} class="note">
            <p class="prewrap">{note.text}</p>
            <p class="note-meta">
              {note.author && <span>{note.author}</span>}
              {note.createdAt && (
                <time dateTime={note.createdAt}>{new Date(note.createdAt).toLocaleString()}</time>
              )}
              <PendingMarker state={markers.get(`notes/${note.id}`)} />
            </p>
          </li>
        ))}
      </ol>
      {notes.data && sorted.length === 0 && <p class="muted">No notes yet.</p>}
      <form onSubmit={submit} class="form">
        <label for="note-text">Add a note</label>
        <textarea id="note-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy || text.trim() === ''}>
          {busy ? 'Saving…' : 'Add note'}
        </button>
      </form>
    </section>
  );
}
