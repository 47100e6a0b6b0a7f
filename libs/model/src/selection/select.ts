import { NativeBooster, Predictor, train, type ParamValue } from '@creditstream/lightgbm';
import { NUM_CLASSES } from '../labels';
import { calibratedLogLoss, fitCalibration, NO_CALIBRATION, type Calibration } from './calibration';
import { composeModelText } from './ensemble-text';
import { rollingOriginFolds, type Fold } from './folds';
import { fitLogistic, logisticLogProbabilities, type LogisticModel, type WarmStart } from './logistic';

/** The rows a selection works on: the model columns (row-major), labels and invoice dates of the rows before the holdout. */
export interface SelectionInput {
  readonly x: Float64Array;
  readonly labels: Float64Array;
  readonly dates: readonly string[];
  readonly featureNames: readonly string[];
  /** LightGBM parameters every candidate starts from (the defaults and the caller's overrides). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Parameters the caller set explicitly: no grid overrides them. */
  readonly fixed: ReadonlySet<string>;
  readonly numBoostRound: number;
  readonly earlyStoppingRounds: number;
  /** Rows per validation block (the validation share of the data). */
  readonly blockSize: number;
}

/** One candidate's score on the pooled validation folds. */
export interface CandidateScore {
  readonly name: string;
  readonly kind: 'lightgbm' | 'logistic';
  /** Grid parameters of a LightGBM candidate; λ of a logistic one. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Mean validation log-loss over every fold's validation rows. */
  readonly validationLogLoss: number;
  /** Boosting rounds kept by early stopping, per fold (LightGBM). */
  readonly rounds?: readonly number[];
}

/** What the selection chose, with every score it compared. */
export interface SelectionSummary {
  /** small (< 20,000 rows before the holdout), medium (< 200,000) or large: decides folds and grids. */
  readonly size: 'small' | 'medium' | 'large';
  readonly folds: readonly { readonly train: number; readonly validation: number; readonly from: string; readonly to: string }[];
  readonly candidates: readonly CandidateScore[];
  /** The weight of LightGBM in the blend of logits (1 = LightGBM alone, 0 = the logistic regression alone). */
  readonly lightgbmWeight: number;
  readonly choice: 'lightgbm' | 'logistic' | 'blend';
  /** Validation log-loss of the best LightGBM, the best logistic regression and the chosen blend (before calibration). */
  readonly validation: { readonly lightgbm: number; readonly logistic: number; readonly blend: number };
  /** Calibration, cross-fitted over the folds: the log-loss of none, temperature and dirichlet, and which was kept. */
  readonly calibration: Calibration & { readonly crossFitted: { readonly none: number; readonly temperature: number; readonly dirichlet: number } };
  /** LightGBM parameters and rounds of the final LightGBM part; λ of the logistic part. */
  readonly lightgbmParams: Readonly<Record<string, ParamValue>>;
  readonly lightgbmRounds: number;
  readonly logisticLambda: number;
  /** Whether the final LightGBM was refitted on every row before the holdout (always, since measured: see README). */
  readonly refitted: boolean;
  /** Whether the logistic regression was refitted on the latest rows before the holdout (only when it serves). */
  readonly logisticRefitted: boolean;
}

/** The selected model as one LightGBM text, its parts alone (baselines), and the summary. */
export interface SelectionResult {
  readonly modelText: string;
  readonly lightgbmText: string;
  readonly logisticText: string;
  readonly summary: SelectionSummary;
  readonly evalHistory: Record<string, number[]>;
}

/** Rows before the holdout below which the data is small, and from which it is large. */
export const SMALL_ROWS = 20_000;
export const LARGE_ROWS = 200_000;
/** The logistic regression is fitted on at most the latest this many rows (its fit is O(rows), its gain saturates). */
export const LOGISTIC_MAX_ROWS = 20_000;
/** A blend must beat the better single candidate by this share of its log-loss to be kept (it costs more to serve). */
export const BLEND_MIN_GAIN = 0.001;
/** A calibration must lower the cross-fitted validation log-loss by this share to be kept (less is noise). */
export const CALIBRATION_MIN_GAIN = 0.0005;

interface Grid {
  readonly folds: number;
  readonly lightgbm: readonly Record<string, ParamValue>[];
  readonly lambdas: readonly number[];
  readonly threads: number;
  readonly concurrency: number;
}

/**
 * Candidates by data size. Small histories get three folds and a grid over tree shape, leaf size and L2 with a lower
 * learning rate; medium ones two folds and two leaf sizes; large ones the defaults on one fold (they are measured to
 * be as good as any grid point there, and training time matters: see README).
 */
function gridFor(rows: number, base: Readonly<Record<string, ParamValue>>): Grid {
  const auto = Math.min(Number(base.min_data_in_leaf ?? 400), Math.max(20, Math.floor(rows / 40)));
  if (rows < SMALL_ROWS) {
    const lightgbm: Record<string, ParamValue>[] = [];
    for (const [leaves, depth] of [[4, 2], [16, 4]] as const) {
      for (const minData of [10, 40]) for (const l2 of [1, 10]) lightgbm.push({ num_leaves: leaves, max_depth: depth, min_data_in_leaf: minData, lambda_l2: l2, learning_rate: 0.05 });
    }
    return { folds: 3, lightgbm, lambdas: [1, 0.3, 0.1, 0.03, 0.01, 0.003], threads: 1, concurrency: 2 };
  }
  if (rows < LARGE_ROWS) return { folds: 2, lightgbm: [{ min_data_in_leaf: auto }, { min_data_in_leaf: Math.max(20, Math.floor(auto / 4)), lambda_l2: 10 }], lambdas: [0.003, 0.0003], threads: 2, concurrency: 1 };
  return { folds: 1, lightgbm: [{ min_data_in_leaf: auto }], lambdas: [0.0003], threads: 2, concurrency: 1 };
}

const describe = (p: Readonly<Record<string, ParamValue>>) => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ');

function logLossOf(logProbabilities: Float64Array, labels: ArrayLike<number>, offset: number): number {
  let s = 0;
  const n = logProbabilities.length / NUM_CLASSES;
  for (let i = 0; i < n; i++) s -= Math.max(-34.5, logProbabilities[i * NUM_CLASSES + (labels[offset + i] as number)] as number);
  return s / Math.max(1, n);
}

function logOf(p: Float64Array): Float64Array {
  return p.map((v) => Math.log(Math.max(1e-15, v)));
}

/** Runs `tasks` with at most `concurrency` at a time, results in order. */
async function pooled<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/** The latest `max` rows of [0, end), as [start, end). */
const latest = (end: number, max: number) => Math.max(0, end - max);

function fitLogisticRows(input: SelectionInput, start: number, end: number, lambda: number, warm?: WarmStart): LogisticModel {
  const nf = input.featureNames.length;
  return fitLogistic(input.x.subarray(start * nf, end * nf), input.labels.subarray(start, end), end - start, nf, lambda, warm);
}

/**
 * Chooses the model on time-ordered validation folds and fits it on every row: LightGBM over the size's grid and a
 * regularised multinomial logistic regression, the better one or a blend of their logits weighted on validation; then
 * a calibration (temperature or dirichlet), kept only when its cross-fitted validation log-loss is lower.
 */
export async function selectModel(input: SelectionInput, log: (message: string) => void): Promise<SelectionResult> {
  const nf = input.featureNames.length;
  const n = input.labels.length;
  const grid = gridFor(n, input.params);
  const size = n < SMALL_ROWS ? 'small' : n < LARGE_ROWS ? 'medium' : 'large';
  const folds: Fold[] = rollingOriginFolds(input.dates, grid.folds, input.blockSize, Math.max(100, input.blockSize));
  if (folds.length === 0) throw new Error(`cannot make a validation fold of ${input.blockSize} rows from ${n} rows`);
  log(`${size} history (${n} invoices before the holdout): ${folds.length} rolling-origin fold${folds.length === 1 ? '' : 's'} (${folds.map((f) => `train ${f.trainEnd}, validate ${input.dates[f.trainEnd]}..${input.dates[f.validationEnd - 1]} (${f.validationEnd - f.trainEnd})`).join('; ')})`);
  const pooledRows = folds.reduce((s, f) => s + f.validationEnd - f.trainEnd, 0);
  const pooledLabels = new Float64Array(pooledRows);
  const offsets: number[] = [];
  {
    let o = 0;
    for (const f of folds) {
      offsets.push(o);
      pooledLabels.set(input.labels.subarray(f.trainEnd, f.validationEnd), o);
      o += f.validationEnd - f.trainEnd;
    }
  }
  const params = (extra: Readonly<Record<string, ParamValue>>, threads: number): Record<string, ParamValue> => {
    const p: Record<string, ParamValue> = { ...input.params };
    for (const [k, v] of Object.entries(extra)) if (!input.fixed.has(k)) p[k] = v;
    if (!input.fixed.has('num_threads')) p.num_threads = threads;
    return p;
  };

  // LightGBM candidates run in worker threads; the logistic regression is fitted meanwhile on this thread.
  const lightgbmRuns = pooled(
    grid.lightgbm.flatMap((extra) =>
      folds.map((f) => async () => {
        const trained = await train({
          // Copies: a view would be posted to the worker with its whole buffer.
          features: input.x.slice(0, f.trainEnd * nf),
          labels: input.labels.slice(0, f.trainEnd),
          featureNames: input.featureNames,
          params: params(extra, grid.threads),
          numBoostRound: input.numBoostRound,
          validation: { features: input.x.slice(f.trainEnd * nf, f.validationEnd * nf), labels: input.labels.slice(f.trainEnd, f.validationEnd) },
          earlyStoppingRounds: input.earlyStoppingRounds,
        });
        return { trained, log: logOf(Predictor.fromModelText(trained.modelText).predict(input.x.subarray(f.trainEnd * nf, f.validationEnd * nf))) };
      }),
    ),
    grid.concurrency,
  );

  const logistic: { lambda: number; pooled: Float64Array; last: LogisticModel | null }[] = grid.lambdas.map((lambda) => ({ lambda, pooled: new Float64Array(pooledRows * NUM_CLASSES), last: null }));
  folds.forEach((f, j) => {
    const warm: WarmStart = { theta: null };
    const start = latest(f.trainEnd, LOGISTIC_MAX_ROWS);
    for (const candidate of logistic) {
      const model = fitLogisticRows(input, start, f.trainEnd, candidate.lambda, warm);
      candidate.last = model;
      candidate.pooled.set(logisticLogProbabilities(model, input.x.subarray(f.trainEnd * nf, f.validationEnd * nf), f.validationEnd - f.trainEnd, nf), (offsets[j] as number) * NUM_CLASSES);
    }
  });
  const runs = await lightgbmRuns;

  const candidates: CandidateScore[] = [];
  const lightgbmPooled: Float64Array[] = [];
  grid.lightgbm.forEach((extra, c) => {
    const p = new Float64Array(pooledRows * NUM_CLASSES);
    const rounds: number[] = [];
    folds.forEach((_, j) => {
      const run = runs[c * folds.length + j] as (typeof runs)[number];
      p.set(run.log, (offsets[j] as number) * NUM_CLASSES);
      rounds.push(run.trained.bestIteration);
    });
    lightgbmPooled.push(p);
    candidates.push({ name: `lightgbm ${describe(extra)}`, kind: 'lightgbm', params: extra, validationLogLoss: logLossOf(p, pooledLabels, 0), rounds });
  });
  for (const l of logistic) candidates.push({ name: `logistic λ=${l.lambda}`, kind: 'logistic', params: { lambda: l.lambda }, validationLogLoss: logLossOf(l.pooled, pooledLabels, 0) });
  for (const c of candidates) log(`candidate ${c.name}: validation log-loss ${c.validationLogLoss.toFixed(5)}${c.rounds ? ` (rounds ${c.rounds.join(', ')})` : ''}`);

  const bestIndex = (kind: CandidateScore['kind']) => candidates.reduce((best, c, i) => (c.kind === kind && (best < 0 || c.validationLogLoss < (candidates[best] as CandidateScore).validationLogLoss) ? i : best), -1);
  const gbmIndex = bestIndex('lightgbm');
  const lrIndex = bestIndex('logistic');
  const gbm = candidates[gbmIndex] as CandidateScore;
  const lr = candidates[lrIndex] as CandidateScore;
  const gbmLog = lightgbmPooled[gbmIndex] as Float64Array;
  const lrLog = (logistic[lrIndex - grid.lightgbm.length] as { pooled: Float64Array }).pooled;
  if (lrLog.length === 0) throw new Error('no logistic candidate');

  // Blend of log-probabilities (a blend of logits: softmax removes each row's constant), weight on validation.
  const blendOf = (w: number) => {
    const out = new Float64Array(gbmLog.length);
    for (let i = 0; i < out.length; i++) out[i] = w * (gbmLog[i] as number) + (1 - w) * (lrLog[i] as number);
    for (let i = 0; i < pooledRows; i++) {
      const z = out.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES);
      let max = -Infinity;
      for (const v of z) max = Math.max(max, v);
      let s = 0;
      for (const v of z) s += Math.exp(v - max);
      const lse = max + Math.log(s);
      for (let k = 0; k < NUM_CLASSES; k++) z[k] = (z[k] as number) - lse;
    }
    return out;
  };
  let weight = 1;
  let blendLoss = Infinity;
  for (let step = 0; step <= 20; step++) {
    const w = step / 20;
    const loss = logLossOf(blendOf(w), pooledLabels, 0);
    if (loss < blendLoss) {
      blendLoss = loss;
      weight = w;
    }
  }
  const single = Math.min(gbm.validationLogLoss, lr.validationLogLoss);
  if (weight > 0 && weight < 1 && blendLoss > single * (1 - BLEND_MIN_GAIN)) {
    weight = gbm.validationLogLoss <= lr.validationLogLoss ? 1 : 0;
    blendLoss = single;
  }
  const choice = weight === 1 ? 'lightgbm' : weight === 0 ? 'logistic' : 'blend';
  log(`best LightGBM: ${gbm.name} ${gbm.validationLogLoss.toFixed(5)}; best logistic: ${lr.name} ${lr.validationLogLoss.toFixed(5)}; blend weight of LightGBM ${weight.toFixed(2)}: ${blendLoss.toFixed(5)} → ${choice}`);

  // Calibration, cross-fitted: fitted on the other folds (or the other half of a single fold), scored on each.
  const blended = blendOf(weight);
  const groups: number[][] = folds.length > 1
    ? folds.map((f, j) => Array.from({ length: f.validationEnd - f.trainEnd }, (_, i) => (offsets[j] as number) + i))
    : [Array.from({ length: Math.floor(pooledRows / 2) }, (_, i) => i), Array.from({ length: pooledRows - Math.floor(pooledRows / 2) }, (_, i) => Math.floor(pooledRows / 2) + i)];
  const crossFitted = (kind: 'temperature' | 'dirichlet') => {
    let loss = 0;
    groups.forEach((rows, g) => {
      const others = groups.filter((_, h) => h !== g).flat();
      loss += calibratedLogLoss(blended, pooledLabels, fitCalibration(kind, blended, pooledLabels, others), rows) * rows.length;
    });
    return loss / pooledRows;
  };
  const scores = { none: calibratedLogLoss(blended, pooledLabels, NO_CALIBRATION), temperature: crossFitted('temperature'), dirichlet: crossFitted('dirichlet') };
  const bar = scores.none * (1 - CALIBRATION_MIN_GAIN);
  const kept = scores.dirichlet < scores.temperature && scores.dirichlet < bar ? 'dirichlet' : scores.temperature < bar ? 'temperature' : 'none';
  const all = Array.from({ length: pooledRows }, (_, i) => i);
  const calibration = kept === 'none' ? NO_CALIBRATION : fitCalibration(kept, blended, pooledLabels, all);
  log(`calibration (cross-fitted validation log-loss): none ${scores.none.toFixed(5)}, temperature ${scores.temperature.toFixed(5)}, dirichlet ${scores.dirichlet.toFixed(5)} → ${kept}${kept === 'none' ? '' : ` (T=${calibration.temperature.toFixed(3)}, offsets ${calibration.offsets.map((c) => c.toFixed(3)).join(' ')})`}`);

  // Final fit on every row before the holdout, at every size: keeping the last fold's model at 1M rows (no refit)
  // saved little time and cost 1 point of the ratio to Bayes (1.0585 vs 1.0488; see README).
  const rounds = Math.max(1, Math.round((gbm.rounds as number[]).reduce((a, b) => a + b, 0) / (gbm.rounds as number[]).length));
  const finalParams = params(gbm.params, grid.threads);
  const lastRun = runs[gbmIndex * folds.length + folds.length - 1] as (typeof runs)[number];
  log(`refitting LightGBM (${rounds} rounds) on ${n} invoices`);
  const lightgbmText = (await train({ features: input.x, labels: input.labels, featureNames: input.featureNames, params: finalParams, numBoostRound: rounds })).modelText;
  // Refitted only when it serves; otherwise the last fold's fit is its baseline.
  const lrCandidate = logistic[lrIndex - grid.lightgbm.length] as { last: LogisticModel };
  let logisticModel = lrCandidate.last;
  if (weight < 1) {
    log(`fitting the logistic regression (λ=${lr.params.lambda}) on the latest ${Math.min(n, LOGISTIC_MAX_ROWS)} invoices`);
    logisticModel = fitLogisticRows(input, latest(n, LOGISTIC_MAX_ROWS), n, Number(lr.params.lambda));
  }
  const t = calibration.temperature;
  const modelText = composeModelText({
    lightgbm: { text: lightgbmText, scale: weight / t },
    logistic: weight < 1 ? { model: logisticModel, scale: (1 - weight) / t } : null,
    offsets: calibration.offsets,
    featureNames: input.featureNames,
  });
  const logisticText = composeModelText({ lightgbm: { text: lightgbmText, scale: 0 }, logistic: { model: logisticModel, scale: 1 }, offsets: [0, 0, 0], featureNames: input.featureNames });
  // The composed text must load in LightGBM itself too (importance, and any other reader of the format).
  NativeBooster.fromModelText(modelText).free();
  return {
    modelText,
    lightgbmText,
    logisticText,
    evalHistory: Object.fromEntries(Object.entries(lastRun.trained.evalHistory).map(([k, v]) => [k, [...v]])),
    summary: {
      size,
      folds: folds.map((f) => ({ train: f.trainEnd, validation: f.validationEnd - f.trainEnd, from: input.dates[f.trainEnd] as string, to: input.dates[f.validationEnd - 1] as string })),
      candidates,
      lightgbmWeight: weight,
      choice,
      validation: { lightgbm: gbm.validationLogLoss, logistic: lr.validationLogLoss, blend: blendLoss },
      calibration: { ...calibration, crossFitted: scores },
      lightgbmParams: finalParams,
      lightgbmRounds: rounds,
      logisticLambda: Number(lr.params.lambda),
      refitted: true,
      logisticRefitted: weight < 1,
    },
  };
}
