/**
 * @creditstream/model: the payment-bucket model. Point-in-time training sets (from the feature log or the event
 * log), LightGBM training with a time-based holdout and its metrics, the cold-start model, the model registry in
 * MongoDB, the scorer the scoring service uses, and the HTML report.
 */
export * from './errors';
export { CLASSES, NUM_CLASSES, labelOf, type ClassIndex, type InvoiceOutcome } from './labels';
export { compareExamples, type TrainingData, type TrainingExample, type TrainingSource } from './dataset/examples';
export { createPointInTimeBuilder, eventBusinessDay, trainingDataFromEventLog, type PointInTimeBuilder } from './dataset/from-event-log';
export { trainingDataFromFeatureLog, type FeatureLogInput, type LoggedVector, type StoredInvoice } from './dataset/from-feature-log';
export { accuracy, argmaxRows, classScores, confusionMatrix, macroF1, type ClassScores } from './metrics/classification';
export { brierScore, classReliability, confidenceReliability, expectedCalibrationError, logLoss, LOG_LOSS_EPSILON, type ReliabilityBin } from './metrics/probabilistic';
export { CALIBRATION_BINS, classPrior, constantPredictions, evaluate, reliability, type EvaluationMetrics, type Reliability } from './metrics/evaluate';
export { COLD_START_FEATURES, coldStartContributions, coldStartProbabilities, DEFAULT_COLD_START, fitColdStart, lateSideScore, type ColdStartParams } from './cold-start/cold-start';
export { exactShapley } from './cold-start/shapley';
export { compileTrainerOptions, DEFAULT_LIGHTGBM_PARAMS, type CompiledTrainerOptions, type TrainerOptions } from './training/options';
export { selectRows, type Exclusions, type LabelledRow, type RowSelection } from './training/rows';
export { timeSplit, type TimeSplit } from './training/split';
export { historyShortfall, trainPaymentModel, type TrainingLog, type TrainingOutcome } from './training/train-model';
export * from './model';
export { lateSideContributions } from './scoring/late-side';
export { builtInColdStart, createScorer, type Prediction, type PredictionFactor, type ScoreOptions, type Scorer, type ScorerModel, type ScorerOptions } from './scoring/scorer';
export { metricsRecord, modelPublishedEvent, ModelRegistry, REGISTRY_COLLECTIONS, REGISTRY_INDEXES, type ModelVersionSummary, type Publication } from './registry/registry';
export { loadActiveModel, loadModelVersion, type ActiveModel } from './scoring/load';
export { renderReport } from './report/render';
export { reportScriptHashes } from './report/charts';
export { selectModel, BLEND_MIN_GAIN, LARGE_ROWS, LOGISTIC_MAX_ROWS, SMALL_ROWS, type CandidateScore, type SelectionInput, type SelectionResult, type SelectionSummary } from './selection/select';
export { fitLogistic, logisticLogProbabilities, STEP_BINS, type ColumnSteps, type LogisticModel } from './selection/logistic';
export { composeModelText, type EnsembleParts } from './selection/ensemble-text';
export { calibratedLogLoss, fitCalibration, NO_CALIBRATION, type Calibration, type CalibrationKind } from './selection/calibration';
export { rollingOriginFolds, type Fold } from './selection/folds';
export { minimise, type MinimiseOptions, type Objective } from './selection/lbfgs';
