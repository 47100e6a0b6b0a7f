import { createHash } from 'node:crypto';
import { NativeBooster, Predictor } from '@creditstream/lightgbm';
import { coldStartProbabilities, fitColdStart, type ColdStartParams } from '../cold-start/cold-start';
import type { TrainingData } from '../dataset/examples';
import { CLASSES, NUM_CLASSES } from '../labels';
import { classPrior, constantPredictions, evaluate, reliability, type EvaluationMetrics } from '../metrics/evaluate';
import { logLoss } from '../metrics/probabilistic';
import { accuracy } from '../metrics/classification';
import { MODEL_ID, type Baselines, type DataSummary, type DateRange, type FeatureImportance, type ShapSummary, type TrainedModel } from '../model';
import { lateSideContributions } from '../scoring/late-side';
import { selectModel } from '../selection/select';
import { compileTrainerOptions, type CompiledTrainerOptions, type TrainerOptions } from './options';
import { selectRows, type LabelledRow, type RowSelection } from './rows';
import { timeSplit } from './split';

/** Features shown in the SHAP summary, and holdout rows sampled for it. */
const SHAP_SUMMARY_FEATURES = 12;
const SHAP_SUMMARY_ROWS = 400;

/** A trained LightGBM model, or — below the minimum history — the reasons and the fitted cold-start model. */
export type TrainingOutcome = { readonly kind: 'trained'; readonly model: TrainedModel } | { readonly kind: 'insufficient'; readonly reasons: string[]; readonly model: TrainedModel };

/** Progress messages of a training run. */
export type TrainingLog = (message: string) => void;

/** The model columns of rows, row-major. */
function matrix(rows: readonly LabelledRow[], indices: readonly number[]): Float64Array {
  const nf = indices.length;
  const out = new Float64Array(rows.length * nf);
  rows.forEach((r, i) => {
    const v = r.example.values;
    for (let f = 0; f < nf; f++) out[i * nf + f] = v[indices[f] as number] as number;
  });
  return out;
}

const coldStartExamples = (rows: readonly LabelledRow[]) => rows.map((r) => ({ values: r.example.values, label: r.label }));

const labelsOf = (rows: readonly LabelledRow[]) => Float64Array.from(rows, (r) => r.label);

function classCounts(rows: readonly LabelledRow[]): number[] {
  const c = new Array<number>(NUM_CLASSES).fill(0);
  for (const r of rows) c[r.label]! += 1;
  return c;
}

function rangeOf(rows: readonly LabelledRow[]): DateRange | null {
  const first = rows[0];
  const last = rows[rows.length - 1];
  return first === undefined || last === undefined ? null : { from: first.example.invoiceDate, to: last.example.invoiceDate };
}

/** Why the labelled history is below the minimum, or an empty list. */
export function historyShortfall(selection: RowSelection, o: CompiledTrainerOptions): string[] {
  const reasons: string[] = [];
  if (selection.rows.length < o.minRows) reasons.push(`${selection.rows.length} labelled invoices, at least ${o.minRows} needed`);
  selection.classCounts.forEach((count, k) => {
    if (count < o.minPerBucket) reasons.push(`${CLASSES[k]} has ${count} invoices, at least ${o.minPerBucket} needed`);
  });
  return reasons;
}

function settings(o: CompiledTrainerOptions, bestIteration: number) {
  return {
    seed: o.seed,
    numBoostRound: o.numBoostRound,
    earlyStoppingRounds: o.earlyStoppingRounds,
    bestIteration,
    holdoutShare: o.holdoutShare,
    validationShare: o.validationShare,
    minRows: o.minRows,
    minPerBucket: o.minPerBucket,
    filters: { minAmount: o.minAmount, segment: o.segment, from: o.from, to: o.to },
  };
}

function coldStartPredictions(params: ColdStartParams, rows: readonly LabelledRow[]): Float64Array {
  const out = new Float64Array(rows.length * NUM_CLASSES);
  rows.forEach((r, i) => coldStartProbabilities(params, r.example.values, out.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
  return out;
}

/** The cold-start model fitted on every labelled row, as a registry entry (below the minimum history). */
function coldStartModel(data: TrainingData, selection: RowSelection, o: CompiledTrainerOptions): TrainedModel {
  const params = fitColdStart(coldStartExamples(selection.rows));
  const labels = labelsOf(selection.rows);
  const probabilities = coldStartPredictions(params, selection.rows);
  const metrics = selection.rows.length > 0 ? evaluate(probabilities, labels, NUM_CLASSES) : null;
  return {
    modelId: MODEL_ID,
    algorithm: 'cold-start',
    featureSetVersion: data.featureSetVersion,
    features: ['settled_count', 'share_late_all', 'share_very_late_all', 'written_off_count'],
    buckets: { veryLateDays: o.buckets.veryLateDays, graceDays: o.buckets.graceDays },
    thresholds: o.thresholds,
    params: {},
    training: settings(o, 0),
    data: summary(data, selection, selection.rows, [], []),
    metrics,
    metricsOn: 'fit',
    baselines: null,
    reliability: metrics === null ? null : reliability(probabilities, labels, NUM_CLASSES),
    importance: [],
    shapSummary: [],
    evalHistory: {},
    selection: null,
    coldStart: params,
    modelText: null,
    modelBytes: 0,
    modelSha256: null,
  };
}

function summary(data: TrainingData, selection: RowSelection, trainRows: readonly LabelledRow[], validationRows: readonly LabelledRow[], holdoutRows: readonly LabelledRow[]): DataSummary {
  return {
    source: data.source,
    dataEnd: data.dataEnd,
    rows: { total: selection.rows.length, train: trainRows.length, validation: validationRows.length, holdout: holdoutRows.length },
    ranges: { train: rangeOf(trainRows), validation: rangeOf(validationRows), holdout: rangeOf(holdoutRows) },
    classCounts: { train: classCounts(trainRows), validation: classCounts(validationRows), holdout: classCounts(holdoutRows) },
    excluded: selection.excluded,
  };
}

/** `count` indices spread evenly over [0, n). */
function evenSample(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}

/** Gain and split importance (native LightGBM), mean |SHAP| and the SHAP summary sample (pure TreeSHAP). */
function explainModel(modelText: string, predictor: Predictor, features: readonly string[], holdout: Float64Array, holdoutRows: number, explainRows: number): { importance: FeatureImportance[]; shapSummary: ShapSummary[] } {
  const nf = features.length;
  const booster = NativeBooster.fromModelText(modelText);
  let gain: Float64Array;
  let splits: Float64Array;
  try {
    gain = booster.featureImportance('gain');
    splits = booster.featureImportance('split');
  } finally {
    booster.free();
  }
  const sample = evenSample(holdoutRows, explainRows);
  const summaryRows = new Set(evenSample(sample.length, SHAP_SUMMARY_ROWS).map((i) => sample[i] as number));
  const absByClass = new Float64Array(NUM_CLASSES * nf);
  const lateSide: { row: number; values: Float64Array }[] = [];
  const contributions = new Float64Array(predictor.contributionsPerRow);
  for (const r of sample) {
    const row = holdout.subarray(r * nf, (r + 1) * nf);
    predictor.contributionsRow(row, contributions);
    for (let k = 0; k < NUM_CLASSES; k++) for (let f = 0; f < nf; f++) absByClass[k * nf + f]! += Math.abs(contributions[k * (nf + 1) + f] as number);
    if (summaryRows.has(r)) lateSide.push({ row: r, values: lateSideContributions(contributions, nf) });
  }
  const importance: FeatureImportance[] = features.map((feature, f) => {
    const byClass = Array.from({ length: NUM_CLASSES }, (_, k) => (absByClass[k * nf + f] as number) / Math.max(1, sample.length));
    return { feature, gain: gain[f] as number, splits: splits[f] as number, meanAbsShap: byClass.reduce((a, b) => a + b, 0), meanAbsShapByClass: byClass };
  });
  importance.sort((a, b) => b.meanAbsShap - a.meanAbsShap || b.gain - a.gain || (a.feature < b.feature ? -1 : 1));
  const shapSummary: ShapSummary[] = importance.slice(0, SHAP_SUMMARY_FEATURES).filter((i) => i.meanAbsShap > 0).map((i) => {
    const f = features.indexOf(i.feature);
    return {
      feature: i.feature,
      values: lateSide.map(({ row }) => {
        const v = holdout[row * nf + f] as number;
        return Number.isNaN(v) ? null : v;
      }),
      contributions: lateSide.map(({ values }) => values[f] as number),
    };
  });
  return { importance, shapSummary };
}

/**
 * Trains the payment-bucket model on point-in-time training data.
 *
 * 1. Filters and labels the examples (only matured invoices: see `labelOf`), sorted by invoice date.
 * 2. Below the minimum history (`minRows` labelled invoices, `minPerBucket` of each bucket) it does not train: it
 *    returns `insufficient` with the reasons and the cold-start model fitted on what there is.
 * 3. Splits by time: the latest `holdoutShare` of invoices is the holdout; the rest is for choosing and fitting.
 * 4. Chooses the model on rolling-origin validation folds (`selectModel`): LightGBM over a grid that depends on the
 *    data's size, a regularised multinomial logistic regression, the better one or a blend of their logits, and a
 *    calibration kept only when it lowers the cross-fitted validation log-loss; fits it on every row before the
 *    holdout; writes it as one LightGBM text model (what the scorer serves).
 * 5. Evaluates on the holdout with the pure-TypeScript predictor (what serves): accuracy against the majority
 *    model's, macro-F1, log-loss, Brier score, calibration error, confusion matrix, per-class precision/recall,
 *    reliability; the same metrics for the LightGBM and logistic parts alone and the cold-start model; importance as
 *    gain and mean |SHAP|.
 *
 * Deterministic: the same data, options and seed give the same model text and metrics.
 */
export async function trainPaymentModel(data: TrainingData, options: TrainerOptions = {}, log: TrainingLog = () => undefined): Promise<TrainingOutcome> {
  const o = compileTrainerOptions(options);
  const selection = selectRows(data, o);
  const reasons = historyShortfall(selection, o);
  if (reasons.length > 0) return { kind: 'insufficient', reasons, model: coldStartModel(data, selection, o) };

  const { trainEnd, validationEnd } = timeSplit(selection.rows.map((r) => r.example.invoiceDate), o.holdoutShare, o.validationShare);
  const fitRows = selection.rows.slice(0, validationEnd);
  const holdoutRows = selection.rows.slice(validationEnd);
  log(`${fitRows.length} invoices to choose and fit the model on (${fitRows[0]?.example.invoiceDate} to ${fitRows[fitRows.length - 1]?.example.invoiceDate}), holdout ${holdoutRows.length} (from ${holdoutRows[0]?.example.invoiceDate})`);

  const chosen = await selectModel(
    {
      x: matrix(fitRows, o.featureIndices),
      labels: labelsOf(fitRows),
      dates: fitRows.map((r) => r.example.invoiceDate),
      featureNames: o.features,
      params: { ...o.params, seed: o.seed },
      fixed: new Set(Object.keys(options.params ?? {})),
      numBoostRound: o.numBoostRound,
      earlyStoppingRounds: o.earlyStoppingRounds,
      blockSize: validationEnd - trainEnd,
    },
    log,
  );

  const predictor = Predictor.fromModelText(chosen.modelText);
  const holdout = matrix(holdoutRows, o.featureIndices);
  const holdoutLabels = labelsOf(holdoutRows);
  const probabilities = predictor.predict(holdout);
  const metrics = evaluate(probabilities, holdoutLabels, NUM_CLASSES);

  const fitLabels = labelsOf(fitRows);
  const prior = classPrior(fitLabels, NUM_CLASSES);
  const majorityClass = classCounts(fitRows).reduce((best, c, k, all) => (c > (all[best] as number) ? k : best), 0);
  const coldStart = fitColdStart(coldStartExamples(fitRows));
  const alone = (text: string) => evaluate(Predictor.fromModelText(text).predict(holdout), holdoutLabels, NUM_CLASSES);
  const baselines: Baselines = {
    majority: {
      bucket: CLASSES[majorityClass] as string,
      accuracy: accuracy(holdoutLabels, new Uint8Array(holdoutRows.length).fill(majorityClass)),
      logLoss: logLoss(constantPredictions(prior, holdoutRows.length), holdoutLabels, NUM_CLASSES),
    },
    coldStart: evaluate(coldStartPredictions(coldStart, holdoutRows), holdoutLabels, NUM_CLASSES) satisfies EvaluationMetrics,
    lightgbm: alone(chosen.lightgbmText),
    logistic: alone(chosen.logisticText),
  };
  log(`holdout log-loss ${metrics.logLoss.toFixed(4)} (${chosen.summary.choice}); LightGBM alone ${baselines.lightgbm?.logLoss.toFixed(4)}, logistic regression alone ${baselines.logistic?.logLoss.toFixed(4)}, cold start ${baselines.coldStart?.logLoss.toFixed(4)}, naive ${baselines.majority.logLoss.toFixed(4)}; accuracy ${metrics.accuracy.toFixed(3)} (majority ${baselines.majority.accuracy.toFixed(3)})`);
  log(`explaining ${Math.min(o.explainRows, holdoutRows.length)} holdout invoices with TreeSHAP`);
  const { importance, shapSummary } = explainModel(chosen.modelText, predictor, o.features, holdout, holdoutRows.length, o.explainRows);

  return {
    kind: 'trained',
    model: {
      modelId: MODEL_ID,
      algorithm: 'lightgbm-multiclass',
      featureSetVersion: data.featureSetVersion,
      features: [...o.features],
      buckets: { veryLateDays: o.buckets.veryLateDays, graceDays: o.buckets.graceDays },
      thresholds: o.thresholds,
      params: chosen.summary.lightgbmParams,
      training: settings(o, chosen.summary.lightgbmRounds),
      data: summary(data, selection, selection.rows.slice(0, trainEnd), selection.rows.slice(trainEnd, validationEnd), holdoutRows),
      metrics,
      metricsOn: 'holdout',
      baselines,
      reliability: reliability(probabilities, holdoutLabels, NUM_CLASSES),
      importance,
      shapSummary,
      evalHistory: chosen.evalHistory,
      selection: chosen.summary,
      coldStart,
      modelText: chosen.modelText,
      modelBytes: Buffer.byteLength(chosen.modelText, 'utf8'),
      modelSha256: createHash('sha256').update(chosen.modelText).digest('hex'),
    },
  };
}
