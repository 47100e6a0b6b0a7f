import { InvalidFeatureOptionError } from './errors';

/** Payment timeliness bucket of a settled invoice (DESIGN.md "Buckets"). */
export type PaymentBucket = 'ON_TIME' | 'LATE' | 'VERY_LATE';

/** The three buckets in the model's class order. */
export const BUCKETS: readonly PaymentBucket[] = ['ON_TIME', 'LATE', 'VERY_LATE'];

export interface BucketOptions {
  /**
   * V: paid more than V days after the due date is very late.
   * @default 30
   */
  veryLateDays?: number;
  /**
   * G: late starts after G grace days past the due date.
   * @default 0
   */
  graceDays?: number;
}

export interface CompiledBucketOptions {
  readonly veryLateDays: number;
  readonly graceDays: number;
}

/** Options that went through {@link compileBucketOptions}, so bucketOf need not validate them again. */
const compiled = new WeakSet<CompiledBucketOptions>();

/** The buckets the lateness aggregates and features use: V = 30, G = 0. */
export const DEFAULT_BUCKETS: CompiledBucketOptions = Object.freeze({ veryLateDays: 30, graceDays: 0 });
compiled.add(DEFAULT_BUCKETS);

/**
 * Validates bucket options once. @throws InvalidFeatureOptionError naming the option, when V is not an integer
 * >= 1, G not an integer >= 0, or G >= V (there would be no late bucket).
 */
export function compileBucketOptions(options: BucketOptions = {}): CompiledBucketOptions {
  const veryLateDays = options.veryLateDays ?? DEFAULT_BUCKETS.veryLateDays;
  const graceDays = options.graceDays ?? DEFAULT_BUCKETS.graceDays;
  if (!Number.isSafeInteger(veryLateDays) || veryLateDays < 1) throw new InvalidFeatureOptionError('veryLateDays', veryLateDays, 'an integer >= 1');
  if (!Number.isSafeInteger(graceDays) || graceDays < 0) throw new InvalidFeatureOptionError('graceDays', graceDays, 'an integer >= 0');
  if (graceDays >= veryLateDays) throw new InvalidFeatureOptionError('graceDays', graceDays, `less than veryLateDays (${veryLateDays})`);
  const result = Object.freeze({ veryLateDays, graceDays });
  compiled.add(result);
  return result;
}

/**
 * The bucket of an invoice settled `daysLate` days after its due date (negative = early): ON_TIME when paid on or
 * before the due date plus G grace days, LATE when G+1..V days after it, VERY_LATE when more than V days after.
 * Pass options compiled once with {@link compileBucketOptions} in hot loops; plain options are validated per call.
 * @throws InvalidFeatureOptionError for invalid options, RangeError when daysLate is not an integer.
 */
export function bucketOf(daysLate: number, options: BucketOptions | CompiledBucketOptions = DEFAULT_BUCKETS): PaymentBucket {
  const o = compiled.has(options as CompiledBucketOptions) ? (options as CompiledBucketOptions) : compileBucketOptions(options);
  if (!Number.isSafeInteger(daysLate)) throw new RangeError(`daysLate must be an integer, got ${String(daysLate)}`);
  if (daysLate <= o.graceDays) return 'ON_TIME';
  if (daysLate <= o.veryLateDays) return 'LATE';
  return 'VERY_LATE';
}
