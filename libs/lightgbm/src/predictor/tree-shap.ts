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
  /** Set while {@link treeAdditions} records instead of adding; `recording` is its reused log. */
  private log: AdditionLog | null = null;
  private recording: AdditionLog | null = null;

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
    this.recurse(root, 0, 0, 1, 1, -1);
  }

  /**
   * The additions tree `t`'s recursion makes to the output for `row` (the leaf terms, in order, with their output
   * slots), without making them; the bias is not among them. The log is reused by the next call.
   */
  treeAdditions(t: number, row: ArrayLike<number>): AdditionLog {
    const log = (this.recording ??= new AdditionLog());
    log.clear();
    const root = this.model.treeRoot[t] as number;
    if (root < 0) return log;
    this.phiBase = (this.model.treeClass[t] as number) * (this.model.numFeatures + 1);
    this.row = row;
    this.log = log;
    try {
      this.recurse(root, 0, 0, 1, 1, -1);
    } finally {
      this.log = null;
    }
    return log;
  }

  private recurse(
    node: number,
    uniqueDepthIn: number,
    parentOffset: number,
    parentZeroFraction: number,
    parentOneFraction: number,
    parentFeatureIndex: number,
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
      const phiBase = this.phiBase;
      const log = this.log;
      if (log !== null) {
        for (let i = 1; i <= uniqueDepth; i++) log.push(phiBase + (feature[path + i] as number), terms[i - 1] as number);
        return;
      }
      const phi = this.phi;
      for (let i = 1; i <= uniqueDepth; i++) {
        const slot = phiBase + (feature[path + i] as number);
        phi[slot] = (phi[slot] as number) + (terms[i - 1] as number);
      }
      return;
    }

    const hot = decide(model, node, this.row);
    const left = model.nodeLeft[node] as number;
    const cold = hot === left ? (model.nodeRight[node] as number) : left;
    const w = model.nodeCount[node] as number;
    const hotZeroFraction = (hot >= 0 ? (model.nodeCount[hot] as number) : (model.leafCount[~hot] as number)) / w;
    const coldZeroFraction = (cold >= 0 ? (model.nodeCount[cold] as number) : (model.leafCount[~cold] as number)) / w;
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

    this.recurse(hot, uniqueDepth + 1, path, hotZeroFraction * incomingZeroFraction, incomingOneFraction, splitFeature);
    this.recurse(cold, uniqueDepth + 1, path, coldZeroFraction * incomingZeroFraction, 0, splitFeature);
  }
}

/** The (output slot, value) additions of one tree's recursion, in order; grows as needed and is reused. */
export class AdditionLog {
  private slots = new Int32Array(64);
  private values = new Float64Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(slot: number, value: number): void {
    if (this.length === this.slots.length) {
      const slots = new Int32Array(2 * this.length);
      slots.set(this.slots);
      const values = new Float64Array(2 * this.length);
      values.set(this.values);
      this.slots = slots;
      this.values = values;
    }
    this.slots[this.length] = slot;
    this.values[this.length] = value;
    this.length++;
  }

  slot(k: number): number {
    return this.slots[k] as number;
  }

  value(k: number): number {
    return this.values[k] as number;
  }
}
