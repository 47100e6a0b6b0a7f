/**
 * @creditstream/lightgbm: LightGBM through its C library (training off the event loop, native prediction) and
 * an exact pure-TypeScript predictor with TreeSHAP contributions for serving.
 */
export * from './errors';
export type { FeatureMatrix } from './matrix';
export { resolveLibraryPath } from './native/library-path';
export type { LightGbmParams, ParamValue } from './native/params';
export { NativeBooster, type NativeBoosterOptions } from './native/booster';
export { train } from './native/train';
export type { LabelledData, TrainOptions, TrainResult } from './native/train-options';
export { Predictor, type Explanation } from './predictor/predictor';
export type { OutputTransform } from './predictor/model-text';
export { DEFAULT_SHAP_TABLE_BYTES, type PredictorOptions } from './predictor/predictor-options';
export type { ShapTableStats } from './predictor/shap-table';
export { topFactors, type Factor, type TopFactorsOptions } from './predictor/top-factors';
export { K_ZERO_THRESHOLD } from './predictor/decision';
