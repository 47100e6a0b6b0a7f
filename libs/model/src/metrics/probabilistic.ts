/**
 * Probabilities are row-major `n × numClasses` arrays (each row sums to 1) and labels class indices; every function
 * here is pure and deterministic.
 */

/** Probabilities are clipped to [ε, 1] before the log, as scikit-learn and LightGBM do, so one confident miss is finite. */
export const LOG_LOSS_EPSILON = 1e-15;

function rowsOf(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, what: string): number {
  const n = labels.length;
  if (probabilities.length !== n * numClasses) throw new RangeError(`${what}: ${probabilities.length} probabilities for ${n} rows of ${numClasses} classes`);
  return n;
}

/** Mean negative log-likelihood of the labels (natural log). */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  const n = rowsOf(probabilities, labels, numClasses, 'logLoss');
  if (n === 0) return NaN;
  let sum = 0;
  for (let r = 0; r < n; r++) sum -= Math.log(Math.max(probabilities[r * numClasses + (labels[r] as number)] as number, LOG_LOSS_EPSILON));
  return sum / n;
}

/** Multiclass Brier score: mean over rows of Σ_k (p_k − y_k)², from 0 (perfect) to 2. */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number {
  const n = rowsOf(probabilities, labels, numClasses, 'brierScore');
  if (n === 0) return NaN;
  let sum = 0;
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < numClasses; k++) {
      const d = (probabilities[r * numClasses + k] as number) - (labels[r] === k ? 1 : 0);
      sum += d * d;
    }
  }
  return sum / n;
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** The bin covers predicted probabilities in [lower, upper) (the last bin includes 1). */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability of the rows in the bin; NaN when empty. */
  readonly meanPredicted: number;
  /** Share of the rows in the bin where the event happened; NaN when empty. */
  readonly observed: number;
}

function binIndex(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
}

function toBins(bins: number, counts: Float64Array, predictedSums: Float64Array, hitSums: Float64Array): ReliabilityBin[] {
  return Array.from({ length: bins }, (_, b) => {
    const count = counts[b] as number;
    return { lower: b / bins, upper: (b + 1) / bins, count, meanPredicted: count > 0 ? (predictedSums[b] as number) / count : NaN, observed: count > 0 ? (hitSums[b] as number) / count : NaN };
  });
}

/**
 * Reliability of one class, one-vs-rest: rows binned by their predicted probability of `classIndex` into `bins`
 * equal-width bins; in each bin the mean prediction against the share of rows that were of the class.
 */
export function classReliability(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, classIndex: number, bins = 10): ReliabilityBin[] {
  const n = rowsOf(probabilities, labels, numClasses, 'classReliability');
  const counts = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const hits = new Float64Array(bins);
  for (let r = 0; r < n; r++) {
    const p = probabilities[r * numClasses + classIndex] as number;
    const b = binIndex(p, bins);
    counts[b]! += 1;
    predicted[b]! += p;
    if (labels[r] === classIndex) hits[b]! += 1;
  }
  return toBins(bins, counts, predicted, hits);
}

/**
 * Top-label reliability: rows binned by their highest probability (the confidence of the predicted class); in each
 * bin the mean confidence against the accuracy.
 */
export function confidenceReliability(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = 10): ReliabilityBin[] {
  const n = rowsOf(probabilities, labels, numClasses, 'confidenceReliability');
  const counts = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const hits = new Float64Array(bins);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if ((probabilities[r * numClasses + k] as number) > (probabilities[r * numClasses + best] as number)) best = k;
    const p = probabilities[r * numClasses + best] as number;
    const b = binIndex(p, bins);
    counts[b]! += 1;
    predicted[b]! += p;
    if (labels[r] === best) hits[b]! += 1;
  }
  return toBins(bins, counts, predicted, hits);
}

/**
 * Expected calibration error (top-label, `bins` equal-width bins; Guo et al. 2017): Σ_b (n_b / n) · |accuracy_b −
 * confidence_b|. 0 for a calibrated model; the share of rows the confidence over- or under-states, on average.
 */
export function expectedCalibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = 10): number {
  const table = confidenceReliability(probabilities, labels, numClasses, bins);
  const n = labels.length;
  if (n === 0) return NaN;
  let ece = 0;
  for (const b of table) if (b.count > 0) ece += (b.count / n) * Math.abs(b.observed - b.meanPredicted);
  return ece;
}
