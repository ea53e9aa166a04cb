/**
 * The read-only parts catalogue: thousands of records, kept current by the module's delta sync, searched on the
 * device so it works in a basement. Only the first matches are drawn: nobody scrolls through 5000 rows.
 */
import { useMemo, useState } from 'preact/hooks';
import { listParts } from '../api/resources.js';
import type { Part } from '../api/types.js';
import { useSyncState } from '../app/store.js';
import { useLoad } from '../app/useLoad.js';
import { Freshness } from './Freshness.js';

const SHOWN = 50;

export function searchParts(parts: Part[], query: string): Part[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return parts;
  return parts.filter((part) => {
    const text = `${part.sku ?? ''} ${part.name} ${part.description ?? ''} ${part.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export function Parts() {
  const { status } = useSyncState();
  const partsUnit = status?.units.find((u) => u.collections.includes('parts'));
  const parts = useLoad(listParts, [partsUnit?.lastSyncAt ?? null]);
  const [query, setQuery] = useState('');
  const matches = useMemo(() => searchParts(parts.data?.items ?? [], query), [parts.data, query]);
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
            onInput={(e) => setQuery(e.currentTarget.value)}
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
          {matches.length > SHOWN && ` — showing the first ${SHOWN}, refine the search`}
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
          {matches.slice(0, SHOWN).map((part) => (
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
    </main>
  );
}
