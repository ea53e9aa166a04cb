import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { inUserWords } from '../logic/userError.js';

export interface LoadState<T> {
  data: T | null;
  /** Why the last load failed, in the technician's words (the raw reason goes to the console). */
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change and on `reload()`. An answer that arrives after a newer request started is ignored,
 * so a slow network never paints an older list over a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): LoadState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (reason: unknown) => {
        if (mine !== generation.current) return;
        console.warn('Load failed', reason);
        setError(inUserWords(reason));
        setLoading(false);
      },
    );
  }, deps);
  useEffect(run, [run]);
  return { data, error, loading, reload: run };
}
