/** One feature's share of a prediction, from TreeSHAP contributions. */
export interface Factor {
  readonly featureIndex: number;
  /** The model's feature name, or LightGBM's default `Column_<i>` when no names were given. */
  readonly feature: string;
  /** Contribution to the raw score (log-odds / softmax logit) of the class; positive pushes the class up. */
  readonly contribution: number;
}

/** Where the contributions of one class sit in a predict_contrib vector. */
export interface TopFactorsOptions {
  /** Features per class block; the block is `numFeatures` contributions then the bias. @default contribs.length - 1 */
  readonly numFeatures?: number;
  /** Which class block to read. @default 0 */
  readonly classIndex?: number;
  readonly featureNames?: readonly string[];
}

/**
 * The `k` features with the largest absolute contribution for one class, largest first (ties: lower feature
 * index first). Features contributing exactly 0 are never factors. The bias is not a feature and is skipped.
 * Runs in O(numFeatures · k) with no allocation beyond the result.
 */
export function topFactors(contribs: ArrayLike<number>, k: number, options: TopFactorsOptions = {}): Factor[] {
  const numFeatures = options.numFeatures ?? contribs.length - 1;
  const classIndex = options.classIndex ?? 0;
  const base = classIndex * (numFeatures + 1);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topFactors: k must be a non-negative integer, got ${k}`);
  if (base < 0 || base + numFeatures + 1 > contribs.length) {
    throw new RangeError(
      `topFactors: class ${classIndex} with ${numFeatures} features needs ${base + numFeatures + 1} values, got ${contribs.length}`,
    );
  }
  // Insertion into a sorted list of at most k indices: k is small (5) and numFeatures moderate.
  const chosen: number[] = [];
  for (let f = 0; f < numFeatures; f++) {
    const magnitude = Math.abs(contribs[base + f] as number);
    if (!(magnitude > 0)) continue;
    let pos = chosen.length;
    while (pos > 0 && Math.abs(contribs[base + (chosen[pos - 1] as number)] as number) < magnitude) pos--;
    if (pos >= k) continue;
    chosen.splice(pos, 0, f);
    if (chosen.length > k) chosen.pop();
  }
  return chosen.map((f) => ({
    featureIndex: f,
    feature: options.featureNames?.[f] ?? `Column_${f}`,
    contribution: contribs[base + f] as number,
  }));
}
