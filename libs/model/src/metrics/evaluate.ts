import { accuracy, argmaxRows, classScores, confusionMatrix, macroF1, type ClassScores } from './classification';
import { brierScore, classReliability, confidenceReliability, expectedCalibrationError, logLoss, type ReliabilityBin } from './probabilistic';

/** Bins of the reliability diagrams and of the expected calibration error. */
export const CALIBRATION_BINS = 10;

/** How a model did on a set of labelled rows (the holdout). */
export interface EvaluationMetrics {
  readonly rows: number;
  readonly accuracy: number;
  /** Mean F1 over the classes. */
  readonly macroF1: number;
  readonly logLoss: number;
  readonly brier: number;
  /** Expected calibration error, top-label, 10 bins. */
  readonly calibrationError: number;
  /** `confusion[actual][predicted]`. */
  readonly confusion: number[][];
  readonly perClass: ClassScores[];
  /** Rows of each class. */
  readonly classCounts: number[];
}

/** Reliability diagram data: one-vs-rest per class, and top-label (what the calibration error summarises). */
export interface Reliability {
  readonly perClass: ReliabilityBin[][];
  readonly confidence: ReliabilityBin[];
}

/** Every metric of {@link EvaluationMetrics} for row-major probabilities. */
export function evaluate(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): EvaluationMetrics {
  const predicted = argmaxRows(probabilities, numClasses);
  const confusion = confusionMatrix(labels, predicted, numClasses);
  const perClass = classScores(confusion);
  return {
    rows: labels.length,
    accuracy: accuracy(labels, predicted),
    macroF1: macroF1(perClass),
    logLoss: logLoss(probabilities, labels, numClasses),
    brier: brierScore(probabilities, labels, numClasses),
    calibrationError: expectedCalibrationError(probabilities, labels, numClasses, CALIBRATION_BINS),
    confusion,
    perClass,
    classCounts: perClass.map((c) => c.support),
  };
}

/** The reliability diagram data of row-major probabilities. */
export function reliability(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Reliability {
  return {
    perClass: Array.from({ length: numClasses }, (_, k) => classReliability(probabilities, labels, numClasses, k, CALIBRATION_BINS)),
    confidence: confidenceReliability(probabilities, labels, numClasses, CALIBRATION_BINS),
  };
}

/** Class frequencies of `labels` (for the naive model), Laplace-smoothed so no class has probability 0. */
export function classPrior(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(1);
  for (let i = 0; i < labels.length; i++) counts[labels[i] as number]! += 1;
  const total = labels.length + numClasses;
  return counts.map((c) => c / total);
}

/** `rows` copies of one probability row, row-major: the naive model's predictions. */
export function constantPredictions(prior: readonly number[], rows: number): Float64Array {
  const out = new Float64Array(rows * prior.length);
  for (let r = 0; r < rows; r++) out.set(prior, r * prior.length);
  return out;
}
