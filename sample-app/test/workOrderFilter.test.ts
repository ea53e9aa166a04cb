import { describe, expect, it } from 'vitest';
import type { WorkOrder } from '../src/api/types.js';
import { filterWorkOrders, sortWorkOrders } from '../src/logic/workOrderFilter.js';

const orders: WorkOrder[] = [
  { id: 'wo_1', title: 'Boiler service', status: 'open', customer: 'Acme Bakery', priority: 'normal' },
  { id: 'wo_2', title: 'Leaking pipe', status: 'done', customer: 'Harbour Hotel', priority: 'high' },
  {
    id: 'wo_3',
    title: 'Pipe insulation',
    status: 'in-progress',
    address: '4 Mill Lane',
    priority: 'normal',
    dueDate: '2026-12-01',
  },
];

describe('work order filter', () => {
  it('hides done and cancelled work by default (active) and filters by one status', () => {
    expect(filterWorkOrders([{ id: 'x', title: 'X', status: 'cancelled' }], 'active', '')).toEqual([]);
    expect(filterWorkOrders(orders, 'active', '').map((o) => o.id)).toEqual(['wo_1', 'wo_3']);
    expect(filterWorkOrders(orders, 'done', '').map((o) => o.id)).toEqual(['wo_2']);
    expect(filterWorkOrders(orders, 'all', '')).toHaveLength(3);
  });

  it('searches every word across title, customer and address, case-insensitively', () => {
    expect(filterWorkOrders(orders, 'all', 'PIPE').map((o) => o.id)).toEqual(['wo_2', 'wo_3']);
    expect(filterWorkOrders(orders, 'all', 'pipe mill').map((o) => o.id)).toEqual(['wo_3']);
    expect(filterWorkOrders(orders, 'all', 'bakery')).toHaveLength(1);
  });

  it('sorts high priority first, then the soonest due', () => {
    expect(sortWorkOrders(orders).map((o) => o.id)).toEqual(['wo_2', 'wo_3', 'wo_1']);
  });
});
