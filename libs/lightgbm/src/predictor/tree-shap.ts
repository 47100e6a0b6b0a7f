import type { CompiledModel } from './compiled-model';
import { decide } from './decision';
import { createShapPath, extendPath, leafTerms, unwindPath } from './shap-path';

/**
 * Exact TreeSHAP (Lundberg et al., arXiv:1706.06060), a line-by-line port of LightGBM's Tree::TreeSHAP,
 * ExtendPath, UnwindPath and UnwoundPathSum (src/io/tree.cpp), including the order of floating-point operations,
 * so that contributions match LGBM_BoosterPredictForMat(C_API_PREDICT_CONTRIB) to the last bits.
 *
 * LightGBM keeps an array of PathElement {feature_index, zero_fraction, one_fraction, pweight}; here it is four
 * parallel typed arrays, allocated once per model and reused for every row (the recursion at depth d works on
 * the slice starting at parent offset + unique depth, as in the C++ code).
 */
export class TreeShap {
  private readonly feature: Int32Array;
  private readonly zero: Float64Array;
  private readonly one: Float64Array;
  private readonly weight: Float64Array;
  /** A leaf's terms and the scratch of {@link leafTerms}; a path has at most maxDepth + 1 elements. */
  private readonly terms: Float64Array;
  private readonly scratch: Float64Array;
  private row: ArrayLike<number> = new Float64Array(0);
  private phi: Float64Array = new Float64Array(0);
  private phiBase = 0;
  /** Set while {@link tabulate} runs: where the recursion hands each leaf's terms instead of adding them. */
  private sink: LeafTermsSink | null = null;

  constructor(private readonly model: CompiledModel) {
    const path = createShapPath(model.shapPathCapacity);
    this.feature = path.feature;
    this.zero = path.zero;
    this.one = path.one;
    this.weight = path.weight;
    let deepest = 0;
    for (let t = 0; t < model.numTrees; t++) deepest = Math.max(deepest, model.treeMaxDepth[t] as number);
    this.terms = new Float64Array(deepest + 1);
    this.scratch = new Float64Array(2 * (deepest + 1));
  }

  /**
   * Writes contributions of one row into `out` with LightGBM's predict_contrib layout: for each raw-score slot
   * k (class), `numFeatures` contributions followed by the expected value (bias), i.e.
   * `out[k * (numFeatures + 1) + f]`. `out` must hold numTreePerIteration * (numFeatures + 1) values.
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array): void {
    const model = this.model;
    out.fill(0, 0, model.numTreePerIteration * (model.numFeatures + 1));
    for (let t = 0; t < model.numTrees; t++) this.treeInto(t, row, out);
  }

  /** Adds tree `t`'s expected value and contributions for `row` to `out` (Tree::PredictContrib). */
  treeInto(t: number, row: ArrayLike<number>, out: Float64Array): void {
    const model = this.model;
    const stride = model.numFeatures + 1;
    this.phiBase = (model.treeClass[t] as number) * stride;
    const bias = this.phiBase + model.numFeatures;
    out[bias] = (out[bias] as number) + (model.treeExpectedValue[t] as number);
    const root = model.treeRoot[t] as number;
    if (root < 0) return;
    this.row = row;
    this.phi = out;
    this.recurse(root, 0, 0, 1, 1, -1, 0);
  }

  /**
   * Runs this recursion over tree `t` for every pattern at once: at each internal node it descends into each child
   * twice, as the row's (hot) child (one fraction = the incoming one) and as the other, cold, child (one fraction
   * 0), where the row-driven recursion descends into the hot child once and the cold one once. Every leaf is so
   * reached once per pattern of hot/cold bits of its ancestors (bit 1 = cold, the root's bit the most significant),
   * with the very path the row-driven recursion builds for a row of that pattern, and `sink` receives its terms
   * (computed, not added). Nothing else differs, so the terms are the doubles {@link treeInto} would add.
   */
  tabulate(t: number, sink: LeafTermsSink): void {
    const root = this.model.treeRoot[t] as number;
    if (root < 0) return;
    this.sink = sink;
    try {
      this.recurse(root, 0, 0, 1, 1, -1, 0);
    } finally {
      this.sink = null;
    }
  }

  private recurse(
    node: number,
    uniqueDepthIn: number,
    parentOffset: number,
    parentZeroFraction: number,
    parentOneFraction: number,
    parentFeatureIndex: number,
    pattern: number,
  ): void {
    const feature = this.feature;
    const zero = this.zero;
    const one = this.one;
    const weight = this.weight;
    const model = this.model;
    let uniqueDepth = uniqueDepthIn;
    // extend the unique path
    const path = parentOffset + uniqueDepth;
    // A plain loop: paths are short, and four copyWithin builtin calls per node cost more than the copy.
    for (let i = 0; i < uniqueDepth; i++) {
      feature[path + i] = feature[parentOffset + i] as number;
      zero[path + i] = zero[parentOffset + i] as number;
      one[path + i] = one[parentOffset + i] as number;
      weight[path + i] = weight[parentOffset + i] as number;
    }
    extendPath(feature, zero, one, weight, path, uniqueDepth, parentZeroFraction, parentOneFraction, parentFeatureIndex);

    if (node < 0) {
      const terms = this.terms;
      leafTerms(zero, one, weight, path, uniqueDepth, model.leafValue[~node] as number, terms, 0, this.scratch);
      if (this.sink !== null) {
        this.sink(~node, pattern, terms, feature, path + 1, uniqueDepth);
        return;
      }
      const phiBase = this.phiBase;
      const phi = this.phi;
      for (let i = 1; i <= uniqueDepth; i++) {
        const slot = phiBase + (feature[path + i] as number);
        phi[slot] = (phi[slot] as number) + (terms[i - 1] as number);
      }
      return;
    }

    const left = model.nodeLeft[node] as number;
    const right = model.nodeRight[node] as number;
    const w = model.nodeCount[node] as number;
    const leftZeroFraction = (left >= 0 ? (model.nodeCount[left] as number) : (model.leafCount[~left] as number)) / w;
    const rightZeroFraction = (right >= 0 ? (model.nodeCount[right] as number) : (model.leafCount[~right] as number)) / w;
    let incomingZeroFraction = 1;
    let incomingOneFraction = 1;

    // see if we have already split on this feature, if so we undo that split so we can redo it for this node
    const splitFeature = model.nodeFeature[node] as number;
    let pathIndex = 0;
    for (; pathIndex <= uniqueDepth; pathIndex++) {
      if (feature[path + pathIndex] === splitFeature) break;
    }
    if (pathIndex !== uniqueDepth + 1) {
      incomingZeroFraction = zero[path + pathIndex] as number;
      incomingOneFraction = one[path + pathIndex] as number;
      unwindPath(feature, zero, one, weight, path, uniqueDepth, pathIndex);
      uniqueDepth -= 1;
    }

    if (this.sink === null) {
      const hotIsLeft = decide(model, node, this.row) === left;
      const hotZeroFraction = hotIsLeft ? leftZeroFraction : rightZeroFraction;
      const coldZeroFraction = hotIsLeft ? rightZeroFraction : leftZeroFraction;
      this.recurse(hotIsLeft ? left : right, uniqueDepth + 1, path, hotZeroFraction * incomingZeroFraction, incomingOneFraction, splitFeature, 0);
      this.recurse(hotIsLeft ? right : left, uniqueDepth + 1, path, coldZeroFraction * incomingZeroFraction, 0, splitFeature, 0);
      return;
    }
    const hot = pattern << 1;
    const cold = hot | 1;
    this.recurse(left, uniqueDepth + 1, path, leftZeroFraction * incomingZeroFraction, incomingOneFraction, splitFeature, hot);
    this.recurse(left, uniqueDepth + 1, path, leftZeroFraction * incomingZeroFraction, 0, splitFeature, cold);
    this.recurse(right, uniqueDepth + 1, path, rightZeroFraction * incomingZeroFraction, incomingOneFraction, splitFeature, hot);
    this.recurse(right, uniqueDepth + 1, path, rightZeroFraction * incomingZeroFraction, 0, splitFeature, cold);
  }
}

/**
 * Receives, during {@link TreeShap.tabulate}, the terms of `leaf` for one pattern: `terms[0..count)`, whose features
 * are `feature[featureAt..featureAt + count)` (the unique path's elements, in the order the recursion adds them).
 */
export type LeafTermsSink = (leaf: number, pattern: number, terms: Float64Array, feature: Int32Array, featureAt: number, count: number) => void;
