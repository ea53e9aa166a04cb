/**
 * Hash routes: they work the same from the precached shell offline and from any static host, with no server rewrite.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'work-orders' }
  | { name: 'new-work-order' }
  | { name: 'work-order'; id: string }
  | { name: 'parts' }
  | { name: 'sync' }
  | { name: 'conflict'; writeId: string }
  | { name: 'demo' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === 'work-orders' && second === 'new') return { name: 'new-work-order' };
  if (first === 'work-orders' && second) return { name: 'work-order', id: second };
  if (first === 'parts') return { name: 'parts' };
  if (first === 'sync') return { name: 'sync' };
  if (first === 'conflicts' && second) return { name: 'conflict', writeId: second };
  if (first === 'demo') return { name: 'demo' };
  return { name: 'work-orders' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'work-orders':
      return '#/work-orders';
    case 'new-work-order':
      return '#/work-orders/new';
    case 'work-order':
      return `#/work-orders/${encodeURIComponent(route.id)}`;
    case 'parts':
      return '#/parts';
    case 'sync':
      return '#/sync';
    case 'conflict':
      return `#/conflicts/${encodeURIComponent(route.writeId)}`;
    case 'demo':
      return '#/demo';
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

/** `history.replaceState` fires no `hashchange`: this tells `useRoute` instead. */
const REPLACED = 'offline-kit-sample:route-replaced';

/** Server id → the temporary id the screen was first opened under, so the screen outlives the swap. */
const openedAs = new Map<string, string>();

/**
 * A work order created offline got its server id while open: the address takes the new id in place of the old one
 * (Back does not lead to a page for an id that no longer exists), and the screen stays the same screen, so what is
 * being typed on it and the focus are kept.
 */
export function followNewId(from: string, to: string): void {
  openedAs.set(to, openedAs.get(from) ?? from);
  history.replaceState(history.state, '', href({ name: 'work-order', id: to }));
  dispatchEvent(new Event(REPLACED));
}

/** Which screen a route shows: equal keys mean the same screen, kept mounted, with its focus and drafts. */
export function screenKey(route: Route): string {
  if (route.name !== 'work-order') return JSON.stringify(route);
  return JSON.stringify({ name: route.name, id: openedAs.get(route.id) ?? route.id });
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    addEventListener(REPLACED, onChange);
    return () => {
      removeEventListener('hashchange', onChange);
      removeEventListener(REPLACED, onChange);
    };
  }, []);
  return route;
}
