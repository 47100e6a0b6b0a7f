import type { CompiledModel } from './compiled-model';
import { decide, decisionForm, DECISION_FORMS, fillDecisionForms } from './decision';
import type { LeafTermsSink, TreeShap } from './tree-shap';

/**
 * Deepest tree that gets tables: a leaf at depth d has 2^d patterns, so its table grows as 2^d · d doubles and the
 * precomputation as 2^d · d²; 8 keeps the worst tree (255 leaves) at 4 MiB. Deeper trees are explained directly.
 */
export const MAX_TABLE_DEPTH = 8;

/** What the tables hold: how many trees they explain, how many go to the direct recursion, and their bytes. */
export interface ShapTableStats {
  /** Trees with more than one leaf explained from the tables. */
  readonly tabledTrees: number;
  /** Trees with more than one leaf explained by the direct recursion (deeper than MAX_TABLE_DEPTH, or over budget). */
  readonly directTrees: number;
  /** Bytes of the tables' term values. */
  readonly bytes: number;
}

/**
 * Exact TreeSHAP from precomputed leaf tables (the idea of Fast TreeSHAP v2, Yang 2021, arXiv:2109.09847: trade
 * memory for the per-row path arithmetic of shallow trees), bit-identical to {@link TreeShap} and so to LightGBM.
 *
 * Why it is exact. LightGBM's recursion (Tree::TreeSHAP) walks the tree depth first, the row's (hot) child before
 * the other (cold) one, and at every leaf adds one term per element of the unique path, phi[f] += term, in path
 * order. A leaf's terms are a pure function of the leaf and of one bit per ancestor, whether the path follows the
 * row's child there (the fractions extended into the path are the child's cover share and 1 or 0; the rest is the
 * tree's shape). So for every leaf and every one of its 2^depth patterns the table holds the very doubles the
 * recursion computes, made by the recursion's own operations (extendPath, unwindPath, leafTerms in `shap-path.ts`,
 * visiting each child once as hot and once as cold). Explaining a row then walks each tree depth first, hot child
 * first, exactly like the recursion, and at each leaf adds the table's terms for the pattern of hot/cold bits it
 * came down by: every output slot receives the same doubles in the same order, so floating-point rounding is the
 * same to the last bit. Only the arithmetic is gone: per tree one comparison per internal node and one addition per
 * term, instead of O(leaves · depth²) multiplications and divisions.
 *
 * The same walk yields the prediction: its first leaf is the leaf the row falls into, and trees are visited in
 * model order, so raw scores are summed as predictRawInto sums them.
 *
 * Memory: one Float64Array of terms, Σ over tabled leaves of 2^depth · (unique path length) doubles (about 2 MB for
 * 400 trees of 16 leaves), filled once when built. Trees are tabled in model order while they fit the byte budget;
 * the others, and trees deeper than {@link MAX_TABLE_DEPTH}, go to the direct recursion.
 */
export class TableTreeShap {
  /** 1 when tree t is explained from the tables. */
  private readonly tabled: Uint8Array;
  /** Per global leaf: where its patterns' terms start in `values` (pattern p at leafValueStart + p · leafTermCount). */
  private readonly leafValueStart: Int32Array;
  /** Per global leaf: its unique path length, the number of terms it adds. */
  private readonly leafTermCount: Int32Array;
  /** Per global leaf: where its terms' features (the same for every pattern) start in `termFeature`. */
  private readonly leafFeatureStart: Int32Array;
  private readonly termFeature: Int32Array;
  private readonly values: Float64Array;
  /** Per global node: feature · DECISION_FORMS + its decisionForm, or -1 when it needs decide(). */
  private readonly nodeFormAt: Int32Array;
  /** The row's decision forms (fillDecisionForms), refilled per row. */
  private readonly forms: Float64Array;
  /** The walk's pending cold children and their patterns. */
  private readonly stackNode: Int32Array;
  private readonly stackPattern: Int32Array;
  private readonly tabledTrees: number;
  private readonly directTrees: number;

  constructor(
    private readonly model: CompiledModel,
    private readonly direct: TreeShap,
    budgetBytes: number,
  ) {
    const numLeaves = model.leafValue.length;
    this.leafValueStart = new Int32Array(numLeaves);
    this.leafTermCount = new Int32Array(numLeaves);
    this.leafFeatureStart = new Int32Array(numLeaves);
    this.tabled = new Uint8Array(model.numTrees);

    // Sizes first: a leaf's unique path length (UnwindPath drops a repeated feature, the child appends it again)
    // depends only on the tree's shape.
    let budget = Math.floor(budgetBytes / 8);
    let used = 0;
    let terms = 0;
    let tabledTrees = 0;
    let directTrees = 0;
    let deepest = 0;
    for (let t = 0; t < model.numTrees; t++) {
      const root = model.treeRoot[t] as number;
      if (root < 0) continue;
      const depth = model.treeMaxDepth[t] as number;
      const leaves = depth <= MAX_TABLE_DEPTH ? leafPaths(model, root) : [];
      const size = depth <= MAX_TABLE_DEPTH ? leaves.reduce((sum, l) => sum + 2 ** l.depth * l.count, 0) : Infinity;
      if (size > budget) {
        directTrees++;
        continue;
      }
      budget -= size;
      this.tabled[t] = 1;
      tabledTrees++;
      deepest = Math.max(deepest, depth);
      for (const { leaf, depth: leafDepth, count } of leaves) {
        this.leafTermCount[leaf] = count;
        this.leafFeatureStart[leaf] = terms;
        this.leafValueStart[leaf] = used;
        terms += count;
        used += 2 ** leafDepth * count;
      }
    }
    this.termFeature = new Int32Array(terms);
    this.values = new Float64Array(used);
    this.tabledTrees = tabledTrees;
    this.directTrees = directTrees;

    this.nodeFormAt = new Int32Array(model.nodeFeature.length);
    for (let n = 0; n < this.nodeFormAt.length; n++) {
      const form = decisionForm(model, n);
      this.nodeFormAt[n] = form < 0 ? -1 : (model.nodeFeature[n] as number) * DECISION_FORMS + form;
    }
    this.forms = new Float64Array(model.numFeatures * DECISION_FORMS);
    this.stackNode = new Int32Array(deepest + 1);
    this.stackPattern = new Int32Array(deepest + 1);

    // Filled by the recursion itself, so the table's doubles are the recursion's (see TreeShap.tabulate).
    const { leafValueStart, leafTermCount, leafFeatureStart, termFeature, values } = this;
    // The first pattern reaching a leaf (0: every ancestor hot) also lays out its terms' features.
    const sink: LeafTermsSink = (leaf, pattern, leafTerms, feature, featureAt, count) => {
      if (pattern === 0) termFeature.set(feature.subarray(featureAt, featureAt + count), leafFeatureStart[leaf] as number);
      values.set(leafTerms.subarray(0, count), (leafValueStart[leaf] as number) + pattern * (leafTermCount[leaf] as number));
    };
    for (let t = 0; t < model.numTrees; t++) if (this.tabled[t] === 1) direct.tabulate(t, sink);
  }

  stats(): ShapTableStats {
    return { tabledTrees: this.tabledTrees, directTrees: this.directTrees, bytes: this.values.byteLength };
  }

  /**
   * Contributions of `row` into `out` (predict_contrib layout), bit-identical to TreeShap.contributionsInto; with
   * `raw`, the row's raw scores into `raw[0..numTreePerIteration)`, bit-identical to predictRawInto.
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array, raw: Float64Array | null): void {
    const model = this.model;
    const numFeatures = model.numFeatures;
    const stride = numFeatures + 1;
    out.fill(0, 0, model.numTreePerIteration * stride);
    if (raw !== null) raw.fill(0, 0, model.numTreePerIteration);
    const forms = this.forms;
    fillDecisionForms(row, numFeatures, forms);
    const { treeRoot, treeClass, treeExpectedValue, nodeLeft, nodeRight, nodeThreshold, leafValue } = model;
    const { tabled, nodeFormAt, stackNode, stackPattern, leafValueStart, leafTermCount, leafFeatureStart, termFeature, values } = this;
    for (let t = 0; t < model.numTrees; t++) {
      const cls = treeClass[t] as number;
      const base = cls * stride;
      let node = treeRoot[t] as number;
      if (tabled[t] === 0) {
        // Also adds the expected value, and is all a one-leaf tree adds.
        this.direct.treeInto(t, row, out);
        if (raw !== null) {
          while (node >= 0) node = decide(model, node, row);
          raw[cls] = (raw[cls] as number) + (leafValue[~node] as number);
        }
        continue;
      }
      out[base + numFeatures] = (out[base + numFeatures] as number) + (treeExpectedValue[t] as number);
      // Depth first, hot child first: go down the hot child, keep the cold one (and its pattern) for later. A
      // child's pattern is its parent's with one more bit, 1 when the child is the cold one.
      let pattern = 0;
      let sp = 0;
      let first = raw !== null;
      for (;;) {
        if (node >= 0) {
          const at = nodeFormAt[node] as number;
          const right = at >= 0 ? !((forms[at] as number) <= (nodeThreshold[node] as number)) : decide(model, node, row) !== nodeLeft[node];
          const left = nodeLeft[node] as number;
          const rightChild = nodeRight[node] as number;
          stackNode[sp] = right ? left : rightChild;
          stackPattern[sp] = (pattern << 1) | 1;
          sp++;
          node = right ? rightChild : left;
          pattern <<= 1;
          continue;
        }
        const leaf = ~node;
        if (first) {
          first = false;
          (raw as Float64Array)[cls] = ((raw as Float64Array)[cls] as number) + (leafValue[leaf] as number);
        }
        const count = leafTermCount[leaf] as number;
        const from = (leafValueStart[leaf] as number) + pattern * count;
        const featureFrom = leafFeatureStart[leaf] as number;
        for (let j = 0; j < count; j++) {
          const slot = base + (termFeature[featureFrom + j] as number);
          out[slot] = (out[slot] as number) + (values[from + j] as number);
        }
        if (sp === 0) break;
        sp--;
        node = stackNode[sp] as number;
        pattern = stackPattern[sp] as number;
      }
    }
  }
}

/** Every leaf under `root` with its depth and unique path length (the number of terms it adds). */
function leafPaths(model: CompiledModel, root: number): { leaf: number; depth: number; count: number }[] {
  const leaves: { leaf: number; depth: number; count: number }[] = [];
  const walk = (node: number, depth: number, path: readonly number[]): void => {
    if (node < 0) {
      leaves.push({ leaf: ~node, depth, count: path.length });
      return;
    }
    const f = model.nodeFeature[node] as number;
    const next = [...path.filter((p) => p !== f), f];
    walk(model.nodeLeft[node] as number, depth + 1, next);
    walk(model.nodeRight[node] as number, depth + 1, next);
  };
  walk(root, 0, []);
  return leaves;
}
