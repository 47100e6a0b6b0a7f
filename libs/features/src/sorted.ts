// The state keeps its collections as arrays sorted by a key (MongoDB documents cannot use ids as object keys: ids
// may contain '.' or '$'). These helpers find, insert and remove by binary search, so a lookup is O(log n) and an
// insert or removal is one in-place memmove.

/** Three-way comparison of two keys: negative, zero or positive. */
export type Compare<T> = (a: T, b: T) => number;

/** Plain code-unit comparison of two strings: the same order in every JavaScript engine and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element of `arr` whose key is >= `key` (arr.length when none). */
export function lowerBound<T, K>(arr: readonly T[], key: K, cmp: (element: T, key: K) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(arr[mid] as T, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element whose key is > `key` (arr.length when none). */
export function upperBound<T, K>(arr: readonly T[], key: K, cmp: (element: T, key: K) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(arr[mid] as T, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The element whose key equals `key`, or undefined. */
export function findSorted<T, K>(arr: readonly T[], key: K, cmp: (element: T, key: K) => number): T | undefined {
  const i = lowerBound(arr, key, cmp);
  const el = arr[i];
  return el !== undefined && cmp(el, key) === 0 ? el : undefined;
}

/** Inserts `el` at its sorted position (after any equal keys) and returns the index. */
export function insertSorted<T>(arr: T[], el: T, cmp: Compare<T>): number {
  const i = upperBound(arr, el, cmp);
  arr.splice(i, 0, el);
  return i;
}

/** Removes the element whose key equals `key`; returns it, or undefined when there is none. */
export function removeSorted<T, K>(arr: T[], key: K, cmp: (element: T, key: K) => number): T | undefined {
  const i = lowerBound(arr, key, cmp);
  const el = arr[i];
  if (el === undefined || cmp(el, key) !== 0) return undefined;
  arr.splice(i, 1);
  return el;
}
