import { SplitError } from '../errors';

/** A time-based split of rows sorted by date: [0, trainEnd) train, [trainEnd, validationEnd) validation, the rest holdout. */
export interface TimeSplit {
  readonly trainEnd: number;
  readonly validationEnd: number;
}

/** The first index of `dates` (sorted) holding a date ≥ / > the date at `target`, whichever boundary is nearer `target`. */
function dateBoundary(dates: readonly string[], target: number, lo: number, hi: number): number | null {
  const d = dates[target] as string;
  let first = target;
  while (first > lo && (dates[first - 1] as string) === d) first--;
  let after = target;
  while (after < hi && (dates[after] as string) === d) after++;
  const candidates = [first, after].filter((i) => i > lo && i < hi);
  if (candidates.length === 0) return null;
  return candidates.reduce((best, i) => (Math.abs(i - target) < Math.abs(best - target) ? i : best));
}

/**
 * Splits rows sorted by date into train, validation (for early stopping) and holdout (for evaluation) by time: the
 * holdout is the latest `holdoutShare` of the rows, the validation the `validationShare` before it. Boundaries fall
 * between dates, so invoices of one day are never on both sides (the nearest date boundary to each target share).
 * @throws SplitError when a part would be empty
 */
export function timeSplit(dates: readonly string[], holdoutShare: number, validationShare: number): TimeSplit {
  const n = dates.length;
  for (let i = 1; i < n; i++) if ((dates[i - 1] as string) > (dates[i] as string)) throw new RangeError(`timeSplit: dates are not sorted at index ${i}`);
  if (n < 3) throw new SplitError(`cannot split ${n} rows into train, validation and holdout`);
  const holdoutTarget = Math.min(n - 1, Math.max(1, Math.round(n * (1 - holdoutShare))));
  const validationEnd = dateBoundary(dates, holdoutTarget, 0, n);
  if (validationEnd === null) throw new SplitError(`all ${n} rows have the invoice date ${dates[0]}: a time-based holdout needs at least two dates`);
  const validationTarget = Math.min(validationEnd - 1, Math.max(1, Math.round(n * (1 - holdoutShare - validationShare))));
  const trainEnd = dateBoundary(dates, validationTarget, 0, validationEnd);
  if (trainEnd === null) throw new SplitError(`the ${validationEnd} rows before the holdout (from ${dates[validationEnd]}) all have the invoice date ${dates[0]}: training and early stopping need at least two dates`);
  return { trainEnd, validationEnd };
}
