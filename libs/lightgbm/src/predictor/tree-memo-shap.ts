import type { CompiledModel } from './compiled-model';
import { decide } from './decision';
import { predictRawInto } from './evaluate';
import type { ShapMemoStats } from './shap-memo';
import type { TreeShap } from './tree-shap';

/** A tree's pattern has one bit per internal node; trees with more nodes than an int32 key holds go direct. */
const MAX_PATTERN_NODES = 30;

/** Bytes a stored addition takes: its feature (int32) and its value (double). */
const ADDITION_BYTES = 12;

/** Bytes counted per memo entry beside its additions (the Map entry and the slab header). */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Exact TreeSHAP through a memo of whole trees. In LightGBM's recursion every addition a tree makes to the output
 * (phi[f] += term, leaf after leaf, hot child first) is a pure function of the tree and of the hot/cold decision the
 * row takes at each of its internal nodes, its *pattern* (one bit per node). The memo stores that ordered list of
 * additions under (tree, pattern), computed by the direct recursion itself, and replays it into the output in the
 * same order: the same additions of the same doubles in the same order, so the result is bit-identical to
 * {@link TreeShap}, and so to LightGBM.
 *
 * Cost per tree and row: one decision per internal node and one Map lookup, then the additions, instead of the
 * recursion's O(leaves · depth²) arithmetic; it pays for shallow trees whose patterns recur across rows (rows of one
 * customer, or the same invoice from one day to the next). Memory: a slab of additions allocated once within the
 * byte budget, plus the Map entries (counted in the budget at {@link ENTRY_OVERHEAD_BYTES} each); when full it is
 * emptied (cheap; the working set refills it).
 */
export class TreeMemoShap {
  /** Per tree: its internal nodes (global indices) from treeNodeStart[t] to treeNodeStart[t + 1]. */
  private readonly treeNodes: Int32Array;
  private readonly treeNodeStart: Int32Array;
  private readonly memo: Map<number, number>[];
  private readonly feature: Int32Array;
  private readonly value: Float64Array;
  private readonly capacityEntries: number;
  private used = 0;
  private entries = 0;
  private hits = 0;
  private misses = 0;
  private clears = 0;

  constructor(
    private readonly model: CompiledModel,
    private readonly shap: TreeShap,
    budgetBytes: number,
  ) {
    const nodes: number[] = [];
    const start = new Int32Array(model.numTrees + 1);
    for (let t = 0; t < model.numTrees; t++) {
      start[t] = nodes.length;
      const stack = [model.treeRoot[t] as number];
      while (stack.length > 0) {
        const node = stack.pop() as number;
        if (node < 0) continue;
        nodes.push(node);
        stack.push(model.nodeRight[node] as number, model.nodeLeft[node] as number);
      }
    }
    start[model.numTrees] = nodes.length;
    this.treeNodes = Int32Array.from(nodes);
    this.treeNodeStart = start;
    this.memo = Array.from({ length: model.numTrees }, () => new Map<number, number>());
    const slots = Math.max(0, Math.floor(budgetBytes / ADDITION_BYTES));
    this.feature = new Int32Array(slots);
    this.value = new Float64Array(slots);
    this.capacityEntries = Math.floor(budgetBytes / (ENTRY_OVERHEAD_BYTES + ADDITION_BYTES));
  }

  /**
   * Contributions of one row into `out` (predict_contrib layout), bit-identical to TreeShap.contributionsInto; with
   * `raw`, the row's raw scores too (as predictRawInto).
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array, raw: Float64Array | null): void {
    const model = this.model;
    if (raw !== null) predictRawInto(model, row, raw);
    const stride = model.numFeatures + 1;
    out.fill(0, 0, model.numTreePerIteration * stride);
    for (let t = 0; t < model.numTrees; t++) {
      const from = this.treeNodeStart[t] as number;
      const to = this.treeNodeStart[t + 1] as number;
      if (to === from || to - from > MAX_PATTERN_NODES) {
        this.shap.treeInto(t, row, out);
        continue;
      }
      let pattern = 1;
      for (let i = from; i < to; i++) {
        const node = this.treeNodes[i] as number;
        pattern = (pattern << 1) | (decide(model, node, row) === (model.nodeLeft[node] as number) ? 0 : 1);
      }
      const base = (model.treeClass[t] as number) * stride;
      const bias = base + model.numFeatures;
      let at = this.memo[t]?.get(pattern);
      if (at === undefined) {
        this.misses++;
        at = this.record(t, pattern, row, base);
        if (at < 0) {
          // Not storable (an empty memo cannot hold this tree's additions): direct.
          this.shap.treeInto(t, row, out);
          continue;
        }
      } else {
        this.hits++;
      }
      out[bias] = (out[bias] as number) + (model.treeExpectedValue[t] as number);
      const count = this.feature[at] as number;
      const feature = this.feature;
      const value = this.value;
      for (let k = at + 1; k <= at + count; k++) {
        const slot = base + (feature[k] as number);
        out[slot] = (out[slot] as number) + (value[k] as number);
      }
    }
  }

  stats(): ShapMemoStats {
    return { hits: this.hits, misses: this.misses, clears: this.clears, entries: this.entries, bytes: this.feature.byteLength + this.value.byteLength };
  }

  /**
   * Records tree `t`'s additions for `row` (the direct recursion's, in order) under `pattern`; returns the entry's
   * offset, or -1 when even an empty memo cannot hold them. Emptied first when full.
   */
  private record(t: number, pattern: number, row: ArrayLike<number>, base: number): number {
    const log = this.shap.treeAdditions(t, row);
    const count = log.length;
    if (count + 1 > this.feature.length) return -1;
    if (this.used + count + 1 > this.feature.length || this.entries >= this.capacityEntries) {
      for (const m of this.memo) m.clear();
      this.used = 0;
      this.entries = 0;
      this.clears++;
    }
    const at = this.used;
    this.feature[at] = count;
    for (let k = 0; k < count; k++) {
      this.feature[at + 1 + k] = log.slot(k) - base;
      this.value[at + 1 + k] = log.value(k);
    }
    this.used += count + 1;
    this.entries++;
    this.memo[t]?.set(pattern, at);
    return at;
  }
}
