import { ModelParseError, UnsupportedModelError } from '../errors';

/** How raw scores become outputs; mirrors the objective's ConvertOutput in LightGBM. */
export type OutputTransform =
  | { readonly kind: 'softmax' }
  | { readonly kind: 'sigmoid'; readonly sigmoid: number }
  | { readonly kind: 'identity' }
  | { readonly kind: 'signed-square' };

/** One `Tree=N` block, as LightGBM's Tree(const char*) constructor reads it. */
export interface ParsedTree {
  readonly numLeaves: number;
  readonly numCat: number;
  readonly splitFeature: Int32Array;
  readonly threshold: Float64Array;
  readonly decisionType: Uint8Array;
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  readonly leafValue: Float64Array;
  readonly leafCount: Float64Array;
  readonly internalCount: Float64Array;
  readonly catBoundaries: Int32Array;
  readonly catThreshold: Uint32Array;
  readonly shrinkage: number;
}

/** A LightGBM text model the TypeScript predictor can evaluate. */
export interface ParsedModel {
  readonly numClass: number;
  readonly numTreePerIteration: number;
  readonly maxFeatureIdx: number;
  readonly featureNames: readonly string[];
  /** The objective line as written, e.g. `multiclass num_class:3`; empty when the model has none. */
  readonly objective: string;
  readonly transform: OutputTransform;
  readonly trees: readonly ParsedTree[];
}

/** Objectives whose ConvertOutput is the identity (or sign(x)·x² with the `sqrt` flag). */
const REGRESSION_OBJECTIVES = new Set(['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape']);

/**
 * Parses a LightGBM text model (the output of LGBM_BoosterSaveModelToString / `model.txt`).
 * Refuses, with {@link UnsupportedModelError}, models it would otherwise predict wrongly: linear trees,
 * `multiclassova`, `average_output` (random forest) and objectives whose output transform is not implemented.
 */
export function parseModelText(text: string): ParsedModel {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i] === '') i++;
  if (lines[i] !== 'tree') {
    throw new ModelParseError(`first line is ${JSON.stringify((lines[i] ?? '').slice(0, 80))}, expected "tree"`);
  }
  i++;

  const header = new Map<string, string>();
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('Tree=') || line === 'end of trees') break;
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) header.set(line, '');
    else header.set(line.slice(0, eq), line.slice(eq + 1));
  }

  const numClass = headerInt(header, 'num_class');
  const numTreePerIteration = header.has('num_tree_per_iteration') ? headerInt(header, 'num_tree_per_iteration') : numClass;
  const maxFeatureIdx = headerInt(header, 'max_feature_idx');
  if (numClass < 1) throw new ModelParseError(`num_class is ${numClass}`);
  if (numTreePerIteration < 1) throw new ModelParseError(`num_tree_per_iteration is ${numTreePerIteration}`);
  if (maxFeatureIdx < 0) throw new ModelParseError(`max_feature_idx is ${maxFeatureIdx}`);
  if (header.has('average_output')) {
    throw new UnsupportedModelError('average_output', 'averaged outputs (random forest, boosting=rf) are not supported');
  }
  const namesLine = header.get('feature_names');
  if (namesLine === undefined) throw new ModelParseError('no feature_names line');
  const featureNames = namesLine.split(' ');
  if (featureNames.length !== maxFeatureIdx + 1) {
    throw new ModelParseError(`feature_names has ${featureNames.length} names, max_feature_idx is ${maxFeatureIdx}`);
  }
  const objective = header.get('objective') ?? '';
  const transform = parseObjective(objective, numClass, numTreePerIteration);

  const trees: ParsedTree[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === 'end of trees') break;
    if (line === '') continue;
    if (!line.startsWith('Tree=')) throw new ModelParseError(`expected a Tree= line, found ${JSON.stringify(line.slice(0, 80))}`);
    const fields = new Map<string, string>();
    for (i++; i < lines.length && lines[i] !== ''; i++) {
      const field = lines[i] as string;
      const eq = field.indexOf('=');
      if (eq < 0) throw new ModelParseError(`${line}: line without '=': ${JSON.stringify(field.slice(0, 80))}`);
      fields.set(field.slice(0, eq), field.slice(eq + 1));
    }
    trees.push(parseTree(line, fields, maxFeatureIdx));
  }
  if (trees.length === 0) throw new ModelParseError('the model has no trees');
  if (trees.length % numTreePerIteration !== 0) {
    throw new ModelParseError(`${trees.length} trees is not a multiple of num_tree_per_iteration=${numTreePerIteration}`);
  }
  return { numClass, numTreePerIteration, maxFeatureIdx, featureNames, objective, transform, trees };
}

function parseObjective(objective: string, numClass: number, numTreePerIteration: number): OutputTransform {
  const tokens = objective.split(' ').filter((t) => t !== '');
  const name = tokens[0];
  // No objective line: a custom objective; LightGBM then outputs raw scores.
  if (name === undefined) return { kind: 'identity' };
  const flags = new Map<string, string>();
  for (const token of tokens.slice(1)) {
    const colon = token.indexOf(':');
    flags.set(colon < 0 ? token : token.slice(0, colon), colon < 0 ? '' : token.slice(colon + 1));
  }
  if (name === 'multiclassova') {
    throw new UnsupportedModelError('multiclassova', `objective "${objective}" (one-vs-all multiclass) is not supported`);
  }
  if (name === 'multiclass') {
    if (numClass < 2 || numTreePerIteration !== numClass) {
      throw new ModelParseError(`multiclass model with num_class=${numClass}, num_tree_per_iteration=${numTreePerIteration}`);
    }
    return { kind: 'softmax' };
  }
  if (numClass !== 1 || numTreePerIteration !== 1) {
    throw new ModelParseError(`objective "${objective}" with num_class=${numClass}, num_tree_per_iteration=${numTreePerIteration}`);
  }
  if (name === 'binary') {
    const sigmoid = parseDouble(flags.get('sigmoid') ?? '', 'objective sigmoid');
    if (!(sigmoid > 0)) throw new ModelParseError(`binary objective with sigmoid ${sigmoid}`);
    return { kind: 'sigmoid', sigmoid };
  }
  if (REGRESSION_OBJECTIVES.has(name)) {
    return flags.has('sqrt') ? { kind: 'signed-square' } : { kind: 'identity' };
  }
  throw new UnsupportedModelError('objective', `objective "${objective}" is not supported by the TypeScript predictor`);
}

function parseTree(title: string, fields: Map<string, string>, maxFeatureIdx: number): ParsedTree {
  const field = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new ModelParseError(`${title} has no ${key}`);
    return value;
  };
  const numLeaves = parseInteger(field('num_leaves'), `${title} num_leaves`);
  const numCat = parseInteger(field('num_cat'), `${title} num_cat`);
  if (numLeaves < 1) throw new ModelParseError(`${title} has num_leaves=${numLeaves}`);
  if (numCat < 0) throw new ModelParseError(`${title} has num_cat=${numCat}`);
  if (fields.has('is_linear') && parseInteger(field('is_linear'), `${title} is_linear`) !== 0) {
    throw new UnsupportedModelError('linear_tree', `${title} is a linear tree (is_linear=1)`);
  }
  const leafValue = Float64Array.from(numberList(field('leaf_value'), numLeaves, `${title} leaf_value`));
  const shrinkage = fields.has('shrinkage') ? parseDouble(field('shrinkage'), `${title} shrinkage`) : 1;
  const inner = numLeaves - 1;
  if (inner === 0) {
    return {
      numLeaves, numCat, shrinkage, leafValue,
      splitFeature: new Int32Array(0), threshold: new Float64Array(0), decisionType: new Uint8Array(0),
      leftChild: new Int32Array(0), rightChild: new Int32Array(0),
      // A one-leaf tree's expected value is its leaf value; counts are never read.
      leafCount: new Float64Array(1),
      internalCount: new Float64Array(0), catBoundaries: new Int32Array(0), catThreshold: new Uint32Array(0),
    };
  }
  const splitFeature = Int32Array.from(intList(field('split_feature'), inner, `${title} split_feature`));
  const threshold = Float64Array.from(numberList(field('threshold'), inner, `${title} threshold`));
  const decisionType = Uint8Array.from(intList(field('decision_type'), inner, `${title} decision_type`));
  const leftChild = Int32Array.from(intList(field('left_child'), inner, `${title} left_child`));
  const rightChild = Int32Array.from(intList(field('right_child'), inner, `${title} right_child`));
  // Counts are optional for LightGBM's own prediction, but TreeSHAP weighs paths by them.
  const leafCount = Float64Array.from(intList(field('leaf_count'), numLeaves, `${title} leaf_count`));
  const internalCount = Float64Array.from(intList(field('internal_count'), inner, `${title} internal_count`));
  let catBoundaries = new Int32Array(0);
  let catThreshold = new Uint32Array(0);
  if (numCat > 0) {
    catBoundaries = Int32Array.from(intList(field('cat_boundaries'), numCat + 1, `${title} cat_boundaries`));
    const words = catBoundaries[numCat] as number;
    catThreshold = Uint32Array.from(intList(field('cat_threshold'), words, `${title} cat_threshold`));
  }
  for (let n = 0; n < inner; n++) {
    const feature = splitFeature[n] as number;
    if (feature < 0 || feature > maxFeatureIdx) throw new ModelParseError(`${title} node ${n} splits on feature ${feature}`);
    for (const child of [leftChild[n] as number, rightChild[n] as number]) {
      if (child >= inner || ~child >= numLeaves) throw new ModelParseError(`${title} node ${n} has child ${child}`);
    }
    if ((decisionType[n] as number) & 1) {
      const catIdx = Math.trunc(threshold[n] as number);
      if (!(catIdx >= 0 && catIdx < numCat)) throw new ModelParseError(`${title} node ${n} has categorical index ${catIdx}`);
    }
  }
  return {
    numLeaves, numCat, splitFeature, threshold, decisionType, leftChild, rightChild,
    leafValue, leafCount, internalCount, catBoundaries, catThreshold, shrinkage,
  };
}

function headerInt(header: Map<string, string>, key: string): number {
  const value = header.get(key);
  if (value === undefined) throw new ModelParseError(`no ${key} line`);
  return parseInteger(value, key);
}

function parseInteger(token: string, what: string): number {
  if (!/^[-+]?\d+$/.test(token)) throw new ModelParseError(`${what}: ${JSON.stringify(token)} is not an integer`);
  return Number(token);
}

/**
 * Parses a double the way LightGBM's AtofPrecise does for thresholds and leaf values: correctly rounded
 * decimal, falling back to strtod's spellings of infinity and NaN (`inf`, `-inf`, `nan`).
 */
function parseDouble(token: string, what: string): number {
  const lower = token.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return NaN;
  const value = token === '' ? NaN : Number(token);
  if (Number.isNaN(value)) throw new ModelParseError(`${what}: ${JSON.stringify(token)} is not a number`);
  return value;
}

function numberList(line: string, expected: number, what: string): number[] {
  const tokens = line === '' ? [] : line.split(' ');
  if (tokens.length !== expected) throw new ModelParseError(`${what} has ${tokens.length} values, expected ${expected}`);
  return tokens.map((t) => parseDouble(t, what));
}

function intList(line: string, expected: number, what: string): number[] {
  const tokens = line === '' ? [] : line.split(' ');
  if (tokens.length !== expected) throw new ModelParseError(`${what} has ${tokens.length} values, expected ${expected}`);
  return tokens.map((t) => parseInteger(t, what));
}
