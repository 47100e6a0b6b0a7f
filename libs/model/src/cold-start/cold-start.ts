import { FEATURE_NAMES } from '@creditstream/features';
import { logLoss } from '../metrics/probabilistic';
import { NUM_CLASSES } from '../labels';
import { exactShapley } from './shapley';

/**
 * The cold-start model: what serves before there is enough history for LightGBM (and what a trained model is
 * compared with). A Dirichlet–multinomial: the portfolio's bucket shares are the prior, each customer's own settled
 * invoices update it.
 *
 *   P(bucket k | customer) = (n_k + α · π_k) / (n + α)
 *
 * with n_k the customer's settled invoices in bucket k so far (written-off invoices count as very late), n their sum,
 * π the portfolio's bucket shares and α the prior's weight in invoices. A new customer gets π; a customer with a long
 * history gets its own shares. π and α are fitted on whatever labelled history exists (α by log-loss over a grid:
 * every example's history is strictly before it, so this is an honest sequential prediction); with none, π is
 * uniform (the maximum-entropy choice: nothing is known) and α = 4.
 *
 * The customer counts come from the all-time lateness features, which use the default buckets (V = 30, G = 0) for
 * every model; with other label buckets they are an approximation of the customer's history in those buckets.
 */
export interface ColdStartParams {
  /** Portfolio bucket shares π (ON_TIME, LATE, VERY_LATE): the prediction for a customer without history. */
  readonly prior: readonly number[];
  /** α: the weight of the prior, in invoices. */
  readonly strength: number;
  /** Labelled invoices π and α were fitted on; 0 for the built-in default. */
  readonly fittedOn: number;
}

/** The cold-start model with no data at all. */
export const DEFAULT_COLD_START: ColdStartParams = Object.freeze({ prior: Object.freeze([1 / 3, 1 / 3, 1 / 3]), strength: 4, fittedOn: 0 });

/** The features the cold-start model reads, in its explanation order. */
export const COLD_START_FEATURES = ['settled_count', 'share_late_all', 'share_very_late_all', 'written_off_count'] as const;

const INDEX = COLD_START_FEATURES.map((name) => FEATURE_NAMES.indexOf(name));
const STRENGTH_GRID = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];

const finiteOr = (x: number | undefined, fallback: number): number => (x !== undefined && Number.isFinite(x) ? x : fallback);

/** The four inputs of the model from a full feature vector (FEATURE_NAMES order); missing = no history. */
function inputs(values: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < INDEX.length; i++) out[i] = values[INDEX[i] as number] as number;
  return out;
}

/** Bucket probabilities from the four inputs [settled count, share late, share very late, written off]. */
function probabilitiesOf(params: ColdStartParams, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const count = Math.max(0, finiteOr(x[0], 0));
  const late = count * Math.min(1, Math.max(0, finiteOr(x[1], 0)));
  const veryLate = count * Math.min(1, Math.max(0, finiteOr(x[2], 0)));
  const writtenOff = Math.max(0, finiteOr(x[3], 0));
  const n = [Math.max(0, count - late - veryLate), late, veryLate + writtenOff];
  const total = (n[0] as number) + (n[1] as number) + (n[2] as number) + params.strength;
  for (let k = 0; k < NUM_CLASSES; k++) out[k] = ((n[k] as number) + params.strength * (params.prior[k] as number)) / total;
  return out;
}

/** P(ON_TIME), P(LATE), P(VERY_LATE) of one invoice from its full feature vector (FEATURE_NAMES order). */
export function coldStartProbabilities(params: ColdStartParams, values: ArrayLike<number>, out: Float64Array = new Float64Array(NUM_CLASSES)): Float64Array {
  return probabilitiesOf(params, inputs(values, new Float64Array(INDEX.length)), out);
}

/**
 * The late-side score of probabilities: minus the on-time logit centred over the classes,
 * −(log p₀ − (log p₀ + log p₁ + log p₂) / 3). Positive pushes towards late. Softmax logits are defined up to a common
 * constant; centring removes it, so LightGBM's per-class SHAP values and this score decompose the same way.
 */
export function lateSideScore(p: ArrayLike<number>): number {
  const l0 = Math.log(p[0] as number);
  const l1 = Math.log(p[1] as number);
  const l2 = Math.log(p[2] as number);
  return -(l0 - (l0 + l1 + l2) / 3);
}

/**
 * Exact Shapley contributions of the four inputs to the late-side score (see {@link lateSideScore}); an input left
 * out takes its "no information" value (no settled invoices, the prior's shares, nothing written off). Returned in
 * {@link COLD_START_FEATURES} order.
 */
export function coldStartContributions(params: ColdStartParams, values: ArrayLike<number>): Float64Array {
  const x = inputs(values, new Float64Array(INDEX.length));
  const priorTotal = (params.prior[0] as number) + (params.prior[1] as number) + (params.prior[2] as number);
  const baseline = [0, (params.prior[1] as number) / priorTotal, (params.prior[2] as number) / priorTotal, 0];
  const mixed = new Float64Array(INDEX.length);
  const p = new Float64Array(NUM_CLASSES);
  return exactShapley(INDEX.length, (mask) => {
    for (let i = 0; i < INDEX.length; i++) mixed[i] = mask & (1 << i) ? (x[i] as number) : (baseline[i] as number);
    return lateSideScore(probabilitiesOf(params, mixed, p));
  });
}

/**
 * Fits π (Laplace-smoothed bucket shares) and α (the grid value with the lowest log-loss) on labelled examples.
 * Deterministic; with no examples it returns {@link DEFAULT_COLD_START}.
 */
export function fitColdStart(examples: readonly { readonly values: ArrayLike<number>; readonly label: number }[]): ColdStartParams {
  if (examples.length === 0) return DEFAULT_COLD_START;
  const counts = [1, 1, 1];
  for (const e of examples) counts[e.label]! += 1;
  const prior = counts.map((c) => c / (examples.length + NUM_CLASSES));
  const x = examples.map((e) => inputs(e.values, new Float64Array(INDEX.length)));
  const labels = Uint8Array.from(examples, (e) => e.label);
  const probabilities = new Float64Array(examples.length * NUM_CLASSES);
  let best = { strength: DEFAULT_COLD_START.strength, loss: Infinity };
  for (const strength of STRENGTH_GRID) {
    const params = { prior, strength, fittedOn: examples.length };
    x.forEach((row, r) => probabilitiesOf(params, row, probabilities.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES)));
    const loss = logLoss(probabilities, labels, NUM_CLASSES);
    if (loss < best.loss) best = { strength, loss };
  }
  return { prior, strength: best.strength, fittedOn: examples.length };
}
