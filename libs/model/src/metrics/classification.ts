/** Precision, recall and F1 of one class (one-vs-rest). */
export interface ClassScores {
  /** Share of the rows predicted as this class that are of it; 0 when none is predicted as it. */
  readonly precision: number;
  /** Share of the rows of this class predicted as it; 0 when there are none. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  /** Rows of this class. */
  readonly support: number;
  /** Rows predicted as this class. */
  readonly predicted: number;
}

/** The class with the highest probability in each row (ties: the lower class), from row-major probabilities. */
export function argmaxRows(probabilities: ArrayLike<number>, numClasses: number): Uint8Array {
  const n = probabilities.length / numClasses;
  const out = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if ((probabilities[r * numClasses + k] as number) > (probabilities[r * numClasses + best] as number)) best = k;
    out[r] = best;
  }
  return out;
}

/** Confusion matrix: `matrix[actual][predicted]` = number of rows. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predicted.length) throw new RangeError(`confusionMatrix: ${labels.length} labels for ${predicted.length} predictions`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = m[labels[i] as number];
    const p = predicted[i] as number;
    if (row === undefined || !(p >= 0 && p < numClasses)) throw new RangeError(`confusionMatrix: row ${i} has label ${labels[i]} and prediction ${p}, expected 0..${numClasses - 1}`);
    row[p] = (row[p] as number) + 1;
  }
  return m;
}

/** Per-class precision, recall and F1 from a confusion matrix. */
export function classScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c] as number;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let a = 0; a < k; a++) predicted += (confusion[a] as readonly number[])[c] as number;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support, predicted };
  });
}

/** Mean F1 over the classes that occur (in the labels or the predictions); a class that never occurs has no F1. */
export function macroF1(scores: readonly ClassScores[]): number {
  const present = scores.filter((s) => s.support > 0 || s.predicted > 0);
  return present.length === 0 ? 0 : present.reduce((a, s) => a + s.f1, 0) / present.length;
}

/** Share of rows whose prediction equals the label. */
export function accuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (labels.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) hits++;
  return hits / labels.length;
}
