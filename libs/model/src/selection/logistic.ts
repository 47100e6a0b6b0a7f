import { NUM_CLASSES } from '../labels';
import { minimise } from './lbfgs';

/**
 * Regularised multinomial logistic regression on the model's columns, served as step functions.
 *
 * Inputs: each column clipped to its 0.5%–99.5% quantiles on the fitting rows (a few extreme amounts must not set the
 * slope), standardised, missing values set to the mean with a missing indicator for every column that has missing
 * values. Softmax with an L2 penalty on the weights (not the intercepts), fitted by L-BFGS.
 *
 * Serving: LightGBM's text format is the one format the scorer, TreeSHAP and the registry read, so the model is
 * compiled into trees: per column and class one tree over at most {@link STEP_BINS} quantile bins of the fitting rows
 * plus a missing leaf, each leaf the mean linear term of its bin's rows. A column with few distinct values (flags,
 * counts) is exact; a continuous one is a step function. Every prediction of the candidate — its validation scores
 * included — is the step function's, so what is chosen is what serves.
 */
export interface LogisticModel {
  readonly lambda: number;
  /** Per model column: its step function, or null when the column carries nothing (constant, never missing). */
  readonly steps: readonly (ColumnSteps | null)[];
  /** Intercept per class. */
  readonly intercept: readonly number[];
  /** L-BFGS iterations of the fit. */
  readonly iterations: number;
}

/** One column's contribution to each class logit: a step function of the value, and a value when missing. */
export interface ColumnSteps {
  /** Bin upper bounds (x ≤ cuts[j] falls in bin j or below); bins = cuts.length + 1. */
  readonly cuts: Float64Array;
  /** Contribution per class and bin, class-major: values[k * bins + j]. */
  readonly values: Float64Array;
  /** Contribution per class when the value is missing. */
  readonly missing: Float64Array;
  /** Fitting rows per bin, and missing. */
  readonly counts: Float64Array;
  readonly missingCount: number;
}

/** Bins of a continuous column's step function: 16 leaves, a tree of depth 5 with the missing leaf. */
export const STEP_BINS = 16;
const CLIP = 0.005;

interface Column {
  readonly lo: number;
  readonly hi: number;
  readonly mean: number;
  readonly std: number;
  readonly indicator: boolean;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] as number;
}

function sortedValues(x: Float64Array, n: number, nf: number, f: number): Float64Array {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = x[i * nf + f] as number;
    if (!Number.isNaN(v)) values.push(v);
  }
  return Float64Array.from(values).sort();
}

function describeColumns(x: Float64Array, n: number, nf: number): { columns: Column[]; sorted: Float64Array[] } {
  const columns: Column[] = [];
  const sorted: Float64Array[] = [];
  for (let f = 0; f < nf; f++) {
    const s = sortedValues(x, n, nf, f);
    sorted.push(s);
    if (s.length === 0) {
      columns.push({ lo: 0, hi: 0, mean: 0, std: 0, indicator: false });
      continue;
    }
    const lo = quantile(s, CLIP);
    const hi = quantile(s, 1 - CLIP);
    let sum = 0;
    for (const v of s) sum += Math.min(hi, Math.max(lo, v));
    const mean = sum / s.length;
    let ss = 0;
    for (const v of s) ss += (Math.min(hi, Math.max(lo, v)) - mean) ** 2;
    const std = Math.sqrt(ss / s.length);
    columns.push({ lo, hi, mean, std: std > 1e-12 ? std : 0, indicator: s.length < n });
  }
  return { columns, sorted };
}

/** The design matrix (row-major, `width` columns): standardised values, then missing indicators. */
function design(x: Float64Array, n: number, nf: number, columns: readonly Column[]): { d: Float64Array; width: number; slots: { value: number; indicator: number }[] } {
  const slots: { value: number; indicator: number }[] = [];
  let width = 0;
  for (const c of columns) slots.push({ value: c.std > 0 ? width++ : -1, indicator: -1 });
  columns.forEach((c, f) => {
    if (c.indicator) (slots[f] as { indicator: number }).indicator = width++;
  });
  const d = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < nf; f++) {
      const c = columns[f] as Column;
      const s = slots[f] as { value: number; indicator: number };
      const v = x[i * nf + f] as number;
      if (Number.isNaN(v)) {
        if (s.indicator >= 0) d[i * width + s.indicator] = 1;
      } else if (s.value >= 0) {
        d[i * width + s.value] = (Math.min(c.hi, Math.max(c.lo, v)) - c.mean) / c.std;
      }
    }
  }
  return { d, width, slots };
}

/** Mean softmax log-loss plus λ/2·‖W‖² and its gradient; parameters are W (classes × width) then the intercepts. */
function objective(d: Float64Array, labels: ArrayLike<number>, n: number, width: number, lambda: number) {
  const z = new Float64Array(NUM_CLASSES);
  return (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    const b = NUM_CLASSES * width;
    for (let i = 0; i < n; i++) {
      const row = i * width;
      let max = -Infinity;
      for (let k = 0; k < NUM_CLASSES; k++) {
        let s = theta[b + k] as number;
        const w = k * width;
        for (let j = 0; j < width; j++) s += (theta[w + j] as number) * (d[row + j] as number);
        z[k] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < NUM_CLASSES; k++) sum += Math.exp((z[k] as number) - max);
      const lse = max + Math.log(sum);
      const y = labels[i] as number;
      loss += lse - (z[y] as number);
      for (let k = 0; k < NUM_CLASSES; k++) {
        const r = Math.exp((z[k] as number) - lse) - (k === y ? 1 : 0);
        if (r === 0) continue;
        const w = k * width;
        for (let j = 0; j < width; j++) gradient[w + j] = (gradient[w + j] as number) + r * (d[row + j] as number);
        gradient[b + k] = (gradient[b + k] as number) + r;
      }
    }
    let penalty = 0;
    for (let j = 0; j < b; j++) {
      const t = theta[j] as number;
      penalty += t * t;
      gradient[j] = (gradient[j] as number) / n + lambda * t;
    }
    for (let k = 0; k < NUM_CLASSES; k++) gradient[b + k] = (gradient[b + k] as number) / n;
    return loss / n + (lambda / 2) * penalty;
  };
}

/** Cut points of a column's step function: every distinct value when there are few, else quantile bins. */
function cutsOf(sorted: Float64Array, c: Column): Float64Array {
  const clipped: number[] = [];
  for (const v of sorted) {
    const x = Math.min(c.hi, Math.max(c.lo, v));
    if (clipped.length === 0 || clipped[clipped.length - 1] !== x) clipped.push(x);
  }
  if (clipped.length <= STEP_BINS) return Float64Array.from(clipped.slice(0, -1));
  const cuts: number[] = [];
  for (let j = 1; j < STEP_BINS; j++) {
    const q = Math.min(c.hi, Math.max(c.lo, quantile(sorted, j / STEP_BINS)));
    if (q < c.hi && (cuts.length === 0 || q > (cuts[cuts.length - 1] as number))) cuts.push(q);
  }
  return Float64Array.from(cuts);
}

/** The bin of `v` among `cuts` (x ≤ cuts[j] → bin ≤ j). */
export function binOf(cuts: Float64Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= (cuts[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A fit to warm-start from: the parameter vector of a previous fit on the same design. */
export interface WarmStart {
  theta: Float64Array | null;
}

/**
 * Fits the logistic regression on `n` rows of `x` (row-major, `nf` columns) and compiles it into step functions.
 * `warm` carries the parameters between fits of decreasing λ on the same rows.
 */
export function fitLogistic(x: Float64Array, labels: ArrayLike<number>, n: number, nf: number, lambda: number, warm: WarmStart = { theta: null }): LogisticModel {
  const { columns, sorted } = describeColumns(x, n, nf);
  const { d, width, slots } = design(x, n, nf, columns);
  const theta = warm.theta !== null && warm.theta.length === NUM_CLASSES * (width + 1) ? Float64Array.from(warm.theta) : new Float64Array(NUM_CLASSES * (width + 1));
  const { iterations } = minimise(objective(d, labels, n, width, lambda), theta, { maxIterations: 150, gradientTolerance: 1e-5 });
  warm.theta = theta;
  const weight = (k: number, slot: number) => (slot < 0 ? 0 : (theta[k * width + slot] as number));
  const steps = columns.map((c, f): ColumnSteps | null => {
    const s = slots[f] as { value: number; indicator: number };
    if (s.value < 0 && s.indicator < 0) return null;
    const cuts = s.value >= 0 ? cutsOf(sorted[f] as Float64Array, c) : new Float64Array(0);
    const bins = cuts.length + 1;
    // Each bin's value is the mean of its rows' standardised values, so the step function is the linear term's
    // least-squares fit on the fitting rows.
    const sums = new Float64Array(bins);
    const counts = new Float64Array(bins);
    for (const v of sorted[f] as Float64Array) {
      const j = binOf(cuts, v);
      sums[j] = (sums[j] as number) + (s.value >= 0 ? (Math.min(c.hi, Math.max(c.lo, v)) - c.mean) / c.std : 0);
      counts[j] = (counts[j] as number) + 1;
    }
    const values = new Float64Array(NUM_CLASSES * bins);
    const missing = new Float64Array(NUM_CLASSES);
    for (let k = 0; k < NUM_CLASSES; k++) {
      for (let j = 0; j < bins; j++) values[k * bins + j] = (counts[j] as number) > 0 ? weight(k, s.value) * ((sums[j] as number) / (counts[j] as number)) : 0;
      missing[k] = weight(k, s.indicator);
    }
    return { cuts, values, missing, counts, missingCount: n - (sorted[f] as Float64Array).length };
  });
  return { lambda, steps, intercept: Array.from({ length: NUM_CLASSES }, (_, k) => theta[NUM_CLASSES * width + k] as number), iterations };
}

/** Log-probabilities of each row (row-major, NUM_CLASSES per row) under the step functions (what serves). */
export function logisticLogProbabilities(model: LogisticModel, x: Float64Array, n: number, nf: number): Float64Array {
  const out = new Float64Array(n * NUM_CLASSES);
  for (let i = 0; i < n; i++) {
    const z = out.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
    for (let k = 0; k < NUM_CLASSES; k++) z[k] = model.intercept[k] as number;
    for (let f = 0; f < nf; f++) {
      const s = model.steps[f];
      if (!s) continue;
      const v = x[i * nf + f] as number;
      const bins = s.cuts.length + 1;
      const j = Number.isNaN(v) ? -1 : binOf(s.cuts, v);
      for (let k = 0; k < NUM_CLASSES; k++) z[k] = (z[k] as number) + (j < 0 ? (s.missing[k] as number) : (s.values[k * bins + j] as number));
    }
    toLogProbabilities(z);
  }
  return out;
}

/** Turns logits into log-probabilities in place (log-softmax). */
export function toLogProbabilities(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (const v of z) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) - lse;
  return z;
}
