/**
 * The read-only parts catalogue: thousands of records, kept current by the module's delta sync, searched on the
 * device so it works in a basement, ordered by part number. The first matches are drawn, more on request.
 */
import { useMemo, useState } from 'preact/hooks';
import { listParts } from '../api/resources.js';
import { useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { searchParts, sortParts } from '../logic/parts.js';
import { Freshness } from './Freshness.js';

/** Rows drawn at first, and added by each "Show more": nobody scrolls through 5000 rows at once. */
const PAGE = 50;

export function Parts() {
  const { status } = useSyncState();
  const partsUnit = status?.units.find((u) => u.collections.includes('parts'));
  const parts = useLoad(listParts, [partsUnit?.lastSyncAt ?? null]);
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE);
  const sorted = useMemo(() => sortParts(parts.data?.items ?? []), [parts.data]);
  const matches = useMemo(() => searchParts(sorted, query), [sorted, query]);
  return (
    <main id="main" class="page">
      <h1>Parts catalogue</h1>
      <Freshness
        asOf={partsUnit?.lastSyncAt ?? parts.data?.asOf ?? null}
        area="parts"
        onRefresh={parts.reload}
      />
      <div class="toolbar" role="search">
        <div class="field field-grow">
          <label for="part-search">Search parts</label>
          <input
            id="part-search"
            type="search"
            placeholder="Name or part number"
            value={query}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              setShown(PAGE);
            }}
          />
        </div>
      </div>
      {parts.error && (
        <p class="error" role="alert">
          Could not load parts. {parts.error}
        </p>
      )}
      {parts.loading && !parts.data && <p class="muted">Loading the catalogue…</p>}
      {parts.data && (
        <p class="muted" aria-live="polite" data-testid="parts-count">
          {matches.length === parts.data.items.length
            ? `${parts.data.items.length} parts`
            : `${matches.length} of ${parts.data.items.length} parts match`}
          {matches.length > shown && ` — showing the first ${shown}`}
        </p>
      )}
      <table class="table">
        <caption class="visually-hidden">Parts</caption>
        <thead>
          <tr>
            <th scope="col">Part no.</th>
            <th scope="col">Name</th>
            <th scope="col" class="num">
              Stock
            </th>
            <th scope="col" class="num">
              Price
            </th>
          </tr>
        </thead>
        <tbody>
          {matches.slice(0, shown).map((part) => (
            <tr key={part.id}>
              <td>{part.sku ?? part.id}</td>
              <td>
                {part.name}
                {part.description && <span class="muted block">{part.description}</span>}
              </td>
              <td class="num">{part.stock ?? '—'}</td>
              <td class="num">{part.price === undefined ? '—' : part.price.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {matches.length > shown && (
        <p>
          <button
            type="button"
            class="btn btn-block"
            data-testid="parts-more"
            onClick={() => setShown((n) => n + PAGE)}
          >
            Show {Math.min(PAGE, matches.length - shown)} more
          </button>
        </p>
      )}
    </main>
  );
}
