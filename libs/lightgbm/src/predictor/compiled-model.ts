import type { OutputTransform, ParsedModel } from './model-text';

/**
 * All trees of a model flattened into typed arrays, so that prediction walks contiguous memory and allocates
 * nothing. Node and leaf indices are global across trees. A child reference `c` is a node when `c >= 0` and
 * the leaf `~c` otherwise, exactly like LightGBM's left_child/right_child but with global indices.
 */
export interface CompiledModel {
  /** Columns a row must have: max_feature_idx + 1. */
  readonly numFeatures: number;
  /** Outputs per row of predict: num_class (1 for binary and regression). */
  readonly numClass: number;
  /** Raw scores per row, and contribution blocks per row: num_tree_per_iteration. */
  readonly numTreePerIteration: number;
  readonly featureNames: readonly string[];
  readonly objective: string;
  readonly transform: OutputTransform;
  readonly numTrees: number;
  /** Root reference of each tree (a leaf reference for one-leaf trees). */
  readonly treeRoot: Int32Array;
  /** Raw-score slot (class) each tree adds to: tree index modulo num_tree_per_iteration. */
  readonly treeClass: Int32Array;
  /** LightGBM's Tree::ExpectedValue(), computed in the same order so the bias matches bit for bit. */
  readonly treeExpectedValue: Float64Array;
  /** Depth of each tree's deepest leaf (root = 0); sizes the TreeSHAP path buffer. */
  readonly treeMaxDepth: Int32Array;
  readonly nodeFeature: Int32Array;
  readonly nodeThreshold: Float64Array;
  /** LightGBM decision_type: bit 0 categorical, bit 1 default-left, bits 2-3 missing type (0 None, 1 Zero, 2 NaN). */
  readonly nodeDecision: Uint8Array;
  readonly nodeLeft: Int32Array;
  readonly nodeRight: Int32Array;
  /** internal_count, as doubles so TreeSHAP divides without conversions. */
  readonly nodeCount: Float64Array;
  /** For categorical nodes: start (into catBits) and length in 32-bit words of the category bitset. */
  readonly nodeCatStart: Int32Array;
  readonly nodeCatWords: Int32Array;
  readonly catBits: Uint32Array;
  readonly leafValue: Float64Array;
  readonly leafCount: Float64Array;
  /** Largest TreeSHAP path buffer any tree needs: (d+1)(d+2)/2 for the deepest tree's depth d. */
  readonly shapPathCapacity: number;
}

/** Flattens a parsed model. Pure; done once per model load. */
export function compileModel(model: ParsedModel): CompiledModel {
  const numTrees = model.trees.length;
  let totalNodes = 0;
  let totalLeaves = 0;
  let totalCatWords = 0;
  for (const tree of model.trees) {
    totalNodes += tree.numLeaves - 1;
    totalLeaves += tree.numLeaves;
    totalCatWords += tree.catThreshold.length;
  }
  const treeRoot = new Int32Array(numTrees);
  const treeClass = new Int32Array(numTrees);
  const treeExpectedValue = new Float64Array(numTrees);
  const treeMaxDepth = new Int32Array(numTrees);
  const nodeFeature = new Int32Array(totalNodes);
  const nodeThreshold = new Float64Array(totalNodes);
  const nodeDecision = new Uint8Array(totalNodes);
  const nodeLeft = new Int32Array(totalNodes);
  const nodeRight = new Int32Array(totalNodes);
  const nodeCount = new Float64Array(totalNodes);
  const nodeCatStart = new Int32Array(totalNodes);
  const nodeCatWords = new Int32Array(totalNodes);
  const catBits = new Uint32Array(totalCatWords);
  const leafValue = new Float64Array(totalLeaves);
  const leafCount = new Float64Array(totalLeaves);

  let nodeBase = 0;
  let leafBase = 0;
  let catBase = 0;
  let deepest = 0;
  model.trees.forEach((tree, t) => {
    const inner = tree.numLeaves - 1;
    const globalChild = (child: number): number => (child >= 0 ? nodeBase + child : ~(leafBase + ~child));
    treeClass[t] = t % model.numTreePerIteration;
    treeRoot[t] = inner === 0 ? ~leafBase : nodeBase;
    treeExpectedValue[t] = expectedValue(tree.numLeaves, tree.leafValue, tree.leafCount, tree.internalCount);
    leafValue.set(tree.leafValue, leafBase);
    leafCount.set(tree.leafCount, leafBase);
    catBits.set(tree.catThreshold, catBase);
    for (let n = 0; n < inner; n++) {
      const g = nodeBase + n;
      nodeFeature[g] = tree.splitFeature[n] as number;
      nodeThreshold[g] = tree.threshold[n] as number;
      nodeDecision[g] = tree.decisionType[n] as number;
      nodeLeft[g] = globalChild(tree.leftChild[n] as number);
      nodeRight[g] = globalChild(tree.rightChild[n] as number);
      nodeCount[g] = tree.internalCount[n] as number;
      if ((tree.decisionType[n] as number) & 1) {
        // LightGBM: cat_idx = static_cast<int>(threshold); the bitset is cat_threshold[boundaries[i]..boundaries[i+1]).
        const catIdx = Math.trunc(tree.threshold[n] as number);
        const from = tree.catBoundaries[catIdx] as number;
        nodeCatStart[g] = catBase + from;
        nodeCatWords[g] = (tree.catBoundaries[catIdx + 1] as number) - from;
      }
    }
    const depth = inner === 0 ? 0 : maxDepth(tree.leftChild, tree.rightChild);
    treeMaxDepth[t] = depth;
    deepest = Math.max(deepest, depth);
    nodeBase += inner;
    leafBase += tree.numLeaves;
    catBase += tree.catThreshold.length;
  });

  return {
    numFeatures: model.maxFeatureIdx + 1,
    numClass: model.numClass,
    numTreePerIteration: model.numTreePerIteration,
    featureNames: model.featureNames,
    objective: model.objective,
    transform: model.transform,
    numTrees,
    treeRoot,
    treeClass,
    treeExpectedValue,
    treeMaxDepth,
    nodeFeature,
    nodeThreshold,
    nodeDecision,
    nodeLeft,
    nodeRight,
    nodeCount,
    nodeCatStart,
    nodeCatWords,
    catBits,
    leafValue,
    leafCount,
    shapPathCapacity: ((deepest + 1) * (deepest + 2)) / 2,
  };
}

/** Tree::ExpectedValue(): Σ (leaf_count / internal_count[0]) · leaf_value, in leaf order. */
function expectedValue(numLeaves: number, leafValue: Float64Array, leafCount: Float64Array, internalCount: Float64Array): number {
  if (numLeaves === 1) return leafValue[0] as number;
  const total = internalCount[0] as number;
  let sum = 0;
  for (let i = 0; i < numLeaves; i++) sum += ((leafCount[i] as number) / total) * (leafValue[i] as number);
  return sum;
}

/** Depth of the deepest leaf, iteratively (trees can be deep enough to make recursion a poor fit). */
function maxDepth(left: Int32Array, right: Int32Array): number {
  let deepest = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const node = stack.pop() as number;
    if (node < 0) {
      deepest = Math.max(deepest, depth);
      continue;
    }
    stack.push(left[node] as number, depth + 1, right[node] as number, depth + 1);
  }
  return deepest;
}
