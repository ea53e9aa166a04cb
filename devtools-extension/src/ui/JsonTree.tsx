/**
 * A collapsible JSON tree for bodies and records, with the raw text a toggle away and a Copy button. Ours rather than
 * a package: the JSON viewers on the registry are React components (the inline overlay would ship preact/compat and
 * theirs inside every app that mounts it) and show keys unquoted, so what is copied from them is not JSON.
 *
 * Rendered as JSON text (quoted keys, `: `, commas), so the tree reads, selects and copies as the raw JSON does.
 * Every object and array is a disclosure button (`aria-expanded`), so the keyboard opens and closes it.
 */
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { formatJson } from './format.js';

/** Objects and arrays this deep start open; deeper ones start closed (a person opens what they need). */
const OPEN_DEPTH = 3;
/** Children listed before a "show more" button: a 10,000-item array must not render 10,000 rows at once. */
const FIRST_CHILDREN = 100;

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function entriesOf(value: Container): [string | null, unknown][] {
  return Array.isArray(value)
    ? value.map((item): [string | null, unknown] => [null, item])
    : Object.entries(value);
}

function scalarText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function scalarKind(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function Key(props: { name: string | null }): JSX.Element | null {
  if (props.name === null) return null;
  return (
    <>
      <span class="okp-jk">{JSON.stringify(props.name)}</span>
      {': '}
    </>
  );
}

function JsonNode(props: {
  name: string | null;
  value: unknown;
  depth: number;
  comma: boolean;
}): JSX.Element {
  const { name, value, depth, comma } = props;
  const [open, setOpen] = useState(depth < OPEN_DEPTH);
  const [all, setAll] = useState(false);
  const tail = comma ? ',' : '';
  if (!isContainer(value) || entriesOf(value).length === 0) {
    return (
      <div class="okp-jn">
        <Key name={name} />
        <span class="okp-jv" data-kind={scalarKind(value)}>
          {isContainer(value) ? (Array.isArray(value) ? '[]' : '{}') : scalarText(value)}
        </span>
        {tail}
      </div>
    );
  }
  const [openMark, closeMark] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const entries = entriesOf(value);
  const shown = all ? entries : entries.slice(0, FIRST_CHILDREN);
  const count = `${entries.length} ${Array.isArray(value) ? 'item' : 'key'}${entries.length === 1 ? '' : 's'}`;
  return (
    <div class="okp-jn">
      <button type="button" class="okp-jt" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span class="okp-jarrow" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <Key name={name} />
        {openMark}
      </button>
      {open ? (
        <>
          <div class="okp-jc">
            {shown.map(([key, child], i) => (
              <JsonNode
                key={key ?? String(i)}
                name={key}
                value={child}
                depth={depth + 1}
                comma={i < entries.length - 1}
              />
            ))}
            {shown.length < entries.length ? (
              <button type="button" class="okp-jmore" onClick={() => setAll(true)}>
                Show {entries.length - shown.length} more
              </button>
            ) : null}
          </div>
          {closeMark}
          {tail}
        </>
      ) : (
        <>
          <span class="okp-dim">…</span>
          {closeMark}
          {tail} <span class="okp-dim">{count}</span>
        </>
      )}
    </div>
  );
}

/** A body or record as a tree (objects and arrays) or as text (anything else), with Raw and Copy. */
export function JsonTree(props: { value: unknown; testId?: string; label?: string }): JSX.Element {
  const { value } = props;
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const rawRef = useRef<HTMLPreElement>(null);
  const text = formatJson(value);
  const tree = isContainer(value);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch {
      // DevTools panels may be refused the clipboard: the raw text is selected instead, for Ctrl+C.
      setRaw(true);
      setCopied(
        'The clipboard is not available here: the raw JSON is selected, press Ctrl+C (⌘C) to copy it.',
      );
      requestAnimationFrame(() => {
        const pre = rawRef.current;
        const selection = pre ? pre.ownerDocument.getSelection() : null;
        if (!pre || !selection) return;
        selection.selectAllChildren(pre);
      });
    }
  };

  return (
    <div class="okp-jview">
      {tree ? (
        <div class="okp-jbar">
          <button
            type="button"
            class="okp-jbtn"
            aria-pressed={raw}
            data-testid={props.testId ? `${props.testId}-raw` : undefined}
            onClick={() => setRaw(!raw)}
          >
            Raw
          </button>
          <button type="button" class="okp-jbtn" onClick={() => void copy()}>
            Copy
          </button>
          {copied ? (
            <span class="okp-dim" role="status">
              {copied}
            </span>
          ) : null}
        </div>
      ) : null}
      {tree && !raw ? (
        <div class="okp-json okp-jtree" role="group" data-testid={props.testId} aria-label={props.label}>
          <JsonNode name={null} value={value} depth={0} comma={false} />
        </div>
      ) : (
        <pre class="okp-json" ref={rawRef} data-testid={props.testId} aria-label={props.label}>
          {text}
        </pre>
      )}
    </div>
  );
}
