import { FEATURE_NAMES, FEATURE_SET_VERSION, type PaymentBucket } from '@creditstream/features';
import { Predictor, type ShapTableStats } from '@creditstream/lightgbm';
import { COLD_START_FEATURES, coldStartContributions, coldStartProbabilities, DEFAULT_COLD_START, type ColdStartParams } from '../cold-start/cold-start';
import { FeatureVectorError, IncompatibleModelError } from '../errors';
import { CLASSES, NUM_CLASSES } from '../labels';
import { MODEL_ID, type Algorithm, type ModelVersion } from '../model';
import { lateSideContributions } from './late-side';

/** One feature's part in a prediction. */
export interface PredictionFactor {
  readonly feature: string;
  /** The feature's value; null when missing. */
  readonly value: number | null;
  /** Contribution to the late-side score (positive pushes towards late); see lateSideContributions. */
  readonly contribution: number;
}

/** A prediction for one open invoice. */
export interface Prediction {
  readonly pOnTime: number;
  readonly pLate: number;
  readonly pVeryLate: number;
  /** The most probable bucket (ties: the earlier bucket). */
  readonly predictedBucket: PaymentBucket;
  /** pOnTime below the model's at-risk threshold. */
  readonly atRisk: boolean;
  /** The strongest factors, strongest first (empty unless asked for). */
  readonly factors: PredictionFactor[];
  /**
   * True when the invoice's days past due ruled buckets out: past the due date plus G grace days it can no longer be
   * on time, past V days it is very late. The model was trained on vectors at issue, so it does not know this.
   */
  readonly pastDueAdjusted: boolean;
}

export interface ScoreOptions {
  /** How many top factors to explain (0 = probabilities only, the fast path). @default 5 */
  readonly factors?: number;
}

/** Options of {@link createScorer}. */
export interface ScorerOptions {
  /**
   * Byte budget of the LightGBM predictor's exact TreeSHAP tables (PredictorOptions.shapTableBytes): trees that do not
   * fit are explained by the direct recursion, with the same factors bit for bit; 0 explains every tree directly.
   * @default 33554432 (32 MiB, the predictor's default)
   */
  readonly shapTableBytes?: number;
  /**
   * @deprecated Ignored: the whole-tree TreeSHAP memo was replaced by the TreeSHAP tables (shapTableBytes), which are
   * faster without warming up. Kept only until the scoring service stops passing it.
   */
  readonly shapTreeMemoBytes?: number;
}

/** Scores feature vectors with one model version. */
export interface Scorer {
  readonly modelId: string;
  readonly modelVersion: string;
  readonly algorithm: Algorithm;
  readonly featureSetVersion: string;
  readonly buckets: { readonly veryLateDays: number; readonly graceDays: number };
  readonly thresholds: { readonly atRisk: number; readonly highLateBalance: number };
  /**
   * Scores one invoice from its full feature vector (`invoiceFeatures`: FEATURE_NAMES order, NaN = missing).
   * @throws FeatureVectorError when the vector does not have one value per feature
   */
  score(vector: ArrayLike<number>, options?: ScoreOptions): Prediction;
  /**
   * {@link score} of several invoices, the same predictions in the same order; with factors, cheaper per invoice than
   * one call each (their explanations share the reads of the TreeSHAP tables).
   * @throws FeatureVectorError when a vector does not have one value per feature
   */
  scoreMany(vectors: readonly ArrayLike<number>[], options?: ScoreOptions): Prediction[];
  /** What the LightGBM predictor's TreeSHAP tables hold (built at the first explanation); null for cold-start models. */
  explanationTableStats(): ShapTableStats | null;
}

const DAYS_PAST_DUE = FEATURE_NAMES.indexOf('invoice_days_past_due');

/** What a scorer needs from a model version (a registry entry, or the built-in cold-start). */
export type ScorerModel = Pick<ModelVersion, 'modelId' | 'version' | 'algorithm' | 'featureSetVersion' | 'features' | 'buckets' | 'thresholds' | 'coldStart' | 'modelText'>;

/** The cold-start model with no data, as a model: what serves when nothing was ever published. */
export function builtInColdStart(params: ColdStartParams = DEFAULT_COLD_START): ScorerModel {
  return {
    modelId: MODEL_ID,
    version: 'cold-start-default',
    algorithm: 'cold-start',
    featureSetVersion: FEATURE_SET_VERSION,
    features: [...COLD_START_FEATURES],
    buckets: { veryLateDays: 30, graceDays: 0 },
    thresholds: { atRisk: 0.5, highLateBalance: 0.5 },
    coldStart: params,
    modelText: null,
  };
}

/** Rules out the buckets an invoice already past due can no longer reach, renormalising the rest. */
function adjustForPastDue(p: Float64Array, daysPastDue: number, buckets: { veryLateDays: number; graceDays: number }): boolean {
  if (!(daysPastDue > buckets.graceDays)) return false;
  if (daysPastDue > buckets.veryLateDays) {
    p[0] = 0;
    p[1] = 0;
    p[2] = 1;
    return true;
  }
  const rest = (p[1] as number) + (p[2] as number);
  p[0] = 0;
  if (rest > 0) {
    p[1] = (p[1] as number) / rest;
    p[2] = (p[2] as number) / rest;
  } else {
    p[2] = 1;
  }
  return true;
}

/** The `k` entries of `contributions` (one per feature) with the largest magnitude; ties: the earlier feature. */
function topK(contributions: ArrayLike<number>, names: readonly string[], values: (i: number) => number, k: number): PredictionFactor[] {
  const order: number[] = [];
  for (let f = 0; f < names.length; f++) {
    const m = Math.abs(contributions[f] as number);
    if (!(m > 0)) continue;
    let pos = order.length;
    while (pos > 0 && Math.abs(contributions[order[pos - 1] as number] as number) < m) pos--;
    if (pos >= k) continue;
    order.splice(pos, 0, f);
    if (order.length > k) order.pop();
  }
  return order.map((f) => {
    const v = values(f);
    return { feature: names[f] as string, value: Number.isNaN(v) ? null : v, contribution: contributions[f] as number };
  });
}

/**
 * Creates the scorer of a model version: LightGBM models through the pure-TypeScript predictor (exact TreeSHAP for
 * the factors), cold-start models through their closed form (exact Shapley values for the factors).
 * @throws IncompatibleModelError when the model was trained on another feature set or names unknown features
 */
export function createScorer(model: ScorerModel, options: ScorerOptions = {}): Scorer {
  if (model.featureSetVersion !== FEATURE_SET_VERSION) {
    throw new IncompatibleModelError(model.version, `it was trained on feature set ${model.featureSetVersion}, this build computes ${FEATURE_SET_VERSION}`);
  }
  const indices = model.features.map((name) => {
    const i = (FEATURE_NAMES as readonly string[]).indexOf(name);
    if (i < 0) throw new IncompatibleModelError(model.version, `unknown feature ${JSON.stringify(name)}`);
    return i;
  });
  const base = {
    modelId: model.modelId,
    modelVersion: model.version,
    algorithm: model.algorithm,
    featureSetVersion: model.featureSetVersion,
    buckets: model.buckets,
    thresholds: model.thresholds,
  };
  const finish = (p: Float64Array, vector: ArrayLike<number>, factors: PredictionFactor[]): Prediction => {
    const pastDueAdjusted = adjustForPastDue(p, vector[DAYS_PAST_DUE] as number, model.buckets);
    const pOnTime = p[0] as number;
    const pLate = p[1] as number;
    const pVeryLate = p[2] as number;
    const best = pOnTime >= pLate && pOnTime >= pVeryLate ? 0 : pLate >= pVeryLate ? 1 : 2;
    return { pOnTime, pLate, pVeryLate, predictedBucket: CLASSES[best] as PaymentBucket, atRisk: pOnTime < model.thresholds.atRisk, factors, pastDueAdjusted };
  };
  const check = (vector: ArrayLike<number>) => {
    if (vector.length !== FEATURE_NAMES.length) throw new FeatureVectorError(FEATURE_NAMES.length, vector.length);
  };

  if (model.algorithm === 'cold-start' || model.modelText === null) {
    const params = model.coldStart;
    const names = [...COLD_START_FEATURES];
    const positions = names.map((n) => FEATURE_NAMES.indexOf(n));
    const probabilities = new Float64Array(NUM_CLASSES);
    const score = (vector: ArrayLike<number>, options: ScoreOptions = {}): Prediction => {
      check(vector);
      const p = coldStartProbabilities(params, vector, probabilities);
      const k = options.factors ?? 5;
      const factors = k > 0 ? topK(coldStartContributions(params, vector), names, (f) => vector[positions[f] as number] as number, k) : [];
      return finish(p, vector, factors);
    };
    return { ...base, score, scoreMany: (vectors, options = {}) => vectors.map((v) => score(v, options)), explanationTableStats: () => null };
  }

  const predictor = Predictor.fromModelText(model.modelText, options.shapTableBytes === undefined ? {} : { shapTableBytes: options.shapTableBytes });
  if (predictor.numClass !== NUM_CLASSES || predictor.numFeatures !== indices.length) {
    throw new IncompatibleModelError(model.version, `its LightGBM text has ${predictor.numClass} classes and ${predictor.numFeatures} features, the registry lists ${indices.length} features`);
  }
  const row = new Float64Array(indices.length);
  const contributions = new Float64Array(predictor.contributionsPerRow);
  const lateSide = new Float64Array(indices.length + 1);
  // Reused on every call: finish() copies the probabilities into the Prediction before the next call.
  const p = new Float64Array(NUM_CLASSES);
  const rowValue = (f: number): number => row[f] as number;
  const score = (vector: ArrayLike<number>, options: ScoreOptions = {}): Prediction => {
    check(vector);
    for (let f = 0; f < indices.length; f++) row[f] = vector[indices[f] as number] as number;
    const k = options.factors ?? 5;
    let factors: PredictionFactor[] = [];
    if (k > 0) {
      predictor.predictWithContributionsRow(row, p, contributions);
      factors = topK(lateSideContributions(contributions, indices.length, lateSide), model.features, rowValue, k);
    } else {
      predictor.predictRow(row, p);
    }
    return finish(p, vector, factors);
  };
  return {
    ...base,
    score,
    scoreMany(vectors, options = {}) {
      const k = options.factors ?? 5;
      if (k === 0 || vectors.length < 2) return vectors.map((v) => score(v, options));
      const rows = vectors.map((vector) => {
        check(vector);
        return Float64Array.from(indices, (i) => vector[i] as number);
      });
      const probabilities = rows.map(() => new Float64Array(NUM_CLASSES));
      const contributionsOf = rows.map(() => new Float64Array(predictor.contributionsPerRow));
      predictor.predictWithContributionsRows(rows, probabilities, contributionsOf);
      return rows.map((r, i) => {
        const own = (f: number): number => r[f] as number;
        const factors = topK(lateSideContributions(contributionsOf[i] as Float64Array, indices.length, lateSide), model.features, own, k);
        return finish(probabilities[i] as Float64Array, vectors[i] as ArrayLike<number>, factors);
      });
    },
    explanationTableStats: () => predictor.shapTableStats(),
  };
}
