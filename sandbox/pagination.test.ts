import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paginate, type ListOrder } from './pagination';

const items = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `obj_${String(index).padStart(4, '0')}` }));

/** Follows `after` cursors (or `before` for `normal`) from the first page to the end. */
function walk(all: { id: string }[], order: ListOrder, limit: number): string[] {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard += 1) {
    const page = paginate(all, { limit, order, ...(order === 'normal' ? { before: cursor } : { after: cursor }) });
    seen.push(...page.data.map((item) => item.id));
    cursor = (order === 'normal' ? page.before : page.after) ?? undefined;
    if (!cursor) return seen;
  }
  throw new Error('pagination did not end');
}

describe('paginate', () => {
  it('visits every item exactly once, in order, whatever the page size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 100 }),
        fc.constantFrom<ListOrder>('asc', 'desc', 'normal'),
        (count, limit, order) => {
          const all = items(count);
          const expected = all.map((item) => item.id);
          expect(walk(all, order, limit)).toEqual(order === 'asc' ? expected : [...expected].reverse());
        },
      ),
    );
  });

  it('pages back with `before` to exactly the previous page', () => {
    const all = items(25);
    const first = paginate(all, { limit: 10, order: 'desc' });
    const second = paginate(all, { limit: 10, order: 'desc', after: first.after! });
    expect(paginate(all, { limit: 10, order: 'desc', before: second.before! }).data).toEqual(first.data);
  });

  it('continues after a cursor whose own item is not in the list (filtered or deleted)', () => {
    const all = items(10).filter((_, index) => index % 2 === 0);
    expect(paginate(all, { limit: 10, order: 'asc', after: 'obj_0003' }).data.map((item) => item.id)).toEqual(['obj_0004', 'obj_0006', 'obj_0008']);
  });
});
