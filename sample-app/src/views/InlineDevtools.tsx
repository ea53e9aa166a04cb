/**
 * Opens the Offline Kit devtools panel inside the page, for phones and browsers without the extension. Loaded only
 * when asked for, so the app's own bundle does not carry it.
 */
import { useRef, useState } from 'preact/hooks';

interface Panel {
  close(): void;
}

export function InlineDevtoolsButton() {
  const panel = useRef<Panel | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = (): void => {
    if (panel.current) {
      panel.current.close();
      return;
    }
    setError(null);
    import('@offline-kit/devtools-extension/inline')
      .then(({ mountInlinePanel }) => {
        panel.current = mountInlinePanel({
          onClose: () => {
            panel.current = null;
            setOpen(false);
          },
        });
        setOpen(true);
      })
      .catch((reason: unknown) =>
        setError(
          `The panel could not be loaded${navigator.onLine ? '' : ' while offline'}: ${String(reason)}`,
        ),
      );
  };
  return (
    <>
      <button type="button" class="btn" onClick={toggle} aria-pressed={open}>
        {open ? 'Close devtools panel' : 'Open devtools panel'}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
