import { describe, expect, it } from 'vitest';
import type { Part } from '../src/api/types.js';
import { searchParts, sortParts } from '../src/logic/parts.js';

const part = (id: string, sku?: string): Part => ({ id, name: `Part ${id}`, ...(sku ? { sku } : {}) });

describe('parts catalogue', () => {
  it('orders part numbers as a person reads them: numbers inside compare as numbers', () => {
    const sorted = sortParts([part('pt_100'), part('pt_10'), part('pt_2'), part('pt_1')]);
    expect(sorted.map((p) => p.id)).toEqual(['pt_1', 'pt_2', 'pt_10', 'pt_100']);
  });

  it('orders by the SKU where a part has one, and leaves the list it was given alone', () => {
    const given = [part('pt_1', 'VAL-12'), part('pt_2', 'PUM-9'), part('pt_3', 'VAL-3')];
    expect(sortParts(given).map((p) => p.sku)).toEqual(['PUM-9', 'VAL-3', 'VAL-12']);
    expect(given.map((p) => p.id)).toEqual(['pt_1', 'pt_2', 'pt_3']);
  });

  it('finds a part by every word of the search, in any field', () => {
    const parts = [part('pt_1', 'VAL-12'), { ...part('pt_2', 'PUM-9'), description: 'brass seal' }];
    expect(searchParts(parts, 'pum seal').map((p) => p.id)).toEqual(['pt_2']);
    expect(searchParts(parts, '  ')).toHaveLength(2);
  });
});
