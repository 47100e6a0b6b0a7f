import { CreditstreamError } from '@creditstream/errors';

/** An option of the trainer, the scorer or the report is invalid; `path` names it and the message its value. */
export class ModelOptionError extends CreditstreamError {
  constructor(
    readonly path: string,
    value: unknown,
    expected: string,
  ) {
    super('MODEL_INVALID_OPTION', `invalid option ${path}=${JSON.stringify(value)}: expected ${expected}`);
  }
}

/**
 * There is not enough labelled history to train (and evaluate) a LightGBM model. `reasons` says which minimum failed
 * with the counts; the cold-start model serves meanwhile.
 */
export class InsufficientHistoryError extends CreditstreamError {
  constructor(readonly reasons: readonly string[]) {
    super('MODEL_INSUFFICIENT_HISTORY', `not enough history to train a model: ${reasons.join('; ')}`);
  }
}

/** The time-based split cannot give every part rows (e.g. all invoices share one date). */
export class SplitError extends CreditstreamError {
  constructor(message: string) {
    super('MODEL_SPLIT_IMPOSSIBLE', message);
  }
}

/** No model version with this id in the registry. */
export class UnknownModelVersionError extends CreditstreamError {
  constructor(readonly version: string, known: readonly string[]) {
    super(
      'MODEL_UNKNOWN_VERSION',
      `no model version ${JSON.stringify(version)} in the registry${known.length > 0 ? ` (versions: ${known.slice(-10).join(', ')}${known.length > 10 ? ', …' : ''})` : ' (it is empty: run `creditstream model train`)'}`,
    );
  }
}

/** A stored model cannot serve the features this build computes (another feature set, an unknown column). */
export class IncompatibleModelError extends CreditstreamError {
  constructor(readonly version: string, problem: string) {
    super('MODEL_INCOMPATIBLE', `model ${version} cannot be used: ${problem}`);
  }
}

/** A registry document is not what this version of the registry writes. */
export class CorruptModelError extends CreditstreamError {
  constructor(readonly version: string, problem: string) {
    super('MODEL_CORRUPT', `model ${version} in the registry is unreadable: ${problem}`);
  }
}

/** A feature vector passed to a scorer has the wrong length. */
export class FeatureVectorError extends CreditstreamError {
  constructor(expected: number, got: number) {
    super('MODEL_FEATURE_VECTOR', `feature vector has ${got} values, expected ${expected} (FEATURE_NAMES order)`);
  }
}
