import type { ParamValue } from '@creditstream/lightgbm';
import type { ColdStartParams } from './cold-start/cold-start';
import type { TrainingSource } from './dataset/examples';
import type { EvaluationMetrics, Reliability } from './metrics/evaluate';
import type { SelectionSummary } from './selection/select';
import type { Exclusions } from './training/rows';

/** The registry id of the payment-bucket model (the only model creditstream trains). */
export const MODEL_ID = 'payment-buckets';

/**
 * `lightgbm-multiclass` for a trained model — the serving format: LightGBM trees, whichever candidate was chosen (a
 * logistic regression is written as trees, see selection/logistic.ts; `selection.choice` names it); `cold-start` for
 * the Dirichlet prior model (see cold-start.ts).
 */
export type Algorithm = 'lightgbm-multiclass' | 'cold-start';

/** First and last invoice date of a part of the data. */
export interface DateRange {
  readonly from: string;
  readonly to: string;
}

/** What a model was trained and evaluated on. */
export interface DataSummary {
  readonly source: TrainingSource;
  /** The last business date of the data: labels are as known then. */
  readonly dataEnd: string;
  readonly rows: { readonly total: number; readonly train: number; readonly validation: number; readonly holdout: number };
  readonly ranges: { readonly train: DateRange | null; readonly validation: DateRange | null; readonly holdout: DateRange | null };
  readonly classCounts: { readonly train: number[]; readonly validation: number[]; readonly holdout: number[] };
  readonly excluded: Exclusions;
}

/** One feature's importance in a trained model. */
export interface FeatureImportance {
  readonly feature: string;
  /** Total split gain over all trees (LightGBM's `gain` importance). */
  readonly gain: number;
  /** Number of splits on the feature. */
  readonly splits: number;
  /** Mean over explained holdout rows of Σ_class |SHAP value| (raw-score units). */
  readonly meanAbsShap: number;
  /** Mean |SHAP value| per class (ON_TIME, LATE, VERY_LATE). */
  readonly meanAbsShapByClass: number[];
}

/** Per-row SHAP values of one feature on a sample of holdout rows, for the summary (beeswarm) plot. */
export interface ShapSummary {
  readonly feature: string;
  /** The feature's value in each sampled row; null when missing. */
  readonly values: (number | null)[];
  /** Its contribution to the late-side score in each row (positive pushes towards late). */
  readonly contributions: number[];
}

/** Filters and settings a model was trained with (for `model show` and reproducing it). */
export interface TrainingSettings {
  readonly seed: number;
  readonly numBoostRound: number;
  readonly earlyStoppingRounds: number;
  /** Boosting rounds of the final LightGBM part (the mean kept by early stopping over the folds). */
  readonly bestIteration: number;
  readonly holdoutShare: number;
  readonly validationShare: number;
  readonly minRows: number;
  readonly minPerBucket: number;
  readonly filters: {
    readonly minAmount: number | null;
    readonly segment: string | null;
    readonly from: string | null;
    readonly to: string | null;
  };
}

/** Baselines the model is compared with on the same holdout. */
export interface Baselines {
  /** The naive model: always the training majority class (and the training class shares as probabilities). */
  readonly majority: { readonly bucket: string; readonly accuracy: number; readonly logLoss: number };
  /** The cold-start model fitted on the same training rows. */
  readonly coldStart: EvaluationMetrics | null;
  /** The final LightGBM part alone (absent in versions registered before model selection). */
  readonly lightgbm?: EvaluationMetrics | null;
  /** The final logistic regression alone (absent in versions registered before model selection). */
  readonly logistic?: EvaluationMetrics | null;
}

/** A trained model, everything the registry stores except its version. */
export interface TrainedModel {
  readonly modelId: string;
  readonly algorithm: Algorithm;
  readonly featureSetVersion: string;
  /** The model's columns, in order (a subset of FEATURE_NAMES, in its order). */
  readonly features: string[];
  readonly buckets: { readonly veryLateDays: number; readonly graceDays: number };
  readonly thresholds: { readonly atRisk: number; readonly highLateBalance: number };
  /** LightGBM parameters (empty for cold-start). */
  readonly params: Record<string, ParamValue>;
  readonly training: TrainingSettings;
  readonly data: DataSummary;
  /**
   * Metrics on the time-based holdout. For a cold-start model trained below the minimum history, on every labelled
   * row it was fitted on (`metricsOn: 'fit'`), or null without any labelled row.
   */
  readonly metrics: EvaluationMetrics | null;
  readonly metricsOn: 'holdout' | 'fit';
  readonly baselines: Baselines | null;
  readonly reliability: Reliability | null;
  /** Sorted by mean |SHAP| (largest first); empty for cold-start. */
  readonly importance: FeatureImportance[];
  readonly shapSummary: ShapSummary[];
  /** Validation metric per boosting round of the early-stopping run (the chosen LightGBM candidate, last fold). */
  readonly evalHistory: Record<string, number[]>;
  /**
   * How the model was chosen: folds, every candidate's validation log-loss, the blend weight and the calibration.
   * null for cold-start (and absent in versions registered before model selection).
   */
  readonly selection?: SelectionSummary | null;
  /** The cold-start model fitted on the same rows: the model itself for `cold-start`, a fallback otherwise. */
  readonly coldStart: ColdStartParams;
  /** LightGBM text model; null for cold-start. */
  readonly modelText: string | null;
  readonly modelBytes: number;
  /** sha256 of the model text (hex); null for cold-start. */
  readonly modelSha256: string | null;
}

/** A model version in the registry. */
export interface ModelVersion extends TrainedModel {
  /** `v<sequence>`. */
  readonly version: string;
  /** 1, 2, 3, … in registration order. */
  readonly sequence: number;
  /** Wall-clock time of registration (audit information, not business time). */
  readonly createdAt: string;
}
