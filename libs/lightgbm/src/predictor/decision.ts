import type { CompiledModel } from './compiled-model';

/**
 * LightGBM's kZeroThreshold. It is declared `const double kZeroThreshold = 1e-35f;` (meta.h): a float literal,
 * so its value is float(1e-35) widened to double, 1.0000000180025095e-35, not 1e-35.
 */
export const K_ZERO_THRESHOLD = Math.fround(1e-35);

const MISSING_ZERO = 1;
const MISSING_NAN = 2;

/**
 * The child a row goes to at `node`, exactly as LightGBM's Tree::Decision does after the C API has copied the
 * row: LGBM_BoosterPredictForMat keeps only values with |v| > kZeroThreshold or NaN and leaves the others at 0,
 * so a tiny value (or -0) reaches the tree as 0.
 *
 * Numerical (NumericalDecision): NaN becomes 0 unless the node's missing type is NaN; a Zero-missing node
 * sends |v| <= kZeroThreshold, and a NaN-missing node sends NaN, to the default side; otherwise v <= threshold
 * goes left.
 *
 * Categorical (CategoricalDecision): NaN goes right; otherwise the category is static_cast<int>(v), truncation
 * toward zero (so -0.5 is category 0), with x86-64's result INT_MIN for values outside the int range (so they
 * go right, as do negative categories); a category goes left when its bit is set in the node's bitset.
 */
export function decide(model: CompiledModel, node: number, row: ArrayLike<number>): number {
  const decision = model.nodeDecision[node] as number;
  const v = row[model.nodeFeature[node] as number] as number;
  return (decision & 1) === 0 ? decideNumerical(model, node, decision, v) : decideCategorical(model, node, v);
}

/** NumericalDecision (see {@link decide}); `decision` is the node's decision_type. */
export function decideNumerical(model: CompiledModel, node: number, decision: number, value: number): number {
  let v = value;
  const missingType = (decision >> 2) & 3;
  if (v !== v) {
    if (missingType === MISSING_NAN) return (decision & 2) !== 0 ? (model.nodeLeft[node] as number) : (model.nodeRight[node] as number);
    v = 0;
  } else if (v >= -K_ZERO_THRESHOLD && v <= K_ZERO_THRESHOLD) {
    v = 0;
  }
  if (missingType === MISSING_ZERO && v === 0) {
    return (decision & 2) !== 0 ? (model.nodeLeft[node] as number) : (model.nodeRight[node] as number);
  }
  return v <= (model.nodeThreshold[node] as number) ? (model.nodeLeft[node] as number) : (model.nodeRight[node] as number);
}

/** CategoricalDecision (see {@link decide}). */
export function decideCategorical(model: CompiledModel, node: number, v: number): number {
  // NaN fails both comparisons, so it goes right here too; values in (-kZeroThreshold, kZeroThreshold) truncate to 0.
  if (!(v > -2147483649 && v < 2147483648)) return model.nodeRight[node] as number;
  const category = Math.trunc(v) | 0;
  if (category < 0) return model.nodeRight[node] as number;
  const word = category >>> 5;
  if (word >= (model.nodeCatWords[node] as number)) return model.nodeRight[node] as number;
  const bits = model.catBits[(model.nodeCatStart[node] as number) + word] as number;
  return (bits >>> (category & 31)) & 1 ? (model.nodeLeft[node] as number) : (model.nodeRight[node] as number);
}

/**
 * Forms of a feature value that turn every numerical decision into one comparison, `!(form <= threshold)` meaning
 * "goes right": the value as NumericalDecision compares it (NaN and |v| <= kZeroThreshold become 0), then the same
 * with the missing value (NaN for missing type NaN, 0 for missing type Zero) replaced by -Infinity, which every
 * threshold sends left, or by NaN, which every threshold sends right.
 */
const FORM_PLAIN = 0;
const FORM_NAN_LEFT = 1;
const FORM_NAN_RIGHT = 2;
const FORM_ZERO_LEFT = 3;
const FORM_ZERO_RIGHT = 4;
/** Forms per feature in {@link fillDecisionForms}. */
export const DECISION_FORMS = 5;

/**
 * The form (see {@link fillDecisionForms}) a numerical node compares with its threshold, or -1 when the node needs
 * {@link decide}: categorical nodes, and a NaN threshold (which no form can stand for: NaN compares false both ways).
 */
export function decisionForm(model: CompiledModel, node: number): number {
  const decision = model.nodeDecision[node] as number;
  if ((decision & 1) !== 0 || Number.isNaN(model.nodeThreshold[node] as number)) return -1;
  const defaultLeft = (decision & 2) !== 0;
  switch ((decision >> 2) & 3) {
    case MISSING_NAN:
      return defaultLeft ? FORM_NAN_LEFT : FORM_NAN_RIGHT;
    case MISSING_ZERO:
      return defaultLeft ? FORM_ZERO_LEFT : FORM_ZERO_RIGHT;
    default:
      return FORM_PLAIN;
  }
}

/**
 * Writes the {@link DECISION_FORMS} forms of every feature of `row` into `out[f * DECISION_FORMS + form]`, so that
 * a numerical node whose {@link decisionForm} is `form` goes right exactly when
 * `!(out[feature * DECISION_FORMS + form] <= threshold)`, as {@link decideNumerical} decides.
 */
export function fillDecisionForms(row: ArrayLike<number>, numFeatures: number, out: Float64Array): void {
  for (let f = 0; f < numFeatures; f++) {
    const v = row[f] as number;
    const at = f * DECISION_FORMS;
    if (v !== v) {
      out[at + FORM_PLAIN] = 0;
      out[at + FORM_NAN_LEFT] = -Infinity;
      out[at + FORM_NAN_RIGHT] = NaN;
      out[at + FORM_ZERO_LEFT] = -Infinity;
      out[at + FORM_ZERO_RIGHT] = NaN;
      continue;
    }
    const z = v >= -K_ZERO_THRESHOLD && v <= K_ZERO_THRESHOLD ? 0 : v;
    out[at + FORM_PLAIN] = z;
    out[at + FORM_NAN_LEFT] = z;
    out[at + FORM_NAN_RIGHT] = z;
    out[at + FORM_ZERO_LEFT] = z === 0 ? -Infinity : z;
    out[at + FORM_ZERO_RIGHT] = z === 0 ? NaN : z;
  }
}
