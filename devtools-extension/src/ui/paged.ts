/**
 * Keeps a long paged list live without ever loading all of it: the first page answers the total, then only the
 * pages the developer scrolls to are asked for. A change event reloads just the pages in view (debounced) and
 * forgets the others, so rows loaded before a change are never shown next to rows loaded after it.
 */
import type { OfflineKitEvent } from '@offline-kit/sw/protocol';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { errorText, type PanelClient } from './client.js';

export interface PageAnswer<T> {
  items: T[];
  total: number;
}

export interface PagedList<T> {
  /** Undefined until the first page has answered. */
  total: number | undefined;
  /** `total` long; a row is undefined until its page has loaded. */
  rows: readonly (T | undefined)[];
  /** Every row is loaded (the list is short, or the developer scrolled through all of it). */
  complete: boolean;
  error: string | null;
  /** The rows in view, [first, last): their pages load now, and they are what a change reloads. */
  setWindow: (first: number, last: number) => void;
  reload: () => void;
}

export const PAGE_SIZE = 100;
const DEBOUNCE_MS = 120;

interface Loaded<T> {
  total: number | undefined;
  pages: ReadonlyMap<number, T[]>;
}

export function usePagedList<T>(
  client: PanelClient,
  fetchPage: (offset: number, limit: number) => Promise<PageAnswer<T>>,
  deps: readonly unknown[],
  changedBy: (event: OfflineKitEvent) => boolean,
  pageSize = PAGE_SIZE,
): PagedList<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ total: undefined, pages: new Map() });
  const [error, setError] = useState<string | null>(null);
  const control = useRef<{ setWindow: (first: number, last: number) => void; reload: () => void }>({
    setWindow: () => undefined,
    reload: () => undefined,
  });

  // A layout effect, so the first page is asked for while the panel mounts: a plain effect waits for the next paint
  // (about a frame, ~40 ms measured on a 10,000-write queue) and then queues behind the status and collection reads.
  useLayoutEffect(() => {
    let alive = true;
    // Answers of an older generation (asked before the last change) are dropped: their offsets may have shifted.
    let generation = 0;
    let pages = new Map<number, T[]>();
    let total: number | undefined;
    const inFlight = new Map<number, number>();
    let view = { first: 0, last: pageSize };
    let timer: ReturnType<typeof setTimeout> | null = null;

    setLoaded({ total: undefined, pages });
    setError(null);

    const publish = (): void => {
      if (alive) setLoaded({ total, pages });
    };
    const pagesOf = (first: number, last: number): number[] => {
      const end = Math.max(first + 1, total === undefined ? last : Math.min(last, total));
      const out: number[] = [];
      for (let page = Math.floor(first / pageSize); page * pageSize < end; page++) out.push(page);
      return out;
    };

    const fetchInto = async (page: number, gen: number): Promise<T[] | null> => {
      const answer = await fetchPage(page * pageSize, pageSize);
      if (!alive || gen !== generation) return null;
      total = answer.total;
      return answer.items;
    };

    const loadMissing = (): void => {
      const gen = generation;
      for (const page of pagesOf(view.first, view.last)) {
        if (pages.has(page) || inFlight.get(page) === gen) continue;
        inFlight.set(page, gen);
        fetchInto(page, gen)
          .then(
            (items) => {
              if (items === null) return;
              pages = new Map(pages).set(page, items);
              prune();
              setError(null);
              publish();
            },
            (err: unknown) => {
              if (alive && gen === generation) setError(errorText(err));
            },
          )
          .finally(() => {
            if (inFlight.get(page) === gen) inFlight.delete(page);
          });
      }
    };

    /** Drops pages past the end when the total shrank. */
    const prune = (): void => {
      if (total === undefined) return;
      const limit = total;
      if ([...pages.keys()].some((page) => page * pageSize >= limit)) {
        pages = new Map([...pages].filter(([page]) => page * pageSize < limit));
      }
    };

    let reloading = false;
    let again = false;
    const reload = (): void => {
      if (reloading) {
        again = true;
        return;
      }
      reloading = true;
      generation += 1;
      const gen = generation;
      inFlight.clear();
      const wanted = pagesOf(view.first, view.last);
      Promise.all(wanted.map(async (page) => [page, await fetchInto(page, gen)] as const))
        .then(
          (answers) => {
            if (!alive || gen !== generation) return;
            const fresh = new Map<number, T[]>();
            for (const [page, items] of answers) if (items !== null) fresh.set(page, items);
            pages = fresh;
            prune();
            setError(null);
            publish();
            // The total may have grown into the window, or shrunk under it.
            loadMissing();
          },
          (err: unknown) => {
            if (alive && gen === generation) setError(errorText(err));
          },
        )
        .finally(() => {
          reloading = false;
          if (alive && again) {
            again = false;
            reload();
          }
        });
    };

    const schedule = (): void => {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, DEBOUNCE_MS);
    };

    control.current = {
      setWindow: (first, last) => {
        view = { first, last: Math.max(first + 1, last) };
        loadMissing();
      },
      reload,
    };
    loadMissing();
    const unsubscribe = client.subscribe((event) => {
      if (changedBy(event)) schedule();
    });
    return () => {
      alive = false;
      if (timer !== null) clearTimeout(timer);
      unsubscribe();
    };
    // `fetchPage` and `changedBy` are new closures each render; `deps` says when they mean something new.
  }, [client, pageSize, ...deps]);

  const total = loaded.total;
  const rows: (T | undefined)[] = new Array<T | undefined>(total ?? 0);
  let count = 0;
  if (total !== undefined) {
    for (const [page, items] of loaded.pages) {
      const start = page * pageSize;
      for (let i = 0; i < items.length && start + i < total; i++) {
        rows[start + i] = items[i];
        count += 1;
      }
    }
  }
  return {
    total,
    rows,
    complete: total !== undefined && count >= total,
    error,
    setWindow: (first, last) => control.current.setWindow(first, last),
    reload: () => control.current.reload(),
  };
}

/** Every item of a paged list, page after page (for bulk actions, in the background). */
export async function collectAll<T>(
  fetchPage: (offset: number, limit: number) => Promise<PageAnswer<T>>,
  pageSize = 500,
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await fetchPage(items.length, pageSize);
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}
