import { LightGbmOptionsError } from '../errors';
import { ImportanceType, loadLightGbm, type LightGbmApi, type NativeHandle } from './api';
import type { DataJob, TrainJob, TrainResult } from './train-options';

/** Metrics where a larger value is better (LightGBM's metric names, as LGBM_BoosterGetEvalNames reports them). */
function higherIsBetter(metric: string): boolean {
  return metric.startsWith('auc') || metric.startsWith('ndcg') || metric.startsWith('map') || metric === 'average_precision';
}

/**
 * Runs a training job synchronously in the calling thread. This blocks for the whole training, so it is only
 * called inside the training worker (see train.ts). Every native handle is freed before returning or throwing.
 */
export function runTrainingJob(job: TrainJob): TrainResult {
  const api = loadLightGbm(job.libraryPath);
  // Freed in reverse order of creation: the booster before the data sets it refers to.
  const frees: (() => void)[] = [];
  let result: TrainResult;
  try {
    const train = createDataset(api, job, job.train, null);
    frees.unshift(() => api.datasetFree(train));
    api.datasetSetFeatureNames(train, job.featureNames);
    let validation: NativeHandle | null = null;
    if (job.validation) {
      const valid = createDataset(api, job, job.validation, train);
      frees.unshift(() => api.datasetFree(valid));
      validation = valid;
    }
    const booster = api.boosterCreate(train, job.paramString);
    frees.unshift(() => api.boosterFree(booster));
    if (validation !== null) api.boosterAddValidData(booster, validation);
    result = boost(api, booster, job, validation !== null);
  } catch (err) {
    // A cleanup failure must not hide the error that caused it.
    freeAll(frees);
    throw err;
  }
  const cleanupError = freeAll(frees);
  if (cleanupError !== undefined) throw cleanupError;
  return result;
}

/** Runs every free even when one fails; returns the first failure. */
function freeAll(frees: readonly (() => void)[]): unknown {
  let failure: unknown;
  for (const free of frees) {
    try {
      free();
    } catch (err) {
      failure ??= err;
    }
  }
  return failure;
}

function createDataset(api: LightGbmApi, job: TrainJob, data: DataJob, reference: NativeHandle | null): NativeHandle {
  const dataset = api.datasetCreateFromMat(data.data, data.nrow, job.ncol, job.paramString, reference);
  try {
    api.datasetSetFloatField(dataset, 'label', data.labels);
    if (data.weights) api.datasetSetFloatField(dataset, 'weight', data.weights);
    return dataset;
  } catch (err) {
    api.datasetFree(dataset);
    throw err;
  }
}

function boost(api: LightGbmApi, booster: NativeHandle, job: TrainJob, hasValidation: boolean): TrainResult {
  const metrics = hasValidation ? api.boosterGetEvalNames(booster) : [];
  if (job.earlyStoppingRounds !== undefined && metrics.length === 0) {
    throw new LightGbmOptionsError('earlyStoppingRounds', 'needs a metric, but params select none (metric=None?)');
  }
  const history: number[][] = metrics.map(() => []);
  const scores = new Float64Array(Math.max(1, metrics.length));
  const stopMetric = metrics[0] ?? '';
  const larger = higherIsBetter(stopMetric);
  let bestIteration = 0;
  let bestScore = larger ? -Infinity : Infinity;

  for (let iteration = 1; iteration <= job.numBoostRound; iteration++) {
    // is_finished: no tree could split; LightGBM has already dropped that iteration's trees.
    if (api.boosterUpdateOneIter(booster)) break;
    if (!hasValidation) continue;
    api.boosterGetEval(booster, 1, scores);
    metrics.forEach((_, m) => (history[m] as number[]).push(scores[m] as number));
    const score = scores[0] as number;
    if (larger ? score > bestScore : score < bestScore) {
      bestScore = score;
      bestIteration = iteration;
    }
    if (job.earlyStoppingRounds !== undefined && iteration - bestIteration >= job.earlyStoppingRounds) break;
  }

  const trained = api.boosterGetCurrentIteration(booster);
  const keep = job.earlyStoppingRounds !== undefined && bestIteration > 0 ? bestIteration : trained;
  const evalHistory: Record<string, number[]> = {};
  metrics.forEach((name, m) => {
    evalHistory[name] = history[m] as number[];
  });
  return {
    modelText: api.boosterSaveModelToString(booster, 0, keep, ImportanceType.split),
    bestIteration: keep,
    evalHistory,
  };
}
