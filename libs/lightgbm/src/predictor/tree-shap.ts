import type { CompiledModel } from './compiled-model';
import { decide } from './decision';

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
  private row: ArrayLike<number> = [];
  private phi: Float64Array = new Float64Array(0);
  private phiBase = 0;

  constructor(private readonly model: CompiledModel) {
    const capacity = model.shapPathCapacity;
    this.feature = new Int32Array(capacity);
    this.zero = new Float64Array(capacity);
    this.one = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
  }

  /**
   * Writes contributions of one row into `out` with LightGBM's predict_contrib layout: for each raw-score slot
   * k (class), `numFeatures` contributions followed by the expected value (bias), i.e.
   * `out[k * (numFeatures + 1) + f]`. `out` must hold numTreePerIteration * (numFeatures + 1) values.
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array): void {
    const model = this.model;
    const stride = model.numFeatures + 1;
    out.fill(0, 0, model.numTreePerIteration * stride);
    this.row = row;
    this.phi = out;
    for (let t = 0; t < model.numTrees; t++) {
      this.phiBase = (model.treeClass[t] as number) * stride;
      const bias = this.phiBase + model.numFeatures;
      out[bias] = (out[bias] as number) + (model.treeExpectedValue[t] as number);
      const root = model.treeRoot[t] as number;
      if (root >= 0) this.recurse(root, 0, 0, 1, 1, -1);
    }
    this.row = [];
  }

  private recurse(
    node: number,
    uniqueDepthIn: number,
    parentOffset: number,
    parentZeroFraction: number,
    parentOneFraction: number,
    parentFeatureIndex: number,
  ): void {
    const { feature, zero, one, weight, model } = this;
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
    this.extendPath(path, uniqueDepth, parentZeroFraction, parentOneFraction, parentFeatureIndex);

    if (node < 0) {
      const leafValue = model.leafValue[~node] as number;
      for (let i = 1; i <= uniqueDepth; i++) {
        const w = this.unwoundPathSum(path, uniqueDepth, i);
        const el = path + i;
        const slot = this.phiBase + (feature[el] as number);
        this.phi[slot] = (this.phi[slot] as number) + w * ((one[el] as number) - (zero[el] as number)) * leafValue;
      }
      return;
    }

    const hot = decide(model, node, this.row);
    const left = model.nodeLeft[node] as number;
    const cold = hot === left ? (model.nodeRight[node] as number) : left;
    const w = model.nodeCount[node] as number;
    const hotZeroFraction = this.dataCount(hot) / w;
    const coldZeroFraction = this.dataCount(cold) / w;
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
      this.unwindPath(path, uniqueDepth, pathIndex);
      uniqueDepth -= 1;
    }

    this.recurse(hot, uniqueDepth + 1, path, hotZeroFraction * incomingZeroFraction, incomingOneFraction, splitFeature);
    this.recurse(cold, uniqueDepth + 1, path, coldZeroFraction * incomingZeroFraction, 0, splitFeature);
  }

  private dataCount(ref: number): number {
    return ref >= 0 ? (this.model.nodeCount[ref] as number) : (this.model.leafCount[~ref] as number);
  }

  private extendPath(path: number, uniqueDepth: number, zeroFraction: number, oneFraction: number, featureIndex: number): void {
    const { feature, zero, one, weight } = this;
    feature[path + uniqueDepth] = featureIndex;
    zero[path + uniqueDepth] = zeroFraction;
    one[path + uniqueDepth] = oneFraction;
    weight[path + uniqueDepth] = uniqueDepth === 0 ? 1 : 0;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      weight[path + i + 1] = (weight[path + i + 1] as number) + (oneFraction * (weight[path + i] as number) * (i + 1)) / (uniqueDepth + 1);
      weight[path + i] = (zeroFraction * (weight[path + i] as number) * (uniqueDepth - i)) / (uniqueDepth + 1);
    }
  }

  private unwindPath(path: number, uniqueDepth: number, pathIndex: number): void {
    const { feature, zero, one, weight } = this;
    const oneFraction = one[path + pathIndex] as number;
    const zeroFraction = zero[path + pathIndex] as number;
    let nextOnePortion = weight[path + uniqueDepth] as number;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = weight[path + i] as number;
        weight[path + i] = (nextOnePortion * (uniqueDepth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - ((weight[path + i] as number) * zeroFraction * (uniqueDepth - i)) / (uniqueDepth + 1);
      } else {
        weight[path + i] = ((weight[path + i] as number) * (uniqueDepth + 1)) / (zeroFraction * (uniqueDepth - i));
      }
    }
    for (let i = pathIndex; i < uniqueDepth; i++) {
      feature[path + i] = feature[path + i + 1] as number;
      zero[path + i] = zero[path + i + 1] as number;
      one[path + i] = one[path + i + 1] as number;
    }
  }

  private unwoundPathSum(path: number, uniqueDepth: number, pathIndex: number): number {
    const { zero, one, weight } = this;
    const oneFraction = one[path + pathIndex] as number;
    const zeroFraction = zero[path + pathIndex] as number;
    let nextOnePortion = weight[path + uniqueDepth] as number;
    let total = 0;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = (nextOnePortion * (uniqueDepth + 1)) / ((i + 1) * oneFraction);
        total += tmp;
        nextOnePortion = (weight[path + i] as number) - tmp * zeroFraction * ((uniqueDepth - i) / (uniqueDepth + 1));
      } else {
        total += (weight[path + i] as number) / zeroFraction / ((uniqueDepth - i) / (uniqueDepth + 1));
      }
    }
    return total;
  }
}
