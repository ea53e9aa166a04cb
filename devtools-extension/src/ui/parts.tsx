/** Small building blocks shared by the views. Everything is rendered as text: no markup comes from data. */
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { errorText } from './client.js';
import { formatTime } from './format.js';
import { JsonTree } from './JsonTree.js';

/** A body, record or entry as JSON: a collapsible tree with Raw and Copy (`JsonTree.tsx`). */
export function JsonView(props: { value: unknown; testId?: string; label?: string }): JSX.Element {
  return <JsonTree {...props} />;
}

/**
 * A date and time that may wrap between the two on a narrow pane, never inside either (a phone showed "08:45:" on one
 * line and "29.747" on the next).
 */
export function Time(props: { at: number | null }): JSX.Element {
  const text = formatTime(props.at);
  if (props.at === null) return <span>{text}</span>;
  const [date, time] = text.split(' ');
  return (
    <time dateTime={new Date(props.at).toISOString()}>
      <span class="okp-time">{date}</span> <span class="okp-time">{time}</span>
    </time>
  );
}

export function StateBadge(props: { state: string }): JSX.Element {
  return (
    <span class="okp-state" data-state={props.state}>
      {props.state}
    </span>
  );
}

export function Fields(props: { rows: [string, ComponentChildren][] }): JSX.Element {
  return (
    <dl class="okp-dl">
      {props.rows.map(([label, value]) => [
        <dt key={`t-${label}`}>{label}</dt>,
        <dd key={`d-${label}`}>{value}</dd>,
      ])}
    </dl>
  );
}

export function ErrorLine(props: { error: string | null }): JSX.Element | null {
  if (!props.error) return null;
  return (
    <div class="okp-error" role="alert" data-testid="okp-error">
      {props.error}
    </div>
  );
}

/**
 * A button running an async action: disabled while it runs, with the failure shown beside it. `confirm` makes it
 * two-step (for discarding a person's data) without a modal dialog, which DevTools panels handle badly.
 */
export function ActionButton(props: {
  label: string;
  /** Resolving to `false` means the action did not happen (it said why itself): no `onDone`. */
  run: () => Promise<unknown>;
  testId?: string;
  variant?: 'primary' | 'danger';
  disabled?: boolean;
  confirm?: string;
  /** Makes it a toggle button showing this state. */
  pressed?: boolean;
  onDone?: () => void;
}): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const click = (): void => {
    if (props.confirm && !armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    setBusy(true);
    setError(null);
    props
      .run()
      .then(
        (result) => {
          if (result !== false) props.onDone?.();
        },
        (err: unknown) => setError(errorText(err)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <span>
      <button
        type="button"
        data-testid={props.testId}
        data-variant={props.variant}
        class={props.pressed === undefined ? undefined : 'okp-toggle'}
        aria-pressed={props.pressed}
        disabled={busy || props.disabled}
        aria-busy={busy}
        onClick={click}
        onBlur={() => setArmed(false)}
      >
        {armed && props.confirm ? props.confirm : props.label}
      </button>
      {error ? (
        <span class="okp-error" role="alert">
          {' '}
          {error}
        </span>
      ) : null}
    </span>
  );
}
