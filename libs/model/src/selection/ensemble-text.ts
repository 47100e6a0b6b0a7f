import { NUM_CLASSES } from '../labels';
import type { ColumnSteps, LogisticModel } from './logistic';

/**
 * Writes the chosen model as one LightGBM text model, so that the scorer, exact TreeSHAP, the registry and the
 * scoring service serve it unchanged: logits = a · (LightGBM's) + b · (the logistic regression's) + offsets.
 *
 * LightGBM trees are kept with their leaf and internal values scaled by a; each logistic step function becomes one
 * tree per class (a missing-value split at the root, then a balanced tree over the bins); the class offsets and the
 * logistic intercepts are added to the first tree of each class. Multiclass trees are interleaved by class (tree i
 * belongs to class i mod 3), which both parts keep. tree_sizes is recomputed (LightGBM locates trees by it).
 */
export interface EnsembleParts {
  /** A LightGBM multiclass text model, or null for the logistic regression alone. */
  readonly lightgbm: { readonly text: string; readonly scale: number } | null;
  readonly logistic: { readonly model: LogisticModel; readonly scale: number } | null;
  /** Added to each class logit (calibration offsets); zeros when none. */
  readonly offsets: readonly number[];
  /** Model column names (LightGBM's feature_names) for a model without LightGBM trees. */
  readonly featureNames: readonly string[];
}

/** Below any value a feature takes: the root split of a step tree sends only missing values left. */
const MISSING_ONLY = -1e300;
/** decision_type: default left (2) | missing type NaN (8). */
const MISSING_GOES_LEFT = 10;

const num = (x: number): string => String(x);

/** A tree block's lines as LightGBM writes them (without the `Tree=i` line). */
interface TreeLines {
  lines: string[];
}

function splitBlocks(text: string): { header: string[]; trees: TreeLines[]; trailer: string } {
  const end = text.indexOf('end of trees');
  if (end < 0) throw new Error('LightGBM model text without "end of trees"');
  const body = text.slice(0, end);
  const trailer = text.slice(end);
  const parts = body.split(/^Tree=\d+\n/m);
  const header = (parts[0] as string).split('\n');
  const trees = parts.slice(1).map((block) => ({ lines: block.split('\n').filter((l) => l !== '') }));
  return { header, trees, trailer };
}

function mapField(tree: TreeLines, field: string, fn: (x: number) => number): void {
  tree.lines = tree.lines.map((line) => (line.startsWith(`${field}=`) ? `${field}=${line.slice(field.length + 1).split(' ').map((v) => num(fn(Number(v)))).join(' ')}` : line));
}

/** The LightGBM tree of one class of a column's step function. */
function stepTree(column: number, steps: ColumnSteps, k: number, shift: number): TreeLines {
  const bins = steps.cuts.length + 1;
  const leafValue: number[] = [steps.missing[k] as number + shift];
  const leafCount: number[] = [Math.max(1, steps.missingCount)];
  for (let j = 0; j < bins; j++) {
    leafValue.push((steps.values[k * bins + j] as number) + shift);
    leafCount.push(Math.max(1, steps.counts[j] as number));
  }
  const splitFeature: number[] = [];
  const threshold: number[] = [];
  const decisionType: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const internalValue: number[] = [];
  const internalCount: number[] = [];
  // Returns a child reference (node index, or ~leaf) and the subtree's count and count-weighted value.
  const build = (lo: number, hi: number): { ref: number; count: number; sum: number } => {
    if (hi - lo === 1) {
      const leaf = lo + 1;
      return { ref: ~leaf, count: leafCount[leaf] as number, sum: (leafCount[leaf] as number) * (leafValue[leaf] as number) };
    }
    const node = splitFeature.length;
    const mid = (lo + hi) >> 1;
    splitFeature.push(column);
    threshold.push(steps.cuts[mid - 1] as number);
    decisionType.push(0);
    left.push(0);
    right.push(0);
    internalValue.push(0);
    internalCount.push(0);
    const l = build(lo, mid);
    const r = build(mid, hi);
    left[node] = l.ref;
    right[node] = r.ref;
    internalCount[node] = l.count + r.count;
    internalValue[node] = (l.sum + r.sum) / (l.count + r.count);
    return { ref: node, count: l.count + r.count, sum: l.sum + r.sum };
  };
  // Root: missing values to leaf 0, every value to the bins.
  splitFeature.push(column);
  threshold.push(MISSING_ONLY);
  decisionType.push(MISSING_GOES_LEFT);
  left.push(~0);
  right.push(0);
  internalValue.push(0);
  internalCount.push(0);
  const values = build(0, bins);
  right[0] = values.ref;
  internalCount[0] = values.count + (leafCount[0] as number);
  internalValue[0] = (values.sum + (leafCount[0] as number) * (leafValue[0] as number)) / internalCount[0];
  const numLeaves = bins + 1;
  return {
    lines: [
      `num_leaves=${numLeaves}`,
      'num_cat=0',
      `split_feature=${splitFeature.join(' ')}`,
      `split_gain=${splitFeature.map(() => '0').join(' ')}`,
      `threshold=${threshold.map(num).join(' ')}`,
      `decision_type=${decisionType.join(' ')}`,
      `left_child=${left.join(' ')}`,
      `right_child=${right.join(' ')}`,
      `leaf_value=${leafValue.map(num).join(' ')}`,
      `leaf_weight=${leafCount.map(num).join(' ')}`,
      `leaf_count=${leafCount.map(num).join(' ')}`,
      `internal_value=${internalValue.map(num).join(' ')}`,
      `internal_weight=${internalCount.map(num).join(' ')}`,
      `internal_count=${internalCount.map(num).join(' ')}`,
      'is_linear=0',
      'shrinkage=1',
    ],
  };
}

function logisticTrees(model: LogisticModel, scale: number): TreeLines[] {
  const trees: TreeLines[] = [];
  let first = true;
  model.steps.forEach((steps, column) => {
    if (!steps) return;
    const scaled: ColumnSteps = { ...steps, values: steps.values.map((v) => v * scale), missing: steps.missing.map((v) => v * scale) };
    for (let k = 0; k < NUM_CLASSES; k++) trees.push(stepTree(column, scaled, k, first ? (model.intercept[k] as number) * scale : 0));
    first = false;
  });
  return trees;
}

function headerFor(featureNames: readonly string[]): string[] {
  return [
    'tree',
    'version=v4',
    `num_class=${NUM_CLASSES}`,
    `num_tree_per_iteration=${NUM_CLASSES}`,
    'label_index=0',
    `max_feature_idx=${featureNames.length - 1}`,
    `objective=multiclass num_class:${NUM_CLASSES}`,
    `feature_names=${featureNames.join(' ')}`,
    `feature_infos=${featureNames.map(() => 'none').join(' ')}`,
    'tree_sizes=',
    '',
  ];
}

/** The composed LightGBM text model (see {@link EnsembleParts}). */
export function composeModelText(parts: EnsembleParts): string {
  const base = parts.lightgbm === null ? null : splitBlocks(parts.lightgbm.text);
  const trees: TreeLines[] = [];
  if (base !== null && parts.lightgbm !== null) {
    const a = parts.lightgbm.scale;
    // Scale 0: the logistic regression alone (the LightGBM text gives the header).
    for (const t of a === 0 ? [] : base.trees) {
      if (a !== 1) {
        mapField(t, 'leaf_value', (x) => x * a);
        mapField(t, 'internal_value', (x) => x * a);
      }
      trees.push(t);
    }
  }
  if (parts.logistic !== null) trees.push(...logisticTrees(parts.logistic.model, parts.logistic.scale));
  if (trees.length < NUM_CLASSES) throw new Error('a composed model needs trees');
  parts.offsets.forEach((c, k) => {
    if (c !== 0) {
      mapField(trees[k] as TreeLines, 'leaf_value', (x) => x + c);
      mapField(trees[k] as TreeLines, 'internal_value', (x) => x + c);
    }
  });
  const blocks = trees.map((t, i) => `Tree=${i}\n${t.lines.join('\n')}\n\n\n`);
  const header = (base?.header ?? headerFor(parts.featureNames)).map((line) => (line.startsWith('tree_sizes=') ? `tree_sizes=${blocks.map((b) => Buffer.byteLength(b, 'utf8')).join(' ')}` : line));
  const trailer = base?.trailer ?? 'end of trees\n\npandas_categorical:null\n';
  return `${header.join('\n').replace(/\n*$/, '\n\n')}${blocks.join('')}${trailer}`;
}
