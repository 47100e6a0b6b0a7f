import { LightGbmOptionsError } from '../errors';
import { toRowMajor, type FeatureMatrix } from '../matrix';
import { resolveLibraryPath } from './library-path';
import { formatParams, type LightGbmParams, type ParamValue } from './params';

/** A labelled data set: features plus one label (and optionally one weight) per row. */
export interface LabelledData {
  readonly features: FeatureMatrix;
  /** Class index (0..num_class-1) for classification, the target for regression. */
  readonly labels: ArrayLike<number>;
  readonly weights?: ArrayLike<number>;
}

/** Options of {@link train}. */
export interface TrainOptions extends LabelledData {
  /** One name per column; no whitespace or JSON punctuation (`",:[]{}`), which LightGBM refuses. */
  readonly featureNames: readonly string[];
  /** Columns to treat as categorical, by name or index. Values must be non-negative integers. @default [] */
  readonly categoricalFeatures?: readonly (string | number)[];
  /**
   * LightGBM parameters. Defaults added unless given (under any alias): `deterministic=true`,
   * `force_row_wise=true` (LightGBM otherwise picks row/col-wise by a timing test), `seed=0`,
   * `num_threads=1` and `verbosity=-1`. Iteration count, early stopping and categorical columns have their own
   * options and are refused here.
   */
  readonly params: LightGbmParams;
  /** Maximum boosting iterations. */
  readonly numBoostRound: number;
  /** Evaluated after every iteration; its metrics fill `evalHistory`. Binned with the training set as reference. */
  readonly validation?: LabelledData;
  /**
   * Stop when the first validation metric has not improved for this many iterations; the returned model keeps the
   * best iteration. Requires `validation`. @default undefined (no early stopping)
   */
  readonly earlyStoppingRounds?: number;
  /** @default resolveLibraryPath() */
  readonly libraryPath?: string;
}

/** Result of {@link train}. */
export interface TrainResult {
  /** The model in LightGBM's text format, truncated to `bestIteration`. */
  readonly modelText: string;
  /** Iterations in the model: the best one with early stopping, otherwise the number trained. */
  readonly bestIteration: number;
  /** Validation metric values per iteration, by LightGBM metric name (empty without validation). */
  readonly evalHistory: Readonly<Record<string, readonly number[]>>;
}

/** Plain-data training job, as sent to the worker. */
export interface TrainJob {
  readonly libraryPath: string;
  readonly ncol: number;
  readonly featureNames: readonly string[];
  readonly paramString: string;
  readonly numBoostRound: number;
  readonly earlyStoppingRounds: number | undefined;
  readonly train: DataJob;
  readonly validation: DataJob | undefined;
}

/** One data set of a job; `owned` is true when `data` is a copy this package made (so it may be transferred). */
export interface DataJob {
  readonly data: Float64Array;
  readonly nrow: number;
  readonly labels: Float32Array;
  readonly weights: Float32Array | undefined;
  readonly owned: boolean;
}

/** Parameters the options above control; each maps to the option to use instead. */
const RESERVED_PARAMS: Readonly<Record<string, string>> = Object.fromEntries([
  ...['num_iterations', 'num_iteration', 'n_iter', 'num_tree', 'num_trees', 'num_round', 'num_rounds', 'nrounds',
    'num_boost_round', 'n_estimators', 'max_iter'].map((k) => [k, 'numBoostRound']),
  ...['early_stopping_round', 'early_stopping_rounds', 'early_stopping', 'n_iter_no_change'].map((k) => [k, 'earlyStoppingRounds']),
  ...['categorical_feature', 'cat_feature', 'categorical_column', 'cat_column', 'categorical_features'].map((k) => [k, 'categoricalFeatures']),
  ...['valid', 'test', 'valid_data', 'valid_data_file', 'test_data', 'test_data_file', 'valid_filenames'].map((k) => [k, 'validation']),
]);

/** Defaults and the aliases under which a caller may already have set them. */
const DEFAULT_PARAMS: readonly { key: string; value: ParamValue; aliases: readonly string[] }[] = [
  { key: 'deterministic', value: true, aliases: [] },
  { key: 'force_row_wise', value: true, aliases: ['force_col_wise'] },
  { key: 'seed', value: 0, aliases: ['random_seed', 'random_state'] },
  { key: 'num_threads', value: 1, aliases: ['num_thread', 'nthread', 'nthreads', 'n_jobs'] },
  { key: 'verbosity', value: -1, aliases: ['verbose'] },
];

const FEATURE_NAME = /^[^\s",:[\]{}]+$/;

/** Validates {@link TrainOptions} once, naming the offending option, and turns them into a {@link TrainJob}. */
export function compileTrainOptions(options: TrainOptions): TrainJob {
  if (typeof options !== 'object' || options === null) throw new LightGbmOptionsError('options', 'must be an object');
  const featureNames = checkFeatureNames(options.featureNames);
  const ncol = featureNames.length;
  const numBoostRound = positiveInteger(options.numBoostRound, 'numBoostRound');
  const earlyStoppingRounds =
    options.earlyStoppingRounds === undefined ? undefined : positiveInteger(options.earlyStoppingRounds, 'earlyStoppingRounds');
  if (earlyStoppingRounds !== undefined && options.validation === undefined) {
    throw new LightGbmOptionsError('earlyStoppingRounds', 'needs a validation set (options.validation)');
  }
  const params: Record<string, ParamValue> = { ...options.params };
  formatParams(params, 'params');
  for (const key of Object.keys(params)) {
    const instead = RESERVED_PARAMS[key];
    if (instead) throw new LightGbmOptionsError(`params.${key}`, `is set through options.${instead}`);
  }
  for (const { key, value, aliases } of DEFAULT_PARAMS) {
    if (!(key in params) && !aliases.some((a) => a in params)) params[key] = value;
  }
  const categorical = categoricalIndices(options.categoricalFeatures ?? [], featureNames);
  if (categorical.length > 0) params.categorical_feature = categorical.join(',');

  return {
    libraryPath: options.libraryPath ?? resolveLibraryPath(),
    ncol,
    featureNames,
    paramString: formatParams(params, 'params'),
    numBoostRound,
    earlyStoppingRounds,
    train: dataJob(options, ncol, ''),
    validation: options.validation === undefined ? undefined : dataJob(options.validation, ncol, 'validation.'),
  };
}

function checkFeatureNames(names: readonly string[]): string[] {
  if (!Array.isArray(names) || names.length === 0) throw new LightGbmOptionsError('featureNames', 'must be a non-empty array');
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (typeof name !== 'string' || !FEATURE_NAME.test(name)) {
      throw new LightGbmOptionsError(`featureNames[${i}]`, `${JSON.stringify(name)} is empty or has whitespace or one of ",:[]{}`);
    }
    if (seen.has(name)) throw new LightGbmOptionsError(`featureNames[${i}]`, `${JSON.stringify(name)} is a duplicate`);
    seen.add(name);
  });
  return [...names];
}

function categoricalIndices(columns: readonly (string | number)[], featureNames: readonly string[]): number[] {
  if (!Array.isArray(columns)) throw new LightGbmOptionsError('categoricalFeatures', 'must be an array of names or indices');
  const indices = columns.map((column, i) => {
    const index = typeof column === 'number' ? column : featureNames.indexOf(column);
    if (!Number.isInteger(index) || index < 0 || index >= featureNames.length) {
      throw new LightGbmOptionsError(`categoricalFeatures[${i}]`, `${JSON.stringify(column)} is not a feature name or index`);
    }
    return index;
  });
  return [...new Set(indices)].sort((a, b) => a - b);
}

function dataJob(data: LabelledData, ncol: number, prefix: string): DataJob {
  if (typeof data !== 'object' || data === null) throw new LightGbmOptionsError(prefix || 'options', 'must be an object');
  const { data: matrix, nrow } = toRowMajor(data.features, ncol, `${prefix}features`);
  if (nrow === 0) throw new LightGbmOptionsError(`${prefix}features`, 'has no rows');
  const labels = float32Column(data.labels, nrow, `${prefix}labels`);
  const weights = data.weights === undefined ? undefined : float32Column(data.weights, nrow, `${prefix}weights`);
  return { data: matrix, nrow, labels, weights, owned: matrix !== data.features };
}

function float32Column(values: ArrayLike<number>, nrow: number, path: string): Float32Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new LightGbmOptionsError(path, 'must be an array of numbers');
  }
  if (values.length !== nrow) throw new LightGbmOptionsError(path, `has ${values.length} values for ${nrow} rows`);
  const out = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LightGbmOptionsError(`${path}[${i}]`, `${String(v)} is not a finite number`);
    out[i] = v;
  }
  return out;
}

function positiveInteger(value: number, path: string): number {
  if (!Number.isInteger(value) || value < 1) throw new LightGbmOptionsError(path, `${String(value)} is not a positive integer`);
  return value;
}
