import assert from 'node:assert/strict';
import { ApiProblem } from '../src/errors';
import { encodeCursor, paginate, type SortKey } from '../src/pagination';

const keyOf = (x: { p: number; id: string }): SortKey => [x.p, x.id];
const sorted = (xs: { p: number; id: string }[]) => [...xs].sort((a, b) => a.p - b.p || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

describe('cursor pagination', () => {
  it('walks a list in pages, each item once', () => {
    const items = sorted(Array.from({ length: 23 }, (_, i) => ({ p: (i * 7) % 5, id: `i${i}` })));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, keyOf, ['number', 'string'], { limit: 5, ...(cursor ? { cursor } : {}) });
      assert.equal(page.total, 23);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 5);
    assert.deepEqual(seen, items.map((x) => x.id));
  });

  it('neither repeats nor skips items that stay in the list when others are added or removed between pages', () => {
    let items = sorted(Array.from({ length: 10 }, (_, i) => ({ p: i, id: `i${i}` })));
    const first = paginate(items, keyOf, ['number', 'string'], { limit: 4 });
    items = sorted([...items.filter((x) => x.id !== 'i1' && x.id !== 'i6'), { p: 0.5, id: 'new-early' }, { p: 8.5, id: 'new-late' }]);
    const second = paginate(items, keyOf, ['number', 'string'], { limit: 100, cursor: first.nextCursor as string });
    assert.deepEqual(first.items.map((x) => x.id), ['i0', 'i1', 'i2', 'i3']);
    assert.deepEqual(second.items.map((x) => x.id), ['i4', 'i5', 'i7', 'i8', 'new-late', 'i9']);
    assert.equal(second.nextCursor, null);
  });

  it('refuses a cursor it did not make, or one of another list, naming the parameter', () => {
    for (const bad of ['not-base64-json', encodeCursor(['only-a-string']), Buffer.from(JSON.stringify({ v: 9, k: [1, 'a'] })).toString('base64url')]) {
      assert.throws(
        () => paginate([], keyOf, ['number', 'string'], { limit: 5, cursor: bad }),
        (err: unknown) => err instanceof ApiProblem && err.problem === 'INVALID_CURSOR' && err.invalidParams[0]?.name === 'cursor',
      );
    }
  });
});
