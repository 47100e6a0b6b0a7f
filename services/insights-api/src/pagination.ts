import { ApiProblem } from './errors';

/** A sort key: compared element by element (numbers numerically, strings by code unit). */
export type SortKey = readonly (string | number)[];

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

const CURSOR_VERSION = 1;

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, k: key })).toString('base64url');
}

/** @throws ApiProblem INVALID_CURSOR when the cursor is not one {@link encodeCursor} made for a key of this shape */
export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const k = (parsed as { v?: unknown; k?: unknown } | null)?.k;
  if ((parsed as { v?: unknown } | null)?.v !== CURSOR_VERSION || !Array.isArray(k) || k.length !== shape.length || k.some((x, i) => typeof x !== shape[i])) {
    throw new ApiProblem('INVALID_CURSOR', `cursor ${JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor)} is not a cursor of this list: pass the nextCursor of its previous page`, [{ in: 'query', name: 'cursor', reason: 'is not a cursor of this list' }]);
  }
  return k as SortKey;
}

/**
 * One page of `items` (sorted by `keyOf`): the items after the cursor's key. Keyed, not positional, so a page
 * never repeats or skips an item that stayed in the list while the list changed between requests.
 */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => SortKey, shape: readonly ('string' | 'number')[], options: { cursor?: string; limit: number }, compare: (a: SortKey, b: SortKey) => number = compareKeys): Page<T> {
  let start = 0;
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor, shape);
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(keyOf(items[mid] as T), after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const slice = items.slice(start, start + options.limit);
  const more = start + options.limit < items.length;
  const last = slice[slice.length - 1];
  return { items: slice, nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null, total: items.length };
}
