/**
 * Keeps one piece of panel data live: loads it, then loads it again (debounced, never two loads at once) whenever an
 * event says it may have changed. This is what makes every view update without a refresh button.
 */
import type { OfflineKitEvent } from '@offline-kit/sw/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, type PanelClient } from './client.js';

export interface Live<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

const DEBOUNCE_MS = 120;

export function useLive<T>(
  client: PanelClient,
  load: () => Promise<T>,
  deps: readonly unknown[],
  changedBy: (event: OfflineKitEvent) => boolean,
): Live<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const reloadRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    let alive = true;
    let running = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const run = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      setLoading(true);
      load()
        .then(
          (value) => {
            if (!alive) return;
            setData(value);
            setError(null);
          },
          (err: unknown) => {
            if (alive) setError(errorText(err));
          },
        )
        .finally(() => {
          running = false;
          if (!alive) return;
          setLoading(false);
          if (again) {
            again = false;
            run();
          }
        });
    };
    const schedule = (): void => {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        run();
      }, DEBOUNCE_MS);
    };
    reloadRef.current = run;
    run();
    const unsubscribe = client.subscribe((event) => {
      if (changedBy(event)) schedule();
    });
    return () => {
      alive = false;
      if (timer !== null) clearTimeout(timer);
      unsubscribe();
    };
    // `load` and `changedBy` are new closures each render; `deps` says when they mean something new.
  }, [client, ...deps]);

  return { data, error, loading, reload: () => reloadRef.current() };
}

/** Loads every page of a paged list (the panel virtualizes, so holding 10,000 rows is fine). */
export async function loadAllPages<T>(
  fetchPage: (offset: number, limit: number) => Promise<{ items: T[]; total: number }>,
  pageSize = 1000,
  max = 50_000,
): Promise<{ items: T[]; total: number }> {
  const items: T[] = [];
  let total = 0;
  for (;;) {
    const page = await fetchPage(items.length, pageSize);
    items.push(...page.items);
    total = page.total;
    if (page.items.length === 0 || items.length >= total || items.length >= max) break;
  }
  return { items, total };
}

export function isWriteEvent(event: OfflineKitEvent): boolean {
  return event.type.startsWith('write-') || event.type === 'conflict-resolved';
}

export function isSyncEnd(event: OfflineKitEvent): boolean {
  return event.type === 'sync-completed' || event.type === 'sync-failed';
}
