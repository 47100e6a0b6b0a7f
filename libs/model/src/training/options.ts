import { compileBucketOptions, FEATURE_NAMES, isDate, type CompiledBucketOptions } from '@creditstream/features';
import type { LightGbmParams, ParamValue } from '@creditstream/lightgbm';
import { ModelOptionError } from '../errors';

/** Options of a training run. Every field is optional; the defaults are documented on each. */
export interface TrainerOptions {
  /** Train on these features only (names from FEATURE_NAMES). @default every feature */
  readonly features?: readonly string[];
  /** Leave these features out. @default none */
  readonly exclude?: readonly string[];
  /** Only invoices of at least this amount, in major units of the invoice's currency (e.g. 100 = 100.00 EUR). */
  readonly minAmount?: number;
  /** Only customers of this segment (from their registration). */
  readonly segment?: string;
  /** Only invoices issued on or after this date (YYYY-MM-DD). */
  readonly from?: string;
  /** Only invoices issued on or before this date (YYYY-MM-DD). */
  readonly to?: string;
  /** V: paid more than V days after due is very late. @default 30 */
  readonly veryLateDays?: number;
  /** G: late starts after G grace days. @default 0 */
  readonly graceDays?: number;
  /** Seed of every random choice of LightGBM (bagging, feature sampling). The same seed and data give the same model. @default 0 */
  readonly seed?: number;
  /** Share of the rows, the latest by invoice date, held out for evaluation. @default 0.2 */
  readonly holdoutShare?: number;
  /** Share of the rows, just before the holdout, used for early stopping. @default 0.15 */
  readonly validationShare?: number;
  /** Minimum labelled invoices to train at all (D365: 100 settled invoices). @default 100 */
  readonly minRows?: number;
  /** Minimum labelled invoices of each bucket (D365: 30). @default 30 */
  readonly minPerBucket?: number;
  /** Maximum boosting rounds. @default 2000 */
  readonly numBoostRound?: number;
  /** Stop when the validation log-loss has not improved for this many rounds. @default 50 */
  readonly earlyStoppingRounds?: number;
  /** LightGBM parameters overriding {@link DEFAULT_LIGHTGBM_PARAMS}. */
  readonly params?: LightGbmParams;
  /** An invoice with P(on time) below this is at risk (the red flag). @default 0.5 */
  readonly atRiskThreshold?: number;
  /** A customer whose expected late + very late balance exceeds this share of the open balance has a high late balance. @default 0.5 */
  readonly highLateBalanceShare?: number;
  /** Holdout rows explained with TreeSHAP for the mean |SHAP| importance (evenly spaced). @default 2000 */
  readonly explainRows?: number;
}

/** LightGBM parameters of every model unless overridden. */
export const DEFAULT_LIGHTGBM_PARAMS: Readonly<Record<string, ParamValue>> = Object.freeze({
  objective: 'multiclass',
  num_class: 3,
  metric: 'multi_logloss',
  // Trees of depth 4: as good as 31-leaf trees on simulated history (holdout log-loss 1.069 vs 1.068 × Bayes over three
  // seeds at 100k rows; 1.0488 vs 1.0477 at 1M), and exact TreeSHAP costs trees × leaves × depth², so explaining a
  // prediction is ~20× cheaper (see README, Training).
  learning_rate: 0.1,
  num_leaves: 16,
  max_depth: 4,
  min_data_in_leaf: 400,
  lambda_l2: 1,
  feature_fraction: 0.8,
  bagging_fraction: 0.8,
  bagging_freq: 1,
});

/** {@link TrainerOptions} after validation, with every default filled in. */
export interface CompiledTrainerOptions {
  /** The model's columns, in FEATURE_NAMES order. */
  readonly features: readonly string[];
  /** Index of each model column in a full feature vector. */
  readonly featureIndices: readonly number[];
  readonly minAmount: number | null;
  readonly segment: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly buckets: CompiledBucketOptions;
  readonly seed: number;
  readonly holdoutShare: number;
  readonly validationShare: number;
  readonly minRows: number;
  readonly minPerBucket: number;
  readonly numBoostRound: number;
  readonly earlyStoppingRounds: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly thresholds: { readonly atRisk: number; readonly highLateBalance: number };
  readonly explainRows: number;
}

const RESERVED = ['objective', 'num_class', 'num_classes', 'seed', 'random_seed', 'random_state'];

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new ModelOptionError(path, value, `an integer from ${min} to ${max}`);
  return value;
}

function share(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !(value > min && value < max)) throw new ModelOptionError(path, value, `a number between ${min} and ${max} (exclusive)`);
  return value;
}

function featureList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw new ModelOptionError(path, value, 'a list of feature names');
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !(FEATURE_NAMES as readonly string[]).includes(name)) throw new ModelOptionError(`${path}[${i}]`, name, `a feature name (one of ${FEATURE_NAMES.join(', ')})`);
  });
  return value as string[];
}

function date(value: unknown, path: string): string | null {
  if (value === undefined) return null;
  if (!isDate(value)) throw new ModelOptionError(path, value, 'a date YYYY-MM-DD');
  return value;
}

/**
 * Validates trainer options once and fills in the defaults.
 * @throws ModelOptionError naming the first invalid option and its value
 */
export function compileTrainerOptions(options: TrainerOptions = {}): CompiledTrainerOptions {
  if (typeof options !== 'object' || options === null) throw new ModelOptionError('options', options, 'an object');
  const include = options.features === undefined ? null : new Set(featureList(options.features, 'features'));
  const exclude = new Set(options.exclude === undefined ? [] : featureList(options.exclude, 'exclude'));
  const featureIndices: number[] = [];
  FEATURE_NAMES.forEach((name, i) => {
    if ((include === null || include.has(name)) && !exclude.has(name)) featureIndices.push(i);
  });
  if (featureIndices.length === 0) throw new ModelOptionError('features', options.features ?? [], 'at least one feature left after --exclude');
  if (options.minAmount !== undefined && (typeof options.minAmount !== 'number' || !Number.isFinite(options.minAmount) || options.minAmount < 0)) {
    throw new ModelOptionError('minAmount', options.minAmount, 'a non-negative number (major units)');
  }
  if (options.segment !== undefined && (typeof options.segment !== 'string' || options.segment === '')) throw new ModelOptionError('segment', options.segment, 'a non-empty segment name');
  const from = date(options.from, 'from');
  const to = date(options.to, 'to');
  if (from !== null && to !== null && from > to) throw new ModelOptionError('to', to, `a date on or after from (${from})`);
  const veryLateDays = integer(options.veryLateDays ?? 30, 'veryLateDays', 1, 3650);
  const graceDays = integer(options.graceDays ?? 0, 'graceDays', 0, veryLateDays - 1);
  const buckets = compileBucketOptions({ veryLateDays, graceDays });
  const holdoutShare = share(options.holdoutShare ?? 0.2, 'holdoutShare', 0, 0.5);
  const validationShare = share(options.validationShare ?? 0.15, 'validationShare', 0, 0.5);
  if (holdoutShare + validationShare >= 0.8) throw new ModelOptionError('validationShare', validationShare, `a share that leaves at least 20% for training with holdoutShare ${holdoutShare}`);
  const params: Record<string, ParamValue> = { ...DEFAULT_LIGHTGBM_PARAMS };
  for (const [k, v] of Object.entries(options.params ?? {})) {
    if (RESERVED.includes(k)) throw new ModelOptionError(`params.${k}`, v, k.includes('seed') || k === 'random_state' ? 'no value here (use the seed option)' : 'no value here (the model is always multiclass with 3 classes)');
    params[k] = v;
  }
  const threshold = (value: number | undefined, path: string) => share(value ?? 0.5, path, 0, 1);
  return {
    features: featureIndices.map((i) => FEATURE_NAMES[i] as string),
    featureIndices,
    minAmount: options.minAmount ?? null,
    segment: options.segment ?? null,
    from,
    to,
    buckets,
    seed: integer(options.seed ?? 0, 'seed', 0, 2 ** 31 - 1),
    holdoutShare,
    validationShare,
    minRows: integer(options.minRows ?? 100, 'minRows', 10, Number.MAX_SAFE_INTEGER),
    minPerBucket: integer(options.minPerBucket ?? 30, 'minPerBucket', 1, Number.MAX_SAFE_INTEGER),
    numBoostRound: integer(options.numBoostRound ?? 2000, 'numBoostRound', 1, 100_000),
    earlyStoppingRounds: integer(options.earlyStoppingRounds ?? 50, 'earlyStoppingRounds', 1, 10_000),
    params,
    thresholds: { atRisk: threshold(options.atRiskThreshold, 'atRiskThreshold'), highLateBalance: threshold(options.highLateBalanceShare, 'highLateBalanceShare') },
    explainRows: integer(options.explainRows ?? 2000, 'explainRows', 1, 1_000_000),
  };
}
