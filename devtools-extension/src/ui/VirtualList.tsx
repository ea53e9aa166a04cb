/**
 * A windowed list: only the rows in view (plus a few) are in the DOM, so 10,000 queue entries or history events
 * scroll as smoothly as ten. Rows have one fixed height. Keyboard: ↑ ↓ Home End PageUp PageDown move the selection,
 * Enter activates it.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps<T> {
  items: readonly T[];
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
      : items.findIndex((item) => props.getKey(item) === props.selectedKey);

  useEffect(() => {
    const el = ref.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + height) el.scrollTop = top + rowHeight - height;
  }, [selectedIndex, rowHeight, height]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: JSX.Element[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index] as T;
    const key = props.getKey(item);
    const selected = index === selectedIndex;
    rows.push(
      <div
        key={key}
        role="option"
        id={`${listId}-${index}`}
        aria-selected={selected}
        aria-posinset={index + 1}
        aria-setsize={items.length}
        class={selected ? 'okp-row okp-row-selected' : 'okp-row'}
        data-testid="okp-row"
        style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}
        onClick={() => props.onSelect?.(item, index)}
      >
        {props.renderRow(item, index)}
      </div>,
    );
  }

  const move = (to: number): void => {
    if (items.length === 0) return;
    const index = Math.max(0, Math.min(items.length - 1, to));
    props.onSelect?.(items[index] as T, index);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(selectedIndex + 1),
      ArrowUp: () => move(selectedIndex < 0 ? 0 : selectedIndex - 1),
      Home: () => move(0),
      End: () => move(items.length - 1),
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
      data-total={items.length}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div class="okp-vlist-spacer" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
