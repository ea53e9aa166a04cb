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

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
