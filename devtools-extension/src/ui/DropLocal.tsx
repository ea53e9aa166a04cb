/**
 * Deleting a local record or clearing a collection's local copy, as the browser's storage panel does: local only, so
 * a record the server holds comes back with the next pull or online read. The one irreversible part, queued writes
 * that would be dropped with it, is never done on the first click: the module refuses and names them, and the panel
 * asks, in place (DevTools panels handle modal dialogs badly), before it discards them too.
 */
import type { LocalDropRefusal } from '@offline-kit/sw/protocol';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isLocalDropRefusal } from '../protocol/api-guards.js';
import { PanelError, errorText } from './client.js';

type Step =
  | { kind: 'idle' }
  | { kind: 'armed' }
  | { kind: 'busy' }
  | { kind: 'asking'; refusal: LocalDropRefusal }
  | { kind: 'failed'; message: string };

function refusalOf(error: unknown): LocalDropRefusal | null {
  if (!(error instanceof PanelError) || error.info.code !== 'invalid_state') return null;
  const details = error.info.details;
  return isLocalDropRefusal(details) && details.reason === 'unsynced' ? details : null;
}

export function DropLocalButton(props: {
  label: string;
  /** Asked before the first call (a whole collection); a single record is deleted at once, as DevTools does. */
  confirm?: string;
  /** What is dropped, for the question: `notes/n_1`, or `the notes collection`. */
  what: string;
  testId: string;
  disabled?: boolean;
  run: (unsynced: 'refuse' | 'discard') => Promise<unknown>;
  onDone: () => void;
}): JSX.Element {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const go = (unsynced: 'refuse' | 'discard'): void => {
    setStep({ kind: 'busy' });
    props.run(unsynced).then(
      () => {
        setStep({ kind: 'idle' });
        props.onDone();
      },
      (error: unknown) => {
        const refusal = unsynced === 'refuse' ? refusalOf(error) : null;
        setStep(refusal ? { kind: 'asking', refusal } : { kind: 'failed', message: errorText(error) });
      },
    );
  };
  const click = (): void => {
    if (props.confirm && step.kind !== 'armed') setStep({ kind: 'armed' });
    else go('refuse');
  };
  const asking = step.kind === 'asking' ? step.refusal : null;
  const discardRef = useRef<HTMLButtonElement>(null);
  // The question takes the focus when it opens, so a keyboard user answers it next (Escape cancels).
  useEffect(() => {
    if (asking) discardRef.current?.focus();
  }, [asking]);
  return (
    <div class="okp-drop">
      <button
        type="button"
        data-variant="danger"
        data-testid={props.testId}
        disabled={props.disabled || step.kind === 'busy' || asking !== null}
        aria-busy={step.kind === 'busy'}
        onClick={click}
        onBlur={() => step.kind === 'armed' && setStep({ kind: 'idle' })}
      >
        {step.kind === 'armed' && props.confirm ? props.confirm : props.label}
      </button>
      {step.kind === 'failed' ? (
        <span class="okp-error" role="alert">
          {' '}
          {step.message}
        </span>
      ) : null}
      {asking ? (
        <div
          class="okp-confirm"
          role="alertdialog"
          aria-label="Discard queued writes?"
          data-testid="okp-drop-confirm"
          onKeyDown={(event) => event.key === 'Escape' && setStep({ kind: 'idle' })}
        >
          <p>
            <strong>
              {props.what} has {asking.unsynced} queued write{asking.unsynced === 1 ? '' : 's'} not synced
              yet.
            </strong>{' '}
            Deleting the local copy discards {asking.unsynced === 1 ? 'it' : 'them'} too: the change
            {asking.unsynced === 1 ? ' is' : 's are'} never sent to the server.
          </p>
          <ul class="okp-confirm-list">
            {asking.writes.map((w) => (
              <li key={w.id} class="okp-mono">
                #{w.seq} {w.method} {w.recordId} — {w.state}
              </li>
            ))}
            {asking.unsynced > asking.writes.length ? (
              <li class="okp-dim">and {asking.unsynced - asking.writes.length} more</li>
            ) : null}
          </ul>
          <div class="okp-toolbar">
            <button
              type="button"
              data-variant="danger"
              data-testid="okp-drop-discard"
              ref={discardRef}
              onClick={() => go('discard')}
            >
              Delete and discard {asking.unsynced} write{asking.unsynced === 1 ? '' : 's'}
            </button>
            <button type="button" data-testid="okp-drop-cancel" onClick={() => setStep({ kind: 'idle' })}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
