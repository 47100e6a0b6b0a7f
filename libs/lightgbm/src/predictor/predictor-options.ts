import { LightGbmOptionsError } from '../errors';

/** Options of a {@link Predictor}. */
export interface PredictorOptions {
  /**
   * Byte budget of the TreeSHAP memo (see README, "Explanations"): exact leaf terms kept by (leaf, hot/cold bits of
   * its ancestors), allocated once when the predictor is built. 0 disables it: every contribution is computed by
   * the direct recursion. A budget too small to hold a useful table (under a few kB) also disables it. Off by
   * default: it pays only when rows repeat the same decision patterns and the budget holds them (measured in the
   * README: tens of MB for a 456-tree model); with a few MB on mixed traffic it is slower than the recursion.
   * @default 0
   */
  readonly shapMemoBytes?: number;
  /**
   * Byte budget of the whole-tree TreeSHAP memo (see README, "Explanations"): each tree's ordered additions kept by
   * the row's hot/cold decision at every internal node of the tree, replayed bit-identically. For shallow trees
   * (depth ≤ 5) whose decision patterns recur across rows it is several times faster than the recursion. Takes
   * precedence over shapMemoBytes. 0 disables it. @default 0
   */
  readonly shapTreeMemoBytes?: number;
}

export interface CompiledPredictorOptions {
  readonly shapMemoBytes: number;
  readonly shapTreeMemoBytes: number;
}

export const DEFAULT_SHAP_MEMO_BYTES = 0;

/** Upper bound on the memo: its offsets are int32 and a larger table only costs memory. */
const MAX_SHAP_MEMO_BYTES = 2 ** 31;

/**
 * Validates predictor options once and fills in the defaults.
 * @throws LightGbmOptionsError naming the offending option
 */
export function compilePredictorOptions(options: PredictorOptions = {}): CompiledPredictorOptions {
  if (typeof options !== 'object' || options === null) throw new LightGbmOptionsError('options', `${String(options)} is not an object`);
  const bytes = (name: 'shapMemoBytes' | 'shapTreeMemoBytes'): number => {
    const value = options[name] ?? DEFAULT_SHAP_MEMO_BYTES;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SHAP_MEMO_BYTES) {
      throw new LightGbmOptionsError(name, `${String(value)} is not an integer number of bytes in [0, ${MAX_SHAP_MEMO_BYTES}]`);
    }
    return value;
  };
  return { shapMemoBytes: bytes('shapMemoBytes'), shapTreeMemoBytes: bytes('shapTreeMemoBytes') };
}
