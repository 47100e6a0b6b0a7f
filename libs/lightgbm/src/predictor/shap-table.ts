import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /**
   * Tabled trees whose leaves' first terms all go to one slot (the first feature of every leaf's unique path): the
   * walk sums those terms in a local.
   */
  readonly sharedFirstTermTrees: number;
}

/**
 * Rows the walk explains together ({@link TableTreeShap.contributionsBatchInto}): tree after tree, each row in turn,
 * so a tree's table terms (its leaves' entries for the patterns the rows give them) are read from memory once for
 * all of them instead of once per row.
 */
export const MAX_BATCH_ROWS = 8;

/** Spare output slots that padding terms (zeros) are added to, spread so that no one slot chains many additions. */
const SPARE_SLOTS = 64;

/** Stand-ins for the positions no leaf takes in a tree with leaves above its deepest level (see TableTreeShap). */
const NO_LEAF_KINDS = 16;

/**
 * Exact TreeSHAP from precomputed leaf tables (the idea of Fast TreeSHAP v2, Yang 2021, arXiv:2109.09847: trade
 * memory for the per-row path arithmetic of shallow trees), bit-identical to {@link TreeShap} and so to LightGBM.
 *
 * Why it is exact. LightGBM's recursion (Tree::TreeSHAP) walks the tree depth first, the row's (hot) child before
 * the other (cold) one, and at every leaf adds one term per element of the unique path, phi[f] += term, in path
 * order. A leaf's terms are a pure function of the leaf and of one bit per ancestor, whether the path follows the
 * row's child there (the fractions extended into the path are the child's cover share and 1 or 0; the rest is the
 * tree's shape). So for every leaf and every one of its 2^depth patterns the table holds the very doubles the
 * recursion computes, made by the recursion's own code (TreeShap.tabulate visits each child once as hot and once as
 * cold). Explaining a row adds, tree after tree, the table's terms of each leaf for the pattern the row gives it, in
 * the recursion's order: every output slot receives the same doubles in the same order, so floating-point rounding
 * is the same to the last bit. Only the arithmetic is gone: per tree one comparison per internal node and one
 * addition per term, instead of O(leaves · depth²) multiplications and divisions.
 *
 * The recursion's leaf order without a recursion: a leaf's rank in it is its pattern read as a binary number (root
 * bit first, 1 = cold), left-aligned to the tree's depth D. So the walk expands the tree level by level, each node
 * into (hot child, cold child), which lists the nodes of each level in that order; a leaf above level D stands for
 * itself and a no-leaf placeholder, so level D lists every leaf at its rank, with placeholders between. Placeholders
 * and the padding of shorter paths (every leaf adds as many terms as the longest path of any tabled tree) add zeros
 * to spare slots outside the output. So the walk has no data-dependent branches (it measured about twice as fast as
 * a depth-first walk with a stack).
 *
 * The walk's first leaf is the leaf the row falls into, and trees are visited in model order, so raw scores come
 * with it, summed as predictRawInto sums them.
 *
 * Memory: one Float64Array of terms, Σ over tabled leaves of 2^depth · (the longest unique path) doubles (about
 * 2.3 MB for 414 trees of up to 16 leaves), filled when built. Trees are tabled in model order while they fit the
 * byte budget; the others, and trees deeper than {@link MAX_TABLE_DEPTH}, go to the direct recursion, whose additions
 * land in the same accumulator in the same order.
 */
export class TableTreeShap {
  /** Explains rows (see {@link createWalk}). */
  private readonly walk: Walk;
  private readonly bytes: number;
  private readonly tabledTrees: number;
  private readonly directTrees: number;
  private readonly sharedFirstTermTrees: number;

  constructor(model: CompiledModel, direct: TreeShap, budgetBytes: number) {
    const numNodes = model.nodeFeature.length;
    const numLeaves = model.leafValue.length;
    const items = numNodes + numLeaves + NO_LEAF_KINDS;
    const noLeaf = numNodes + numLeaves;
    const outputSlots = model.numTreePerIteration * (model.numFeatures + 1);
    const tabled = new Uint8Array(model.numTrees);
    const child = new Int32Array(2 * items);
    const valueStart = new Int32Array(items);
    const slotStart = new Int32Array(items);
    const shift = new Int32Array(items).fill(30);
    for (let n = 0; n < numNodes; n++) {
      const left = model.nodeLeft[n] as number;
      const right = model.nodeRight[n] as number;
      child[2 * n] = left >= 0 ? left : numNodes + ~left;
      child[2 * n + 1] = right >= 0 ? right : numNodes + ~right;
    }
    for (let l = 0; l < numLeaves; l++) {
      child[2 * (numNodes + l)] = numNodes + l;
      child[2 * (numNodes + l) + 1] = noLeaf + (l % NO_LEAF_KINDS);
    }

    // Sizes first: a leaf's unique path length (UnwindPath drops a repeated feature, the child appends it again)
    // depends only on the tree's shape. Every leaf is padded to the longest path of any tree that can be tabled.
    const candidates: { t: number; leaves: LeafPath[] }[] = [];
    let width = 0;
    for (let t = 0; t < model.numTrees; t++) {
      const root = model.treeRoot[t] as number;
      if (root < 0 || (model.treeMaxDepth[t] as number) > MAX_TABLE_DEPTH) continue;
      const leaves = leafPaths(model, root);
      for (const l of leaves) width = Math.max(width, l.count);
      candidates.push({ t, leaves });
    }
    // The placeholders' zeros (one path) are held back from the budget.
    let budget = Math.floor(budgetBytes / 8) - width;
    let valueCount = 0;
    let slotCount = 0;
    let deepest = 0;
    for (const { t, leaves } of candidates) {
      const size = leaves.reduce((sum, l) => sum + 2 ** l.depth * width, 0);
      if (size > budget) continue;
      budget -= size;
      tabled[t] = 1;
      const depth = model.treeMaxDepth[t] as number;
      deepest = Math.max(deepest, depth);
      for (const l of leaves) {
        const item = numNodes + l.leaf;
        valueStart[item] = valueCount;
        slotStart[item] = slotCount;
        shift[item] = depth - l.depth;
        valueCount += 2 ** l.depth * width;
        slotCount += width;
      }
    }
    let tabledTrees = 0;
    let directTrees = 0;
    for (let t = 0; t < model.numTrees; t++) {
      if (tabled[t] === 1) tabledTrees++;
      else if ((model.treeRoot[t] as number) >= 0) directTrees++;
    }
    // The placeholders' terms: zeros, to spare slots.
    for (let k = 0; k < NO_LEAF_KINDS; k++) {
      const item = noLeaf + k;
      child[2 * item] = item;
      child[2 * item + 1] = noLeaf + ((k + 1) % NO_LEAF_KINDS);
      valueStart[item] = valueCount;
      slotStart[item] = slotCount;
      slotCount += width;
    }
    const values = new Float64Array(tabledTrees === 0 ? 0 : valueCount + width);
    const slots = new Int32Array(slotCount);
    for (let i = 0; i < slotCount; i++) slots[i] = outputSlots + (i % SPARE_SLOTS);
    this.tabledTrees = tabledTrees;
    this.directTrees = directTrees;

    const nodeFormAt = new Int32Array(numNodes);
    for (let n = 0; n < numNodes; n++) {
      const form = decisionForm(model, n);
      nodeFormAt[n] = form < 0 ? -1 : (model.nodeFeature[n] as number) * DECISION_FORMS + form;
    }

    // Filled by the recursion itself, so the table's doubles are the recursion's (see TreeShap.tabulate). The first
    // pattern reaching a leaf (0: every ancestor hot) also lays out its terms' slots.
    const stride = model.numFeatures + 1;
    let base = 0;
    const sink: LeafTermsSink = (leaf, pattern, terms, feature, featureAt, count) => {
      const item = numNodes + leaf;
      if (pattern === 0) {
        for (let j = 0; j < count; j++) slots[(slotStart[item] as number) + j] = base + (feature[featureAt + j] as number);
      }
      values.set(terms.subarray(0, count), (valueStart[item] as number) + pattern * width);
    };
    for (let t = 0; t < model.numTrees; t++) {
      if (tabled[t] === 0) continue;
      base = (model.treeClass[t] as number) * stride;
      direct.tabulate(t, sink);
    }

    // Per tabled tree: the slot every leaf's first term goes to, when they share one (usually the root's feature; a
    // feature split on again leaves its place in the unique path for the end), else -1. A feature is at most once in
    // a leaf's path, so such a slot receives only those terms from the tree, one per leaf in rank order: the walk can
    // add them in a local (placeholders add +0.0 there, which changes no sum: the sums are never -0).
    const firstSlot = new Int32Array(model.numTrees).fill(-1);
    for (const { t, leaves } of candidates) {
      if (tabled[t] === 0) continue;
      const slot = slots[slotStart[numNodes + (leaves[0] as LeafPath).leaf] as number] as number;
      if (slot < outputSlots && leaves.every((l) => l.count > 0 && slots[slotStart[numNodes + l.leaf] as number] === slot)) firstSlot[t] = slot;
    }
    this.sharedFirstTermTrees = firstSlot.reduce((n, slot) => n + (slot >= 0 ? 1 : 0), 0);

    // Per item, in one record (one cache line for width 4): its values' start, its shift, then its terms' slots.
    const record = 2 + width;
    const info = new Int32Array(items * record);
    for (let item = 0; item < items; item++) {
      const at = item * record;
      info[at] = valueStart[item] as number;
      info[at + 1] = shift[item] as number;
      if (item < numNodes) continue;
      for (let j = 0; j < width; j++) info[at + 2 + j] = slots[(slotStart[item] as number) + j] as number;
    }

    this.bytes = values.byteLength;
    this.walk = createWalk(model, direct, {
      numNodes,
      width,
      tabled,
      child,
      info,
      firstSlot,
      values,
      nodeFormAt,
      forms: new Float64Array(model.numFeatures * DECISION_FORMS),
      levelSlots: 2 ** (deepest + 1),
    });
  }

  stats(): ShapTableStats {
    return { tabledTrees: this.tabledTrees, directTrees: this.directTrees, bytes: this.bytes, sharedFirstTermTrees: this.sharedFirstTermTrees };
  }

  /**
   * Contributions of `row` into `out` (predict_contrib layout), bit-identical to TreeShap.contributionsInto; with
   * `raw`, the row's raw scores into `raw[0..numTreePerIteration)`, bit-identical to predictRawInto.
   */
  contributionsInto(row: ArrayLike<number>, out: Float64Array, raw: Float64Array | null): void {
    this.walk([row], [out], raw === null ? null : [raw]);
  }

  /**
   * {@link contributionsInto} for many rows at once (`outs[i]`, `raws[i]` for `rows[i]`), each bit-identical to its
   * single-row result, at less memory traffic per row: the rows go through the trees {@link MAX_BATCH_ROWS} at a
   * time.
   */
  contributionsBatchInto(rows: readonly ArrayLike<number>[], outs: readonly Float64Array[], raws: readonly Float64Array[] | null): void {
    if (outs.length !== rows.length || (raws !== null && raws.length !== rows.length)) throw new RangeError(`contributionsBatchInto: ${rows.length} rows, ${outs.length} outputs, ${raws === null ? 'no' : raws.length} raw-score buffers`);
    this.walk(rows, outs, raws);
  }
}

/** The compiled walk (shap-walk.wat, assembled at build time), shared by every table of the process. */
let walkModule: WebAssembly.Module | null = null;

function compiledWalk(): WebAssembly.Module {
  return (walkModule ??= new WebAssembly.Module(readFileSync(join(__dirname, 'shap-walk.wasm'))));
}

/** The exports of shap-walk.wat. */
interface WalkExports {
  init(...offsets: number[]): void;
  walk(from: number, to: number, rows: number): void;
}

/** Explains `rows` into `outs` (and their raw scores into `raws`), in batches of at most {@link MAX_BATCH_ROWS}. */
type Walk = (rows: readonly ArrayLike<number>[], outs: readonly Float64Array[], raws: readonly Float64Array[] | null) => void;

/**
 * The row walk of {@link TableTreeShap}: for each row of a batch the decisions of every node (here), then run by run
 * of tabled trees the level expansion and the table terms of every row (in WebAssembly, shap-walk.wat), and the other
 * trees by the direct recursion in between, in model order, into the row's `acc` (the output slots, then spare slots
 * for padding), copied to its output at the end. The tables live in the module's memory; each row's `hot`, `acc` and
 * raw scores are views of it.
 */
function createWalk(model: CompiledModel, direct: TreeShap, state: TableState): Walk {
  const { numNodes, width, forms, nodeFormAt, child, levelSlots, tabled, info, firstSlot, values } = state;
  const { numTrees, numFeatures, numTreePerIteration, treeRoot, treeClass, treeExpectedValue, treeMaxDepth, nodeLeft, nodeRight, nodeThreshold, leafValue } = model;
  const stride = numFeatures + 1;
  const outputSlots = numTreePerIteration * stride;
  const items = child.length / 2;

  // The layout: i32 arrays first, then f64 arrays at 8-byte boundaries.
  let bytes = 0;
  const place = (length: number, size: 4 | 8): number => {
    bytes = Math.ceil(bytes / size) * size;
    const at = bytes;
    bytes += length * size;
    return at;
  };
  const at = {
    child: place(child.length, 4),
    hot: place(items * MAX_BATCH_ROWS, 4),
    info: place(info.length, 4),
    level: place(levelSlots, 4),
    root: place(numTrees, 4),
    depth: place(numTrees, 4),
    bias: place(numTrees, 4),
    cls: place(numTrees, 4),
    first: place(numTrees, 4),
    values: place(values.length, 8),
    leafValue: place(leafValue.length, 8),
    expected: place(numTrees, 8),
    acc: place((outputSlots + SPARE_SLOTS) * MAX_BATCH_ROWS, 8),
    raw: place(numTreePerIteration * MAX_BATCH_ROWS, 8),
  };
  const pages = Math.max(1, Math.ceil(bytes / 65_536));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const i32 = (offset: number, length: number) => new Int32Array(memory.buffer, offset, length);
  const f64 = (offset: number, length: number) => new Float64Array(memory.buffer, offset, length);
  i32(at.child, child.length).set(child);
  i32(at.info, info.length).set(info);
  i32(at.root, numTrees).set(treeRoot);
  i32(at.depth, numTrees).set(treeMaxDepth);
  i32(at.bias, numTrees).set(Int32Array.from({ length: numTrees }, (_, t) => (treeClass[t] as number) * stride + numFeatures));
  i32(at.cls, numTrees).set(treeClass);
  i32(at.first, numTrees).set(firstSlot);
  f64(at.values, values.length).set(values);
  f64(at.leafValue, leafValue.length).set(leafValue);
  f64(at.expected, numTrees).set(treeExpectedValue);
  const accLength = outputSlots + SPARE_SLOTS;
  const rowsOf = <T>(view: (r: number) => T): T[] => Array.from({ length: MAX_BATCH_ROWS }, (_, r) => view(r));
  const hots = rowsOf((r) => i32(at.hot + r * items * 4, items));
  const accs = rowsOf((r) => f64(at.acc + r * accLength * 8, accLength));
  const rawScores = rowsOf((r) => f64(at.raw + r * numTreePerIteration * 8, numTreePerIteration));
  const wasm = new WebAssembly.Instance(compiledWalk(), { env: { memory } }).exports as unknown as WalkExports;
  wasm.init(at.child, at.hot, at.info, at.level, at.root, at.depth, at.bias, at.cls, at.first, at.values, at.leafValue, at.expected, at.acc, at.raw, numNodes, width, items * 4, accLength * 8, numTreePerIteration * 8);

  // Runs of tabled trees ([start, end)), and the trees explained directly between them, in model order.
  const runs: { start: number; end: number }[] = [];
  for (let t = 0; t < numTrees; t++) {
    if (tabled[t] === 0) runs.push({ start: t, end: -1 });
    else if (runs.length > 0 && (runs[runs.length - 1] as { end: number }).end === t) (runs[runs.length - 1] as { end: number }).end = t + 1;
    else runs.push({ start: t, end: t + 1 });
  }

  /** Rows [from, from + count) of the call, count at most MAX_BATCH_ROWS. */
  const batch = (rows: readonly ArrayLike<number>[], outs: readonly Float64Array[], raws: readonly Float64Array[] | null, from: number, count: number): void => {
    for (let r = 0; r < count; r++) {
      const row = rows[from + r] as ArrayLike<number>;
      const hot = hots[r] as Int32Array;
      (accs[r] as Float64Array).fill(0);
      (rawScores[r] as Float64Array).fill(0);
      fillDecisionForms(row, numFeatures, forms);
      for (let n = 0; n < numNodes; n++) {
        const form = nodeFormAt[n] as number;
        hot[n] = form >= 0 ? +!((forms[form] as number) <= (nodeThreshold[n] as number)) : +(decide(model, n, row) !== nodeLeft[n]);
      }
    }
    for (const { start, end } of runs) {
      if (end >= 0) {
        wasm.walk(start, end, count);
        continue;
      }
      for (let r = 0; r < count; r++) {
        const hot = hots[r] as Int32Array;
        const raw = rawScores[r] as Float64Array;
        // Also adds the expected value, and is all a one-leaf tree adds.
        direct.treeInto(start, rows[from + r] as ArrayLike<number>, accs[r] as Float64Array);
        let node = treeRoot[start] as number;
        while (node >= 0) node = (hot[node] as number) === 0 ? (nodeLeft[node] as number) : (nodeRight[node] as number);
        const cls = treeClass[start] as number;
        raw[cls] = (raw[cls] as number) + (leafValue[~node] as number);
      }
    }
    for (let r = 0; r < count; r++) {
      const acc = accs[r] as Float64Array;
      const out = outs[from + r] as Float64Array;
      for (let i = 0; i < outputSlots; i++) out[i] = acc[i] as number;
      if (raws !== null) (raws[from + r] as Float64Array).set(rawScores[r] as Float64Array);
    }
  };
  return (rows, outs, raws) => {
    for (let from = 0; from < rows.length; from += MAX_BATCH_ROWS) batch(rows, outs, raws, from, Math.min(MAX_BATCH_ROWS, rows.length - from));
  };
}

/** The tables and the walk's buffers. */
interface TableState {
  readonly numNodes: number;
  /** Terms every leaf adds: the longest unique path of any tabled tree (shorter ones are padded with zeros). */
  readonly width: number;
  /** 1 when tree t is explained from the tables. */
  readonly tabled: Uint8Array;
  /**
   * Walk items: internal nodes are 0..N-1 (global node indices), leaves N..N+L-1 (global leaf + N), then the
   * no-leaf placeholders. child[2i] and child[2i + 1] are item i's left and right child; a leaf's are itself and a
   * placeholder, a placeholder's are placeholders.
   */
  readonly child: Int32Array;
  /**
   * Per item, a record of 2 + width: where its patterns' terms start in `values` (pattern p at + p · width); D minus
   * its depth, so that rank >> shift is its pattern (30 for placeholders: pattern 0); then the output slot (class
   * block + feature) of each of its terms (padding goes to spare slots). Nodes' records are unused.
   */
  readonly info: Int32Array;
  /** Per tree: the slot all its leaves' first terms go to, or -1 (see the construction). */
  readonly firstSlot: Int32Array;
  readonly values: Float64Array;
  /** Per global node: feature · DECISION_FORMS + its decisionForm, or -1 when it needs decide(). */
  readonly nodeFormAt: Int32Array;
  /** The row's decision forms (fillDecisionForms), refilled per row. */
  readonly forms: Float64Array;
  /** Entries of the walk's level buffer (in the module's memory): its levels one after the other, for the deepest tabled tree. */
  readonly levelSlots: number;
}

/** A leaf (global index) with its depth and unique path length (the number of terms it adds). */
interface LeafPath {
  readonly leaf: number;
  readonly depth: number;
  readonly count: number;
}

/** Every leaf under `root`, with its depth and unique path length. */
function leafPaths(model: CompiledModel, root: number): LeafPath[] {
  const leaves: LeafPath[] = [];
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
