import { NUM_CLASSES } from '../labels';

/**
 * The late-side contribution of every feature from LightGBM's per-class SHAP values (predict_contrib layout: per
 * class, the features then the bias): (φ_LATE + φ_VERY_LATE − 2 φ_ON_TIME) / 3, i.e. each feature's share of minus
 * the centred on-time logit. Softmax logits are defined up to a common constant; centring removes it, and SHAP
 * values are linear in the model output, so these add up (with the bias) to the row's late-side score exactly.
 * Positive pushes towards late.
 */
export function lateSideContributions(contributions: ArrayLike<number>, numFeatures: number, out: Float64Array = new Float64Array(numFeatures + 1)): Float64Array {
  const block = numFeatures + 1;
  if (contributions.length !== NUM_CLASSES * block) throw new RangeError(`lateSideContributions: ${contributions.length} values for ${numFeatures} features and ${NUM_CLASSES} classes`);
  for (let f = 0; f < block; f++) {
    out[f] = ((contributions[block + f] as number) + (contributions[2 * block + f] as number) - 2 * (contributions[f] as number)) / 3;
  }
  return out;
}
