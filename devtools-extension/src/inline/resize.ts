/**
 * The inline overlay's top edge as a window splitter: dragged with any pointer (mouse, touch, pen) or moved with the
 * arrow keys, the height kept in localStorage for the next page load, always within the viewport.
 */

/** Our prefix in the page's localStorage: the overlay shares it with the app it inspects. */
export const HEIGHT_KEY = 'offline-kit:inline-panel-height';
const MIN_HEIGHT = 120;
const HANDLE_PX = 8;
const STEP = 20;
const BIG_STEP = 100;

function clamp(height: number, view: Window): number {
  const max = Math.max(MIN_HEIGHT, view.innerHeight);
  return Math.round(Math.min(max, Math.max(MIN_HEIGHT, height)));
}

function stored(view: Window): number | null {
  try {
    const raw = view.localStorage.getItem(HEIGHT_KEY);
    const value = raw === null ? NaN : Number(raw);
    return Number.isFinite(value) ? value : null;
  } catch {
    // No storage here (a sandboxed frame, storage blocked): the overlay still resizes, for this page only.
    return null;
  }
}

function remember(view: Window, height: number): void {
  try {
    view.localStorage.setItem(HEIGHT_KEY, String(height));
  } catch {
    // As above: not remembered, still applied.
  }
}

/**
 * Puts a resize handle at the top of `host` (a fixed overlay anchored to the bottom), inside `shadow` before the
 * panel, and sizes `host` from what was remembered. Returns the cleanup.
 */
export function makeResizable(host: HTMLElement, shadow: ShadowRoot, panel: HTMLElement): () => void {
  const doc = host.ownerDocument;
  const view = doc.defaultView;
  if (!view) return () => undefined;
  const initial = stored(view) ?? Math.min(view.innerHeight * 0.6, 560);
  let height = clamp(initial, view);

  const style = doc.createElement('style');
  style.textContent = `
.okp-resize { height: ${HANDLE_PX}px; cursor: ns-resize; touch-action: none; display: flex; align-items: center;
  justify-content: center; background: Canvas; border-bottom: 1px solid GrayText; box-sizing: border-box; }
.okp-resize::before { content: ''; width: 40px; height: 3px; border-radius: 2px; background: GrayText; }
.okp-resize:focus-visible { outline: 2px solid Highlight; outline-offset: -2px; }
.okp-resize[data-dragging] { background: Highlight; }`;
  const handle = doc.createElement('div');
  handle.className = 'okp-resize';
  handle.tabIndex = 0;
  handle.setAttribute('role', 'separator');
  handle.setAttribute('aria-orientation', 'horizontal');
  handle.setAttribute('aria-label', 'Resize the Offline Kit panel (arrow keys)');
  handle.setAttribute('data-testid', 'okp-inline-resize');
  handle.setAttribute('aria-valuemin', String(MIN_HEIGHT));
  shadow.prepend(style, handle);
  panel.style.height = `calc(100% - ${HANDLE_PX}px)`;

  const apply = (next: number, keep: boolean): void => {
    height = clamp(next, view);
    host.style.height = `${height}px`;
    handle.setAttribute('aria-valuenow', String(height));
    handle.setAttribute('aria-valuemax', String(Math.max(MIN_HEIGHT, view.innerHeight)));
    if (keep) remember(view, height);
  };
  apply(height, false);

  let dragFrom: { y: number; height: number } | null = null;
  handle.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    handle.setAttribute('data-dragging', '');
    dragFrom = { y: event.clientY, height };
  });
  handle.addEventListener('pointermove', (event) => {
    if (dragFrom) apply(dragFrom.height + (dragFrom.y - event.clientY), false);
  });
  const endDrag = (event: PointerEvent): void => {
    if (!dragFrom) return;
    dragFrom = null;
    handle.removeAttribute('data-dragging');
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    apply(height, true);
  };
  handle.addEventListener('pointerup', endDrag);
  handle.addEventListener('pointercancel', endDrag);

  // The top edge moves: Up makes the panel taller, Down shorter (Home and End: smallest and largest).
  handle.addEventListener('keydown', (event) => {
    const by: Record<string, number> = {
      ArrowUp: STEP,
      ArrowDown: -STEP,
      PageUp: BIG_STEP,
      PageDown: -BIG_STEP,
    };
    let next: number | null = null;
    const step = by[event.key];
    if (step !== undefined) next = height + (event.shiftKey ? step * 5 : step);
    else if (event.key === 'Home') next = MIN_HEIGHT;
    else if (event.key === 'End') next = view.innerHeight;
    if (next === null) return;
    event.preventDefault();
    apply(next, true);
  });

  // A smaller window (a phone turned, DevTools docked) must not leave the overlay taller than the viewport.
  const onResize = (): void => apply(stored(view) ?? height, false);
  view.addEventListener('resize', onResize);
  return () => view.removeEventListener('resize', onResize);
}
