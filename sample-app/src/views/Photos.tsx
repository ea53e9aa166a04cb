/**
 * Photos of a work order. Taking one works offline: the upload is queued by the service worker and sent when the
 * network returns; until then the picture is shown from the file the technician picked.
 */
import { useEffect, useState } from 'preact/hooks';
import { listPhotos, photoContentUrl, uploadPhoto } from '../api/resources.js';
import { getToken } from '../app/session.js';
import { pendingByRecord, refreshQueue, useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { PendingMarker } from './PendingMarker.js';
import { savingInUserWords } from '../logic/userError.js';

/** Pictures picked in this page session, by record id, so a queued photo can be shown before it reaches the server. */
const localPreviews = new Map<string, string>();

export function Photos({ workOrderId }: { workOrderId: string }) {
  const { dataVersion, queue } = useSyncState();
  const photos = useLoad(() => listPhotos(workOrderId), [workOrderId, dataVersion]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const markers = pendingByRecord(queue);
  const upload = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setBusy(true);
    setMessage(null);
    uploadPhoto(workOrderId, file)
      .then((photo) => {
        localPreviews.set(photo.id, URL.createObjectURL(file));
        setMessage(
          navigator.onLine
            ? 'Photo added.'
            : 'Photo saved on this device; it uploads when you are back online.',
        );
        void refreshQueue();
        photos.reload();
      })
      .catch((reason: unknown) => setMessage(savingInUserWords(reason, 'The photo')))
      .finally(() => setBusy(false));
  };
  const items = photos.data?.items ?? [];
  return (
    <section class="panel" aria-labelledby="photos-heading">
      <h2 id="photos-heading">Photos</h2>
      {items.length === 0 && photos.data && <p class="muted">No photos yet.</p>}
      <ul class="photos" data-testid="photos">
        {items.map((photo) => (
          <li key={photo.id} class="photo">
            <Thumbnail id={photo.id} />
            <PendingMarker state={markers.get(`photos/${photo.id}`)} />
          </li>
        ))}
      </ul>
      <div class="form-actions">
        <label class="btn btn-primary file-button">
          Take photo
          <input
            type="file"
            accept="image/*"
            capture="environment"
            onChange={upload}
            disabled={busy}
            class="visually-hidden"
          />
        </label>
        <label class="btn file-button">
          Choose file
          <input
            type="file"
            accept="image/*"
            onChange={upload}
            disabled={busy}
            class="visually-hidden"
            data-testid="photo-file"
          />
        </label>
      </div>
      {message && (
        <p class="muted" role="status">
          {message}
        </p>
      )}
    </section>
  );
}

/** Photos need the Authorization header, so they are fetched and shown from a blob URL rather than `<img src>`. */
function Thumbnail({ id }: { id: string }) {
  const [url, setUrl] = useState<string | null>(localPreviews.get(id) ?? null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (localPreviews.has(id)) return;
    let objectUrl: string | null = null;
    let cancelled = false;
    const token = getToken();
    fetch(photoContentUrl(id), { headers: token ? { Authorization: `Bearer ${token}` } : {} })
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status));
        const blob = await response.blob();
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [id]);
  if (url) return <img src={url} alt="Work order photo" class="thumb" />;
  return <div class="thumb thumb-placeholder">{failed ? 'Shown when online' : 'Loading…'}</div>;
}
