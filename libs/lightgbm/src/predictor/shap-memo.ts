import type { CompiledModel } from './compiled-model';
import { decide } from './decision';
import { createShapPath, extendPath, leafTerms, unwindPath, type ShapPath } from './shap-path';
import type { TreeShap } from './tree-shap';

/**
 * Leaves deeper than this are keyed by more bits than an int holds; trees that have one are computed directly.
 * 30 keeps the key (a leading 1 and one bit per ancestor) below 2^31, an int32 and a V8 small integer.
 */
const MAX_MEMO_DEPTH = 30;

/** Bytes per table slot: leaf, pattern and offset, three int32s. */
const SLOT_BYTES = 12;

/** Counters of the memo since the predictor was built. */
export interface ShapMemoStats {
  /** Leaf lookups answered from the memo. */
  readonly hits: number;
  /** Leaf lookups that walked the leaf's path and stored its terms. */
  readonly misses: number;
  /** Times the memo was full and emptied. */
  readonly clears: number;
  /** Leaf entries held now. */
  readonly entries: number;
  /** Bytes the memo's arrays take (allocated once, at most the configured budget). */
  readonly bytes: number;
}

/**
 * Exact TreeSHAP through a memo of leaf terms. Why it is exact: in LightGBM's recursion the unique path that
 * reaches a leaf is built only from the tree's structure and, at each ancestor, whether the path follows the
 * row's (hot) child; the leaf then adds one term per path element, phi[f] += UnwoundPathSum · (one − zero) ·
 * leaf_value. So a leaf's terms are a pure function of (leaf, the hot/cold bits of its ancestors): the memo stores
 * them under that key, computed by the same floating-point operations as the recursion (walking that one path),
 * and replays them in the recursion's order (depth first, hot child first). Every addition into the output happens
 * in the same order with the same operands, so the result is bit-identical to {@link TreeShap}, and so to LightGBM.
 *
 * The walk also yields the prediction: the first leaf of the hot-first walk is the leaf the row falls into, so raw
 * scores come with the contributions without walking the trees twice.
 *
 * Memory: one open-addressing table (linear probing) and one slab of term values, allocated once within the byte
 * budget; when either is full the memo is emptied (cheap, and the working set refills it at once).
 */
export class MemoTreeShap {
  /** Per global leaf: where its term features start in termFeature, and how many (its unique path length). */
  private readonly leafTermStart: Int32Array;
  private readonly leafTermCount: Int32Array;
  /** The feature of each term, in the order the recursion adds them. */
  private readonly termFeature: Int32Array;
  private readonly memoDepthOk: Uint8Array;

  private readonly slotLeaf: Int32Array;
  private readonly slotPattern: Int32Array;
  private readonly slotOffset: Int32Array;
  private readonly mask: number;
  private readonly maxEntries: number;
  private readonly values: Float64Array;
  private used = 0;
  private entries = 0;
  private hits = 0;
  private misses = 0;
  private clears = 0;

  private readonly stackNode: Int32Array;
  private readonly stackKey: Int32Array;
  private readonly stackDepth: Int32Array;
  private readonly pathNodes: Int32Array;
  private readonly path: ShapPath;
  private readonly scratch: Float64Array;

  /** `bytes` must leave room for at least a few entries; {@link memoFits} says whether it does. */
  constructor(
    private readonly model: CompiledModel,
    private readonly direct: TreeShap,
    bytes: number,
  ) {
    const layout = termLayout(model);
    this.leafTermStart = layout.start;
    this.leafTermCount = layout.count;
    this.termFeature = layout.feature;
    this.memoDepthOk = new Uint8Array(model.numTrees);
    for (let t = 0; t < model.numTrees; t++) this.memoDepthOk[t] = (model.treeMaxDepth[t] as number) <= MAX_MEMO_DEPTH ? 1 : 0;

    const { capacity, slabValues } = memoLayout(bytes, layout.meanTerms);
    this.slotLeaf = new Int32Array(capacity);
    this.slotPattern = new Int32Array(capacity);
    this.slotOffset = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.maxEntries = capacity >>> 1;
    this.values = new Float64Array(slabValues);

    const depth = MAX_MEMO_DEPTH + 2;
    this.stackNode = new Int32Array(depth + 1);
    this.stackKey = new Int32Array(depth + 1);
    this.stackDepth = new Int32Array(depth + 1);
    this.pathNodes = new Int32Array(depth + 1);
    this.path = createShapPath(depth + 1);
    this.scratch = new Float64Array(2 * (depth + 1));
  }

  stats(): ShapMemoStats {
    return {
      hits: this.hits,
      misses: this.misses,
      clears: this.clears,
      entries: this.entries,
      bytes: this.slotLeaf.byteLength * 3 + this.values.byteLength,
    };
  }

  /**
   * Contributions of `row` into `out` (predict_contrib layout, as {@link TreeShap.contributionsInto}) and, when
   * `raw` is given, its raw scores into `raw[0..numTreePerIteration)`, summed like predictRawInto.
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array, raw: Float64Array | null): void {
    const model = this.model;
    const numFeatures = model.numFeatures;
    const stride = numFeatures + 1;
    out.fill(0, 0, model.numTreePerIteration * stride);
    if (raw !== null) raw.fill(0, 0, model.numTreePerIteration);
    const { treeRoot, treeClass, treeExpectedValue, nodeLeft, nodeRight, leafValue } = model;
    const { stackNode, stackKey, stackDepth, pathNodes, leafTermStart, leafTermCount, termFeature, memoDepthOk } = this;
    for (let t = 0; t < model.numTrees; t++) {
      const cls = treeClass[t] as number;
      const phiBase = cls * stride;
      out[phiBase + numFeatures] = (out[phiBase + numFeatures] as number) + (treeExpectedValue[t] as number);
      const root = treeRoot[t] as number;
      if (root < 0) {
        if (raw !== null) raw[cls] = (raw[cls] as number) + (leafValue[~root] as number);
        continue;
      }
      if (memoDepthOk[t] === 0) {
        this.direct.treeInto(t, row, out);
        if (raw !== null) {
          let node = root;
          while (node >= 0) node = decide(model, node, row);
          raw[cls] = (raw[cls] as number) + (leafValue[~node] as number);
        }
        continue;
      }
      // Depth first, hot child first, like the recursion: push the cold child, then the hot one on top of it.
      // A child's key is its parent's with one more bit: 1 when the child is the row's (hot) child.
      stackNode[0] = root;
      stackKey[0] = 1;
      stackDepth[0] = 0;
      let sp = 1;
      let first = true;
      while (sp > 0) {
        sp--;
        const node = stackNode[sp] as number;
        const key = stackKey[sp] as number;
        const depth = stackDepth[sp] as number;
        pathNodes[depth] = node;
        if (node >= 0) {
          const hot = decide(model, node, row);
          const left = nodeLeft[node] as number;
          stackNode[sp] = hot === left ? (nodeRight[node] as number) : left;
          stackKey[sp] = key << 1;
          stackDepth[sp] = depth + 1;
          sp++;
          stackNode[sp] = hot;
          stackKey[sp] = (key << 1) | 1;
          stackDepth[sp] = depth + 1;
          sp++;
          continue;
        }
        const leaf = ~node;
        if (first) {
          first = false;
          if (raw !== null) raw[cls] = (raw[cls] as number) + (leafValue[leaf] as number);
        }
        let offset = this.lookup(leaf, key);
        if (offset < 0) offset = this.fill(leaf, key, depth);
        const values = this.values;
        const start = leafTermStart[leaf] as number;
        const n = leafTermCount[leaf] as number;
        for (let j = 0; j < n; j++) {
          const slot = phiBase + (termFeature[start + j] as number);
          out[slot] = (out[slot] as number) + (values[offset + j] as number);
        }
      }
    }
  }

  /** Offset of the terms of (leaf, pattern) in the slab, or -1. */
  private lookup(leaf: number, pattern: number): number {
    const slotLeaf = this.slotLeaf;
    const tag = leaf + 1;
    let i = hash(leaf, pattern) & this.mask;
    for (;;) {
      const at = slotLeaf[i] as number;
      if (at === 0) break;
      if (at === tag && this.slotPattern[i] === pattern) {
        this.hits++;
        return this.slotOffset[i] as number;
      }
      i = (i + 1) & this.mask;
    }
    this.misses++;
    return -1;
  }

  /**
   * Computes the terms of `leaf` (at `depth`, ancestors in pathNodes, hot/cold bits in `pattern`) by walking its
   * path with the recursion's operations, stores them and returns their offset.
   */
  private fill(leaf: number, pattern: number, depth: number): number {
    const n = this.leafTermCount[leaf] as number;
    if (this.entries >= this.maxEntries || this.used + n > this.values.length) this.clear();
    const offset = this.used;
    this.used += n;
    this.entries++;
    let i = hash(leaf, pattern) & this.mask;
    while (this.slotLeaf[i] !== 0) i = (i + 1) & this.mask;
    this.slotLeaf[i] = leaf + 1;
    this.slotPattern[i] = pattern;
    this.slotOffset[i] = offset;

    const model = this.model;
    const { feature, zero, one, weight } = this.path;
    const pathNodes = this.pathNodes;
    let uniqueDepth = 0;
    let parentZero = 1;
    let parentOne = 1;
    let parentFeature = -1;
    for (let k = 0; k < depth; k++) {
      const node = pathNodes[k] as number;
      const child = pathNodes[k + 1] as number;
      extendPath(feature, zero, one, weight, 0, uniqueDepth, parentZero, parentOne, parentFeature);
      const childZeroFraction = (child >= 0 ? (model.nodeCount[child] as number) : (model.leafCount[~child] as number)) / (model.nodeCount[node] as number);
      let incomingZeroFraction = 1;
      let incomingOneFraction = 1;
      const splitFeature = model.nodeFeature[node] as number;
      let pathIndex = 0;
      for (; pathIndex <= uniqueDepth; pathIndex++) {
        if (feature[pathIndex] === splitFeature) break;
      }
      if (pathIndex !== uniqueDepth + 1) {
        incomingZeroFraction = zero[pathIndex] as number;
        incomingOneFraction = one[pathIndex] as number;
        unwindPath(feature, zero, one, weight, 0, uniqueDepth, pathIndex);
        uniqueDepth -= 1;
      }
      const isHot = (pattern >>> (depth - 1 - k)) & 1;
      parentZero = childZeroFraction * incomingZeroFraction;
      parentOne = isHot === 1 ? incomingOneFraction : 0;
      parentFeature = splitFeature;
      uniqueDepth += 1;
    }
    extendPath(feature, zero, one, weight, 0, uniqueDepth, parentZero, parentOne, parentFeature);
    leafTerms(zero, one, weight, 0, uniqueDepth, model.leafValue[leaf] as number, this.values, offset, this.scratch);
    return offset;
  }

  private clear(): void {
    this.slotLeaf.fill(0);
    this.used = 0;
    this.entries = 0;
    this.clears++;
  }
}

/** A 32-bit mix of (leaf, pattern) (murmur3's finaliser over both). */
function hash(leaf: number, pattern: number): number {
  let h = Math.imul(leaf, 0x9e3779b1) ^ pattern;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The smallest budget that holds a table of 64 slots and their terms: below it the memo is not worth having. */
export function minimumMemoBytes(model: CompiledModel): number {
  return memoBytesFor(64, termLayout(model).meanTerms);
}

function memoBytesFor(capacity: number, meanTerms: number): number {
  return capacity * SLOT_BYTES + Math.ceil((capacity / 2) * meanTerms) * 8;
}

/**
 * Table capacity (a power of two, at most half full) and slab size within `bytes`: the largest table whose
 * entries, at the model's mean number of terms per leaf, fit; the slab takes the rest of the budget.
 */
function memoLayout(bytes: number, meanTerms: number): { capacity: number; slabValues: number } {
  let capacity = 64;
  while (memoBytesFor(capacity * 2, meanTerms) <= bytes) capacity *= 2;
  return { capacity, slabValues: Math.max(0, Math.floor((bytes - capacity * SLOT_BYTES) / 8)) };
}

/**
 * For every leaf, the features of its unique path in the recursion's order (UnwindPath removes a repeated feature
 * and the child appends it again), which is the order its terms are added in; depends only on the tree's shape.
 */
function termLayout(model: CompiledModel): { start: Int32Array; count: Int32Array; feature: Int32Array; meanTerms: number } {
  const numLeaves = model.leafValue.length;
  const start = new Int32Array(numLeaves);
  const count = new Int32Array(numLeaves);
  const features: number[] = [];
  const walk = (node: number, path: readonly number[]): void => {
    if (node < 0) {
      start[~node] = features.length;
      count[~node] = path.length;
      features.push(...path);
      return;
    }
    const f = model.nodeFeature[node] as number;
    const next = [...path.filter((p) => p !== f), f];
    walk(model.nodeLeft[node] as number, next);
    walk(model.nodeRight[node] as number, next);
  };
  for (let t = 0; t < model.numTrees; t++) {
    const root = model.treeRoot[t] as number;
    // Deeper trees are computed directly (and the recursion here stays shallow).
    if (root >= 0 && (model.treeMaxDepth[t] as number) <= MAX_MEMO_DEPTH) walk(root, []);
  }
  return { start, count, feature: Int32Array.from(features), meanTerms: numLeaves === 0 ? 1 : Math.max(1, features.length / numLeaves) };
}
