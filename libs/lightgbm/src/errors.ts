/**
 * Errors of @creditstream/lightgbm. Each has a stable `code` and a `retriable` flag; messages name the bad value.
 */

/** Base class of every error thrown by this package. */
export class LightGbmError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, retriable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** lib_lightgbm.so could not be found or loaded. */
export class LightGbmLibraryError extends LightGbmError {
  readonly libraryPath: string;

  constructor(libraryPath: string, reason: string) {
    super(
      'LIGHTGBM_LIBRARY_UNAVAILABLE',
      `cannot load LightGBM library ${libraryPath}: ${reason}. It is built by \`npm install\` ` +
        '(postinstall: node libs/lightgbm/scripts/build-native.js); LIGHTGBM_LIB may point at an existing one',
    );
    this.libraryPath = libraryPath;
  }
}

/** A LightGBM C API call returned non-zero; `lightgbmMessage` is LightGBM's own LGBM_GetLastError text. */
export class LightGbmNativeError extends LightGbmError {
  readonly functionName: string;
  readonly lightgbmMessage: string;

  constructor(functionName: string, lightgbmMessage: string) {
    super('LIGHTGBM_NATIVE_ERROR', `${functionName} failed: ${lightgbmMessage}`);
    this.functionName = functionName;
    this.lightgbmMessage = lightgbmMessage;
  }
}

/** Options passed to this package are invalid; `path` names the offending option. */
export class LightGbmOptionsError extends LightGbmError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super('LIGHTGBM_INVALID_OPTIONS', `invalid option ${path}: ${problem}`);
    this.path = path;
  }
}

/** A LightGBM text model could not be parsed. */
export class ModelParseError extends LightGbmError {
  constructor(problem: string) {
    super('LIGHTGBM_MODEL_PARSE', `cannot parse LightGBM model text: ${problem}`);
  }
}

/** Model kinds the TypeScript predictor refuses rather than predicting them wrongly. */
export type UnsupportedModelFeature = 'linear_tree' | 'multiclassova' | 'average_output' | 'objective';

/** The model parses but uses a feature the TypeScript predictor does not implement. */
export class UnsupportedModelError extends LightGbmError {
  readonly feature: UnsupportedModelFeature;

  constructor(feature: UnsupportedModelFeature, detail: string) {
    super('LIGHTGBM_UNSUPPORTED_MODEL', `unsupported LightGBM model (${feature}): ${detail}`);
    this.feature = feature;
  }
}

/** A row does not have the number of features the model was trained with. */
export class FeatureCountError extends LightGbmError {
  constructor(expected: number, actual: number, where: string) {
    super('LIGHTGBM_FEATURE_COUNT', `${where} has ${actual} features, the model expects ${expected}`);
  }
}

/** A native booster was used after free(). */
export class BoosterFreedError extends LightGbmError {
  constructor(operation: string) {
    super('LIGHTGBM_BOOSTER_FREED', `cannot ${operation}: the native booster was already freed`);
  }
}

/**
 * The training worker failed outside LightGBM: it died without a result (crash, out of memory, killed; retriable)
 * or threw an unexpected error (not retriable).
 */
export class TrainingWorkerError extends LightGbmError {
  constructor(detail: string, retriable: boolean) {
    super('LIGHTGBM_TRAINING_WORKER', `LightGBM training worker failed: ${detail}`, retriable);
  }
}

/** Plain-data form of an error, as sent from the training worker to the caller's thread. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly fields: Record<string, string>;
}

/** Turns an error into plain data that survives postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof LightGbmNativeError) {
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      fields: { functionName: err.functionName, lightgbmMessage: err.lightgbmMessage },
    };
  }
  if (err instanceof LightGbmOptionsError) {
    return { name: err.name, message: err.message, stack: err.stack, fields: { path: err.path, problem: err.message } };
  }
  if (err instanceof LightGbmLibraryError) {
    return { name: err.name, message: err.message, stack: err.stack, fields: { libraryPath: err.libraryPath } };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack, fields: {} };
  return { name: 'Error', message: String(err), fields: {} };
}

/** Rebuilds the named error class from {@link serializeError}'s output, keeping LightGBM's message intact. */
export function deserializeError(data: SerializedError): Error {
  let err: Error;
  switch (data.name) {
    case 'LightGbmNativeError':
      err = new LightGbmNativeError(data.fields.functionName ?? 'unknown', data.fields.lightgbmMessage ?? data.message);
      break;
    case 'LightGbmOptionsError': {
      err = new LightGbmOptionsError(data.fields.path ?? 'unknown', '');
      err.message = data.message;
      break;
    }
    case 'LightGbmLibraryError': {
      err = new LightGbmLibraryError(data.fields.libraryPath ?? 'unknown', '');
      err.message = data.message;
      break;
    }
    default:
      err = new TrainingWorkerError(`${data.name}: ${data.message}`, false);
  }
  if (data.stack) err.stack = `${err.name}: ${err.message}\n    [in training worker]\n${data.stack}`;
  return err;
}
