/** "Updated 3 minutes ago" for one area of the app, and the stale banner when that is too long ago. */
import { useEffect, useState } from 'preact/hooks';
import { freshnessText, isStale } from '../logic/freshness.js';

export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function Freshness({
  asOf,
  area,
  onRefresh,
}: {
  asOf: number | null;
  area: string;
  onRefresh?: () => void;
}) {
  const now = useNow();
  const stale = isStale(asOf, now);
  return (
    <>
      <p class="freshness" data-testid={`freshness-${area}`}>
        {freshnessText(asOf, now)}
      </p>
      {stale && (
        <div class="banner banner-warn" role="note" data-testid={`stale-${area}`}>
          <span>This {area} data may be out of date. Connect to refresh it.</span>
          {onRefresh && (
            <button type="button" class="btn btn-small" onClick={onRefresh}>
              Refresh
            </button>
          )}
        </div>
      )}
    </>
  );
}
