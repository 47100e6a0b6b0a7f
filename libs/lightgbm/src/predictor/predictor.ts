import { FeatureCountError } from '../errors';
import type { FeatureMatrix } from '../matrix';
import { toRowMajor } from '../matrix';
import { compileModel, type CompiledModel } from './compiled-model';
import { createRawWalk, transformInPlace } from './evaluate';
import { parseModelText, type OutputTransform } from './model-text';
import { compilePredictorOptions, type PredictorOptions } from './predictor-options';
import { TableTreeShap, type ShapTableStats } from './shap-table';
import { topFactors, type Factor } from './top-factors';
import { TreeShap } from './tree-shap';

/** Probabilities and the top factors of each class for one row. */
export interface Explanation {
  /** predict output: class probabilities (multiclass, binary) or the regression value. */
  readonly probabilities: Float64Array;
  /** For each raw-score slot (class), its largest contributions. */
  readonly factors: readonly (readonly Factor[])[];
}

/**
 * Pure-TypeScript LightGBM predictor: the same outputs as LightGBM's C API predict (probabilities, raw scores,
 * SHAP contributions) without the native library. Build it once per model with {@link Predictor.fromModelText};
 * row methods allocate nothing when given an `out` buffer. Not safe to share across concurrent callers that
 * interleave contributions (there are none in single-threaded JS; each worker needs its own instance anyway).
 */
export class Predictor {
  /** Columns every row must have (max_feature_idx + 1). */
  readonly numFeatures: number;
  /** Values per row of {@link predictRow}: the number of classes (1 for binary and regression). */
  readonly numClass: number;
  /** Raw scores per row, and class blocks in contributions. Equals numClass for the supported objectives. */
  readonly numTreePerIteration: number;
  readonly featureNames: readonly string[];
  /** The objective line of the model, e.g. `multiclass num_class:3`. */
  readonly objective: string;
  readonly transform: OutputTransform;
  /** Values per row of {@link contributionsRow}: numTreePerIteration · (numFeatures + 1). */
  readonly contributionsPerRow: number;

  private readonly model: CompiledModel;
  private readonly shap: TreeShap;
  private readonly shapTableBytes: number;
  /** The TreeSHAP tables, built at the first explanation (predicting alone never needs them). */
  private table: TableTreeShap | null = null;
  /** Raw scores of one row (predictRawInto, faster). */
  private readonly raw: (row: ArrayLike<number>, out: Float64Array) => void;

  private constructor(model: CompiledModel, shapTableBytes: number) {
    this.model = model;
    this.shap = new TreeShap(model);
    this.raw = createRawWalk(model);
    this.shapTableBytes = shapTableBytes;
    this.numFeatures = model.numFeatures;
    this.numClass = model.numClass;
    this.numTreePerIteration = model.numTreePerIteration;
    this.featureNames = model.featureNames;
    this.objective = model.objective;
    this.transform = model.transform;
    this.contributionsPerRow = model.numTreePerIteration * (model.numFeatures + 1);
  }

  /**
   * Parses and compiles a LightGBM text model.
   * @throws ModelParseError when the text is not a LightGBM model
   * @throws UnsupportedModelError for linear trees, multiclassova, average_output and unsupported objectives
   * @throws LightGbmOptionsError when an option is invalid
   */
  static fromModelText(modelText: string, options: PredictorOptions = {}): Predictor {
    const compiled = compilePredictorOptions(options);
    return new Predictor(compileModel(parseModelText(modelText)), compiled.shapTableBytes);
  }

  /** Raw scores (before sigmoid/softmax) of one row. */
  predictRawRow(row: ArrayLike<number>, out: Float64Array = new Float64Array(this.numTreePerIteration)): Float64Array {
    this.checkRow(row);
    this.raw(row, out);
    return out;
  }

  /** Probabilities (or the regression value) of one row, as LightGBM's normal predict. */
  predictRow(row: ArrayLike<number>, out: Float64Array = new Float64Array(this.numClass)): Float64Array {
    this.checkRow(row);
    this.raw(row, out);
    transformInPlace(this.model, out);
    return out;
  }

  /** SHAP contributions of one row, laid out like LightGBM's predict_contrib (see {@link contributionsPerRow}). */
  contributionsRow(row: ArrayLike<number>, out: Float64Array = new Float64Array(this.contributionsPerRow)): Float64Array {
    this.checkRow(row);
    this.contributionsInto(row, out);
    return out;
  }

  /**
   * Probabilities (as {@link predictRow}) and SHAP contributions (as {@link contributionsRow}) of one row in one
   * walk of the trees, into the given buffers; the same values as the two calls, bit for bit.
   */
  predictWithContributionsRow(row: ArrayLike<number>, probabilities: Float64Array, contributions: Float64Array): void {
    this.checkRow(row);
    this.tables().contributionsInto(row, contributions, probabilities);
    transformInPlace(this.model, probabilities);
  }

  /**
   * {@link predictWithContributionsRow} for many rows (`probabilities[i]`, `contributions[i]` for `rows[i]`), each
   * bit-identical to its single-row result; cheaper per row, as a tree's TreeSHAP table terms are read once for
   * several rows (the invoices of one customer share most of their trees' decisions).
   */
  predictWithContributionsRows(rows: readonly ArrayLike<number>[], probabilities: readonly Float64Array[], contributions: readonly Float64Array[]): void {
    for (const row of rows) this.checkRow(row);
    this.tables().contributionsBatchInto(rows, contributions, probabilities);
    for (const p of probabilities) transformInPlace(this.model, p);
  }

  /**
   * What the TreeSHAP tables hold (trees tabled and explained directly, bytes); builds them if no explanation has
   * yet.
   */
  shapTableStats(): ShapTableStats {
    return this.tables().stats();
  }

  /** Probabilities for many rows: `nrow · numClass` values, row-major. */
  predict(rows: FeatureMatrix): Float64Array {
    const { data, nrow } = toRowMajor(rows, this.numFeatures, 'rows');
    const out = new Float64Array(nrow * this.numClass);
    for (let r = 0; r < nrow; r++) {
      const row = data.subarray(r * this.numFeatures, (r + 1) * this.numFeatures);
      this.predictRow(row, out.subarray(r * this.numClass, (r + 1) * this.numClass));
    }
    return out;
  }

  /** Contributions for many rows: `nrow · contributionsPerRow` values, row-major (explained together). */
  contributions(rows: FeatureMatrix): Float64Array {
    const { data, nrow } = toRowMajor(rows, this.numFeatures, 'rows');
    const per = this.contributionsPerRow;
    const out = new Float64Array(nrow * per);
    const views = Array.from({ length: nrow }, (_, r) => data.subarray(r * this.numFeatures, (r + 1) * this.numFeatures));
    this.tables().contributionsBatchInto(views, Array.from({ length: nrow }, (_, r) => out.subarray(r * per, (r + 1) * per)), null);
    return out;
  }

  /** The `k` largest contributions of class `classIndex` in one row's contributions, named. */
  topFactors(contribs: ArrayLike<number>, k: number, classIndex = 0): Factor[] {
    return topFactors(contribs, k, { numFeatures: this.numFeatures, classIndex, featureNames: this.featureNames });
  }

  /** Probabilities plus the top `k` factors of every class for one row. */
  explainRow(row: ArrayLike<number>, k: number): Explanation {
    const probabilities = new Float64Array(this.numClass);
    const contribs = new Float64Array(this.contributionsPerRow);
    this.predictWithContributionsRow(row, probabilities, contribs);
    const factors: Factor[][] = [];
    for (let c = 0; c < this.numTreePerIteration; c++) factors.push(this.topFactors(contribs, k, c));
    return { probabilities, factors };
  }

  private contributionsInto(row: ArrayLike<number>, out: Float64Array): void {
    this.tables().contributionsInto(row, out, null);
  }

  private tables(): TableTreeShap {
    return (this.table ??= new TableTreeShap(this.model, this.shap, this.shapTableBytes));
  }

  private checkRow(row: ArrayLike<number>): void {
    if (row.length !== this.numFeatures) throw new FeatureCountError(this.numFeatures, row.length, 'row');
  }
}
