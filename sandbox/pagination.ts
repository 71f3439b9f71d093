/**
 * WorkOS list pagination: `limit` items in `order`, continuing `after` or `before` a cursor id.
 * `desc` (the default for most lists) returns newest first and `after` pages towards older items;
 * `asc` the reverse; `normal` is descending with the cursors swapped (`after` → newer).
 *
 * Ids are ULIDs, so they sort in creation order; a cursor is compared by id, which keeps working
 * when the cursor's own item is filtered out or deleted.
 */
export type ListOrder = 'asc' | 'desc' | 'normal';

export interface Page<Item> {
  data: Item[];
  before: string | null;
  after: string | null;
}

export function paginate<Item extends { id: string }>(
  items: Item[],
  { limit, order, before, after }: { limit: number; order: ListOrder; before?: string; after?: string },
): Page<Item> {
  const ascendingOrder = order === 'asc';
  const sorted = [...items].sort((a, b) => (ascendingOrder ? compare(a.id, b.id) : compare(b.id, a.id)));
  // In `normal` order the cursors mean the opposite direction of the list.
  const forward = order === 'normal' ? before : after;
  const backward = order === 'normal' ? after : before;
  // "Comes later in this list than the cursor."
  const isLater = (id: string, cursor: string) => (ascendingOrder ? compare(id, cursor) > 0 : compare(id, cursor) < 0);

  let start = 0;
  let end = Math.min(sorted.length, limit);
  if (forward !== undefined) {
    start = sorted.findIndex((item) => isLater(item.id, forward));
    if (start === -1) start = sorted.length;
    end = Math.min(sorted.length, start + limit);
  } else if (backward !== undefined) {
    end = sorted.findIndex((item) => item.id === backward || isLater(item.id, backward));
    if (end === -1) end = sorted.length;
    start = Math.max(0, end - limit);
  }
  const data = sorted.slice(start, end);
  const hasEarlier = start > 0 && data.length > 0;
  const hasLater = end < sorted.length && data.length > 0;
  const first = data[0]?.id ?? null;
  const last = data.at(-1)?.id ?? null;
  return order === 'normal'
    ? { data, before: hasLater ? last : null, after: hasEarlier ? first : null }
    : { data, before: hasEarlier ? first : null, after: hasLater ? last : null };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
