/**
 * A windowed list: only the rows in view (plus a few) are in the DOM, so 10,000 queue entries or history events
 * scroll as smoothly as ten. Rows have one fixed height. Keyboard: ↑ ↓ Home End PageUp PageDown move the selection,
 * Enter activates it. A list can be longer than what is loaded (`count`): rows not loaded yet show as placeholders, and
 * `onRange` says which rows are in view so their owner can load them.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps<T> {
  /** An undefined entry is a row not loaded yet. */
  items: readonly (T | undefined)[];
  /** Rows in the list; defaults to `items.length`. */
  count?: number;
  /** The rows in view changed: [first, last). */
  onRange?: (first: number, last: number) => void;
  rowHeight: number;
  getKey: (item: T) => string | number;
  renderRow: (item: T, index: number) => ComponentChildren;
  selectedKey?: string | number | null;
  onSelect?: (item: T, index: number) => void;
  label: string;
  testId?: string;
  /** Height used before layout is known (and in DOM environments without layout). */
  fallbackHeight?: number;
}

const OVERSCAN = 6;

export function VirtualList<T>(props: VirtualListProps<T>): JSX.Element {
  const { items, rowHeight } = props;
  const count = props.count ?? items.length;
  const ref = useRef<HTMLDivElement>(null);
  const listId = useId();
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(props.fallbackHeight ?? 400);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => {
      if (el.clientHeight > 0) setHeight(el.clientHeight);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const selectedIndex =
    props.selectedKey === undefined || props.selectedKey === null
      ? -1
      : items.findIndex((item) => item !== undefined && props.getKey(item) === props.selectedKey);
  // A keyboard move onto a row not loaded yet: selected as soon as it arrives.
  const [wanted, setWanted] = useState<number | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + height) el.scrollTop = top + rowHeight - height;
  }, [selectedIndex, rowHeight, height]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const onRange = props.onRange;
  useEffect(() => onRange?.(first, last), [first, last, onRange]);

  const wantedItem = wanted === null ? undefined : items[wanted];
  useEffect(() => {
    if (wanted === null || wantedItem === undefined) return;
    setWanted(null);
    props.onSelect?.(wantedItem, wanted);
  }, [wanted, wantedItem]);

  const rows: JSX.Element[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index];
    const selected = index === selectedIndex;
    rows.push(
      <div
        key={item === undefined ? `loading-${index}` : props.getKey(item)}
        role="option"
        id={`${listId}-${index}`}
        aria-selected={selected}
        aria-busy={item === undefined ? true : undefined}
        aria-posinset={index + 1}
        aria-setsize={count}
        class={selected ? 'okp-row okp-row-selected' : 'okp-row'}
        data-testid={item === undefined ? 'okp-row-loading' : 'okp-row'}
        style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}
        onClick={() => {
          if (item !== undefined) props.onSelect?.(item, index);
        }}
      >
        {item === undefined ? <span class="okp-dim">loading…</span> : props.renderRow(item, index)}
      </div>,
    );
  }

  const move = (to: number): void => {
    if (count === 0) return;
    const index = Math.max(0, Math.min(count - 1, to));
    const item = items[index];
    if (item !== undefined) {
      setWanted(null);
      props.onSelect?.(item, index);
      return;
    }
    // Bring the row into view so that its page loads; the effect above selects it then.
    setWanted(index);
    const el = ref.current;
    if (!el) return;
    const top = Math.max(0, index * rowHeight - Math.floor(height / 2));
    el.scrollTop = top;
    setScrollTop(top);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(selectedIndex + 1),
      ArrowUp: () => move(selectedIndex < 0 ? 0 : selectedIndex - 1),
      Home: () => move(0),
      End: () => move(count - 1),
      PageDown: () => move(selectedIndex + page),
      PageUp: () => move(selectedIndex - page),
    };
    const action = keys[event.key];
    if (!action || event.target !== ref.current) return;
    event.preventDefault();
    action();
  };

  return (
    <div
      ref={ref}
      class="okp-vlist"
      role="listbox"
      aria-label={props.label}
      // Focus stays on the list; screen readers follow the selected row through this.
      aria-activedescendant={
        selectedIndex >= first && selectedIndex < last ? `${listId}-${selectedIndex}` : undefined
      }
      tabIndex={0}
      data-testid={props.testId}
      data-total={count}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div class="okp-vlist-spacer" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
