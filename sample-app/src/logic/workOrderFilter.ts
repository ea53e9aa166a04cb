/** The work-order list's status filter and search, pure so it is tested without a browser. */
import type { WorkOrder } from '../api/types.js';

/** `all`, `active` (still to do: neither done nor cancelled), or one status. */
export type StatusFilter = string;

const CLOSED = new Set(['done', 'cancelled']);

const SEARCHED: (keyof WorkOrder)[] = ['title', 'customer', 'address', 'description', 'id'];

export function filterWorkOrders(orders: WorkOrder[], status: StatusFilter, search: string): WorkOrder[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return orders.filter((order) => {
    if (status === 'active' ? CLOSED.has(order.status) : status !== 'all' && order.status !== status)
      return false;
    if (words.length === 0) return true;
    const haystack = SEARCHED.map((key) => String(order[key] ?? ''))
      .join(' ')
      .toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

const PRIORITY_RANK: Record<string, number> = { high: 1, normal: 2, low: 3 };

/** Most urgent first, then soonest due, then title: the order a technician plans a day in. */
export function sortWorkOrders(orders: WorkOrder[]): WorkOrder[] {
  return [...orders].sort(
    (a, b) =>
      (PRIORITY_RANK[a.priority ?? 'normal'] ?? 2) - (PRIORITY_RANK[b.priority ?? 'normal'] ?? 2) ||
      (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') ||
      a.title.localeCompare(b.title),
  );
}
