/** Searching and ordering the parts catalogue on the device (no network: it works in a basement). */
import type { Part } from '../api/types.js';

/** The parts whose number, name, description or id hold every word of `query`. */
export function searchParts(parts: Part[], query: string): Part[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return parts;
  return parts.filter((part) => {
    const text = `${part.sku ?? ''} ${part.name} ${part.description ?? ''} ${part.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

// Numbers inside part numbers compare as numbers: pt_2 before pt_10, as a person reads them.
const byNumber = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** `parts` by part number (the SKU, else the id), numbers inside compared as numbers; a new array. */
export function sortParts(parts: readonly Part[]): Part[] {
  return [...parts].sort((a, b) => byNumber.compare(a.sku ?? a.id, b.sku ?? b.id));
}
