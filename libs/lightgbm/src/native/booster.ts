import { BoosterFreedError, FeatureCountError } from '../errors';
import { toRowMajor, type FeatureMatrix } from '../matrix';
import { ImportanceType, loadLightGbm, PredictType, type LightGbmApi, type NativeHandle } from './api';
import { formatParams, type LightGbmParams } from './params';

/** Options of {@link NativeBooster.fromModelText}. */
export interface NativeBoosterOptions {
  /** @default resolveLibraryPath() */
  readonly libraryPath?: string;
  /** Prediction parameters passed to every predict call. @default { num_threads: 1 } */
  readonly predictParams?: LightGbmParams;
}

/**
 * A LightGBM booster in native memory, loaded from model text, for prediction with the C library. Calls block the
 * calling thread (prediction is fast; training goes through {@link train}). The native memory is not garbage
 * collected: call {@link free} when done (idempotent); any use after that throws {@link BoosterFreedError}.
 */
export class NativeBooster {
  /** Values per row of {@link predict}: classes for multiclass, 1 for binary and regression. */
  readonly numClass: number;
  /** Columns every row must have. */
  readonly numFeatures: number;
  /** Values per row of {@link contributions}: num_class · (numFeatures + 1). */
  readonly contributionsPerRow: number;

  private handle: NativeHandle | null;
  private fastConfig: NativeHandle | null = null;

  private constructor(
    private readonly api: LightGbmApi,
    handle: NativeHandle,
    private readonly params: string,
  ) {
    this.handle = handle;
    try {
      this.numFeatures = api.boosterGetNumFeature(handle);
      this.numClass = api.boosterCalcNumPredict(handle, 1, PredictType.normal, 0, -1);
      this.contributionsPerRow = api.boosterCalcNumPredict(handle, 1, PredictType.contrib, 0, -1);
    } catch (err) {
      api.boosterFree(handle);
      this.handle = null;
      throw err;
    }
  }

  /**
   * Loads a booster from LightGBM model text (LGBM_BoosterLoadModelFromString).
   * @throws LightGbmNativeError with LightGBM's message when the text is not a valid model
   */
  static fromModelText(modelText: string, options: NativeBoosterOptions = {}): NativeBooster {
    const params = formatParams(options.predictParams ?? { num_threads: 1 }, 'predictParams');
    const api = loadLightGbm(options.libraryPath);
    const { handle } = api.boosterLoadModelFromString(modelText);
    return new NativeBooster(api, handle, params);
  }

  /** Probabilities (or regression values): `nrow · numClass` values, row-major. */
  predict(rows: FeatureMatrix): Float64Array {
    return this.predictMatrix(rows, PredictType.normal, this.numClass, 'predict');
  }

  /** Raw scores: `nrow · numClass` values, row-major. */
  predictRaw(rows: FeatureMatrix): Float64Array {
    return this.predictMatrix(rows, PredictType.rawScore, this.numClass, 'predictRaw');
  }

  /** SHAP contributions (C_API_PREDICT_CONTRIB): `nrow · contributionsPerRow` values, row-major. */
  contributions(rows: FeatureMatrix): Float64Array {
    return this.predictMatrix(rows, PredictType.contrib, this.contributionsPerRow, 'contributions');
  }

  /**
   * Probabilities of one row through LightGBM's single-row fast path (a FastConfig prepared on first use).
   * Writes into `out` when given, so repeated calls allocate nothing.
   */
  predictRow(row: Float64Array, out: Float64Array = new Float64Array(this.numClass)): Float64Array {
    const handle = this.live('predictRow');
    if (row.length !== this.numFeatures) throw new FeatureCountError(this.numFeatures, row.length, 'row');
    this.fastConfig ??= this.api.fastConfigInit(handle, PredictType.normal, this.numFeatures, this.params);
    this.api.fastPredictRow(this.fastConfig, row, out);
    return out;
  }

  /** Feature importance per feature over all iterations: split counts or total gains. */
  featureImportance(kind: 'split' | 'gain' = 'split'): Float64Array {
    const out = new Float64Array(this.numFeatures);
    this.api.boosterFeatureImportance(this.live('featureImportance'), -1, ImportanceType[kind], out);
    return out;
  }

  /** The model as LightGBM text, as LightGBM itself writes it. */
  modelText(): string {
    return this.api.boosterSaveModelToString(this.live('modelText'), 0, -1, ImportanceType.split);
  }

  /** True once {@link free} has run. */
  get freed(): boolean {
    return this.handle === null;
  }

  /** Releases the native booster (and its single-row config). Safe to call more than once. */
  free(): void {
    const fastConfig = this.fastConfig;
    const handle = this.handle;
    this.fastConfig = null;
    this.handle = null;
    try {
      if (fastConfig !== null) this.api.fastConfigFree(fastConfig);
    } finally {
      if (handle !== null) this.api.boosterFree(handle);
    }
  }

  private predictMatrix(rows: FeatureMatrix, predictType: number, perRow: number, operation: string): Float64Array {
    const handle = this.live(operation);
    const { data, nrow } = toRowMajor(rows, this.numFeatures, 'rows');
    const out = new Float64Array(nrow * perRow);
    if (nrow === 0) return out;
    this.api.boosterPredictForMat(handle, data, nrow, this.numFeatures, predictType, 0, -1, this.params, out);
    return out;
  }

  private live(operation: string): NativeHandle {
    if (this.handle === null) throw new BoosterFreedError(operation);
    return this.handle;
  }
}
