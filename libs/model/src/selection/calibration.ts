import { NUM_CLASSES } from '../labels';
import { minimise } from './lbfgs';

/**
 * Probability calibration on validation predictions, in logit space: p = softmax(z / T + c).
 *
 * - `temperature`: one T for every class (c = 0), which sharpens or flattens the predictions;
 * - `dirichlet`: T and per-class offsets c (c₀ = 0): Dirichlet calibration with the matrix restricted to I/T — the
 *   restriction keeps it expressible in LightGBM trees (scale every leaf by 1/T, add c to one tree per class), which
 *   the full matrix is not.
 */
export type CalibrationKind = 'none' | 'temperature' | 'dirichlet';

export interface Calibration {
  readonly kind: CalibrationKind;
  readonly temperature: number;
  readonly offsets: readonly number[];
}

export const NO_CALIBRATION: Calibration = Object.freeze({ kind: 'none', temperature: 1, offsets: Object.freeze([0, 0, 0]) });

/** Mean log-loss of log-probabilities `l` (row-major) after calibration. */
export function calibratedLogLoss(l: Float64Array, labels: ArrayLike<number>, c: Calibration, rows?: readonly number[]): number {
  const n = l.length / NUM_CLASSES;
  const z = new Float64Array(NUM_CLASSES);
  let loss = 0;
  let count = 0;
  const visit = (i: number) => {
    let max = -Infinity;
    for (let k = 0; k < NUM_CLASSES; k++) {
      z[k] = (l[i * NUM_CLASSES + k] as number) / c.temperature + (c.offsets[k] as number);
      max = Math.max(max, z[k] as number);
    }
    let sum = 0;
    for (let k = 0; k < NUM_CLASSES; k++) sum += Math.exp((z[k] as number) - max);
    loss += max + Math.log(sum) - (z[labels[i] as number] as number);
    count++;
  };
  if (rows) for (const i of rows) visit(i);
  else for (let i = 0; i < n; i++) visit(i);
  return loss / Math.max(1, count);
}

/** Fits a calibration of `kind` on the rows `rows` of `l` by maximum likelihood. */
export function fitCalibration(kind: Exclude<CalibrationKind, 'none'>, l: Float64Array, labels: ArrayLike<number>, rows: readonly number[]): Calibration {
  // Parameters: log(1/T), then c₁, c₂ for dirichlet.
  const theta = new Float64Array(kind === 'dirichlet' ? 3 : 1);
  const z = new Float64Array(NUM_CLASSES);
  const p = new Float64Array(NUM_CLASSES);
  const objective = (t: Float64Array, g: Float64Array): number => {
    g.fill(0);
    const inv = Math.exp(t[0] as number);
    let loss = 0;
    for (const i of rows) {
      let max = -Infinity;
      for (let k = 0; k < NUM_CLASSES; k++) {
        z[k] = inv * (l[i * NUM_CLASSES + k] as number) + (k > 0 && t.length > 1 ? (t[k] as number) : 0);
        max = Math.max(max, z[k] as number);
      }
      let sum = 0;
      for (let k = 0; k < NUM_CLASSES; k++) sum += Math.exp((z[k] as number) - max);
      const lse = max + Math.log(sum);
      const y = labels[i] as number;
      loss += lse - (z[y] as number);
      let dInv = 0;
      for (let k = 0; k < NUM_CLASSES; k++) {
        p[k] = Math.exp((z[k] as number) - lse) - (k === y ? 1 : 0);
        dInv += (p[k] as number) * (l[i * NUM_CLASSES + k] as number);
      }
      g[0] = (g[0] as number) + dInv * inv;
      if (t.length > 1) for (let k = 1; k < NUM_CLASSES; k++) g[k] = (g[k] as number) + (p[k] as number);
    }
    const n = Math.max(1, rows.length);
    for (let j = 0; j < g.length; j++) g[j] = (g[j] as number) / n;
    return loss / n;
  };
  minimise(objective, theta, { maxIterations: 100, gradientTolerance: 1e-7 });
  return { kind, temperature: Math.exp(-(theta[0] as number)), offsets: [0, kind === 'dirichlet' ? (theta[1] as number) : 0, kind === 'dirichlet' ? (theta[2] as number) : 0] };
}
