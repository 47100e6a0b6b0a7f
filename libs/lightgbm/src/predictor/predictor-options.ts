import { LightGbmOptionsError } from '../errors';

/** Options of a {@link Predictor}. */
export interface PredictorOptions {
  /**
   * Byte budget of the exact TreeSHAP tables (see README, "Explanations"): for every leaf of a tree of depth ≤ 8, its
   * terms for each pattern of hot/cold bits of its ancestors, built by the recursion itself at the first explanation.
   * Trees are tabled in model order while they fit; the others are explained by the direct recursion, with the same
   * result bit for bit. About 2 MB for 400 trees of 16 leaves. 0 explains every tree directly.
   * @default 33554432 (32 MiB)
   */
  readonly shapTableBytes?: number;
}

export interface CompiledPredictorOptions {
  readonly shapTableBytes: number;
}

export const DEFAULT_SHAP_TABLE_BYTES = 32 * 1024 * 1024;

/** Upper bound on the tables: their offsets are int32 (2^31 doubles would be 16 GiB; this is far below). */
const MAX_SHAP_TABLE_BYTES = 2 ** 31;

/**
 * Validates predictor options once and fills in the defaults.
 * @throws LightGbmOptionsError naming the offending option
 */
export function compilePredictorOptions(options: PredictorOptions = {}): CompiledPredictorOptions {
  if (typeof options !== 'object' || options === null) throw new LightGbmOptionsError('options', `${String(options)} is not an object`);
  const value = options.shapTableBytes ?? DEFAULT_SHAP_TABLE_BYTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SHAP_TABLE_BYTES) {
    throw new LightGbmOptionsError('shapTableBytes', `${String(value)} is not an integer number of bytes in [0, ${MAX_SHAP_TABLE_BYTES}]`);
  }
  return { shapTableBytes: value };
}
