/** A rolling-origin fold over rows sorted by date: train on [0, trainEnd), validate on [trainEnd, validationEnd). */
export interface Fold {
  readonly trainEnd: number;
  readonly validationEnd: number;
}

/** The first index ≥ `target` whose date differs from the previous row's (a boundary between dates), or null. */
function boundaryFrom(dates: readonly string[], target: number, lo: number, hi: number): number | null {
  for (let i = Math.max(lo + 1, target); i < hi; i++) if (dates[i] !== dates[i - 1]) return i;
  for (let i = Math.min(hi - 1, target); i > lo; i--) if (dates[i] !== dates[i - 1]) return i;
  return null;
}

/**
 * Time-ordered validation: the last `count` blocks of `blockSize` rows of `dates` (sorted), each validated by a model
 * trained on everything before it — as the final model will predict the months after its data. Block boundaries fall
 * between dates. Folds whose training part would be smaller than `minTrain` rows are left out (the earliest first);
 * at least the last fold is kept when its training part has two rows.
 */
export function rollingOriginFolds(dates: readonly string[], count: number, blockSize: number, minTrain: number): Fold[] {
  const n = dates.length;
  const folds: Fold[] = [];
  let end = n;
  for (let j = 0; j < count && end > 1; j++) {
    const start = boundaryFrom(dates, Math.max(1, end - blockSize), 0, end);
    if (start === null || start >= end) break;
    if (start < minTrain && folds.length > 0) break;
    if (start < 2) break;
    folds.unshift({ trainEnd: start, validationEnd: end });
    end = start;
  }
  return folds;
}
