/**
 * Seeded synthetic data for the LightGBM tests: every data set is a pure function of its seed.
 */

import { prng } from '@creditstream/testing';

export { prng };

export interface Synthetic {
  readonly features: number[][];
  readonly labels: number[];
}

export interface SyntheticSpec {
  readonly seed: number;
  readonly rows: number;
  readonly numerical: number;
  /** Cardinality of each categorical column (placed after the numerical ones). */
  readonly categorical?: readonly number[];
  /** Share of numerical values replaced by NaN. */
  readonly nanRate?: number;
  /** Share of numerical values replaced by 0 (for zero_as_missing). */
  readonly zeroRate?: number;
  /** 'multiclass' (3 classes), 'binary', or 'regression'. */
  readonly task: 'multiclass' | 'binary' | 'regression';
}

/**
 * Rows with a hidden score mixing numerical features, interactions and per-category effects; labels are the
 * score's tercile class (multiclass), its sign (binary) or the score itself (regression), with label noise.
 */
export function synthetic(spec: SyntheticSpec): Synthetic {
  const rand = prng(spec.seed);
  const categorical = spec.categorical ?? [];
  // Per-category effects, fixed by the seed.
  const effects = categorical.map((cardinality) => Array.from({ length: cardinality }, () => rand() * 4 - 2));
  const features: number[][] = [];
  const labels: number[] = [];
  for (let r = 0; r < spec.rows; r++) {
    const row: number[] = [];
    let score = 0;
    let first = 0;
    for (let f = 0; f < spec.numerical; f++) {
      const v = rand() * 10 - 5;
      score += (f % 2 === 0 ? 1 : -0.6) * v / (f + 1);
      if (f === 0) first = v;
      if (f === 1) score += 0.3 * v * first;
      let stored = v;
      if (spec.nanRate !== undefined && rand() < spec.nanRate) {
        stored = NaN;
        score += f === 0 ? 2.5 : 0;
      } else if (spec.zeroRate !== undefined && rand() < spec.zeroRate) {
        stored = 0;
        score -= f === 0 ? 2.5 : 0;
      }
      row.push(stored);
    }
    categorical.forEach((cardinality, c) => {
      const category = Math.floor(rand() * cardinality);
      score += (effects[c] as number[])[category] as number;
      row.push(category);
    });
    score += (rand() - 0.5) * 1.5;
    features.push(row);
    if (spec.task === 'multiclass') labels.push(score < -1 ? 0 : score < 1.5 ? 1 : 2);
    else if (spec.task === 'binary') labels.push(score > 0 ? 1 : 0);
    else labels.push(score);
  }
  return { features, labels };
}

/**
 * Rows meant to hit every edge of LightGBM's decision code: NaN, zeros (+0, -0, below kZeroThreshold),
 * huge and infinite values, and for categorical columns unseen, negative, fractional and out-of-int-range values.
 */
export function edgeRows(numerical: number, categoricalCardinalities: readonly number[], seed: number, count: number): number[][] {
  const rand = prng(seed);
  const numericalEdges = [NaN, 0, -0, 1e-40, -1e-36, Math.fround(1e-35), 1e300, -1e300, Infinity, -Infinity, 5e-324, 1, -1, 4.999];
  const categoricalEdges = [NaN, -1, -0.5, 0, 0.7, 2.5, 31, 32, 33, 63, 64, 1000, 2147483647, 2147483648, 3e9, -3e9, Infinity, 1e-40];
  const rows: number[][] = [];
  for (let r = 0; r < count; r++) {
    const row: number[] = [];
    for (let f = 0; f < numerical; f++) {
      row.push(rand() < 0.5 ? (numericalEdges[Math.floor(rand() * numericalEdges.length)] as number) : rand() * 12 - 6);
    }
    for (const cardinality of categoricalCardinalities) {
      row.push(rand() < 0.5 ? (categoricalEdges[Math.floor(rand() * categoricalEdges.length)] as number) : Math.floor(rand() * (cardinality + 3)));
    }
    rows.push(row);
  }
  // Whole rows of a single edge value, too.
  for (const v of [NaN, 0, -0, 1e300, -1e300]) rows.push(Array.from({ length: numerical + categoricalCardinalities.length }, () => v));
  return rows;
}
