import { createImporter, groundTruth, planImport, simulate, type InvoiceTruth } from '@creditstream/cli';
import { NativeBooster } from '@creditstream/lightgbm';
import { compileTrainerOptions, createPointInTimeBuilder, createScorer, selectRows, trainPaymentModel, type TrainedModel, type TrainingData } from '@creditstream/model';
import { minorUnitDigits } from '@creditstream/schemas';
import type { Benchmark, BenchContext } from '../benchmark';

/** Labelled invoices per simulated customer over two years with the simulator's default mix (measured: ~90). */
const ROWS_PER_CUSTOMER_2Y = 90;
const DAYS = 730;
const PARTITIONS = 6;

/** FNV-1a: a stable partition for a customer (any stable choice works: ticks go to every partition). */
function partitionOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % PARTITIONS;
}

/**
 * Simulates a company in process and builds its point-in-time training data by folding the events as they come
 * (the simulator writes them in business-time order), with the ground truth of every invoice.
 */
export function simulatedTrainingData(seed: number, customers: number): { data: TrainingData; truth: Map<string, [number, number, number]>; events: number } {
  const builder = createPointInTimeBuilder();
  const truth = new Map<string, [number, number, number]>();
  const offsets = new Map<string, number>();
  let events = 0;
  for (const day of simulate({ seed, customers, days: DAYS, partitions: PARTITIONS })) {
    for (const r of day) {
      if (r.kind !== 'event') {
        if (r.kind === 'truth') truth.set(`${r.truth.customerId}|${r.truth.invoiceId}`, [r.truth.pOnTime, r.truth.pLate, r.truth.pVeryLate]);
        continue;
      }
      const { topic, key, event } = r.record;
      const partition = r.record.partition ?? partitionOf(key);
      const k = `${topic}:${partition}`;
      const offset = offsets.get(k) ?? 0;
      offsets.set(k, offset + 1);
      builder.apply(event, { topic, partition, offset });
      events++;
    }
  }
  return { data: builder.finish(), truth, events };
}

/** The holdout log-loss of a model against the Bayes-optimal one (the simulator's true probabilities) on the same invoices. */
function ratioToBayes(data: TrainingData, model: TrainedModel, truth: Map<string, [number, number, number]>): { bayes: number; ratio: number } {
  const from = model.data.ranges.holdout?.from ?? '';
  const holdout = selectRows(data, compileTrainerOptions({ seed: model.training.seed })).rows.filter((r) => r.example.invoiceDate >= from);
  let bayes = 0;
  for (const r of holdout) bayes -= Math.log((truth.get(`${r.example.customerId}|${r.example.invoiceId}`) as [number, number, number])[r.label] as number);
  bayes /= holdout.length;
  return { bayes, ratio: (model.metrics?.logLoss ?? NaN) / bayes };
}

async function trainAt(ctx: BenchContext, label: string, seed: number, rows: number) {
  const customers = Math.max(20, Math.round(rows / ROWS_PER_CUSTOMER_2Y));
  ctx.log(`${label}: simulating ${customers} customers for two years (seed ${seed}) and folding them point-in-time`);
  const built = simulatedTrainingData(seed, customers);
  ctx.log(`${label}: ${built.events.toLocaleString('en-US')} events, ${built.data.examples.length.toLocaleString('en-US')} invoices; training`);
  const started = performance.now();
  const outcome = await trainPaymentModel(built.data, { seed: 1 }, (m) => ctx.log(`${label}: ${m}`));
  const seconds = (performance.now() - started) / 1000;
  if (outcome.kind !== 'trained') throw new Error(`${label}: not enough history: ${outcome.reasons.join('; ')}`);
  const quality = ratioToBayes(built.data, outcome.model, built.truth);
  ctx.log(`${label}: ${seconds.toFixed(1)} s, ${outcome.model.data.rows.total} rows, holdout log-loss ${outcome.model.metrics?.logLoss.toFixed(4)} = ${quality.ratio.toFixed(4)} × Bayes ${quality.bayes.toFixed(4)}`);
  return { model: outcome.model, data: built.data, seconds, quality };
}

/** Share of a simulated company's invoices (in %) a small history keeps: 100 customers, two years, ~2,400 invoices. */
const SMALL_KEEP_PERCENT = 27;
/** ISO 3166-1 numeric codes and ledger vocabularies, as a real accounts-receivable export writes them. */
const NUMERIC_COUNTRIES = ['276', '250', '380', '724', '840', '818', '391', '406'];

const usDate = (d: string) => `${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(0, 4)}`;

/**
 * A small history shaped like a real accounts-receivable export: a simulated company of 100 customers over two years,
 * about a quarter of its invoices kept (whole invoices, chosen by a hash of the id, so each customer's history is
 * thinned alike), written as a CSV with US dates, numeric country codes and Paper/Electronic, and imported with the
 * importer — the path a first user's file takes.
 */
export function smallHistoryCsv(seed: number): string {
  const truths: InvoiceTruth[] = groundTruth({ seed, customers: 100, days: DAYS });
  const lastDate = truths.reduce((d, t) => (t.invoiceDate > d ? t.invoiceDate : d), '');
  const lines = ['Customer No,Invoice No,Invoice Date,Due Date,Invoice Amount,Currency,Paid Date,Disputed,countryCode,Paperless'];
  for (const t of truths) {
    let h = 0x811c9dc5;
    for (let i = 0; i < t.invoiceId.length; i++) h = Math.imul(h ^ t.invoiceId.charCodeAt(i), 0x01000193) >>> 0;
    if (h % 100 >= SMALL_KEEP_PERCENT) continue;
    const digits = minorUnitDigits(t.currency);
    const amount = digits === 0 ? String(t.amountMinor) : `${Math.floor(t.amountMinor / 10 ** digits)}.${String(t.amountMinor % 10 ** digits).padStart(digits, '0')}`;
    const settled = t.settlementDate !== null && t.settlementDate <= lastDate ? usDate(t.settlementDate) : '';
    const c = Number(t.customerId.replace(/\D/g, '')) || 0;
    lines.push([t.customerId, t.invoiceId, usDate(t.invoiceDate), usDate(t.dueDate), amount, t.currency, settled, t.disputed ? 'Yes' : 'No', NUMERIC_COUNTRIES[c % NUMERIC_COUNTRIES.length], c % 3 === 0 ? 'Paper' : 'Electronic'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Imports a CSV in process (the importer and its event plan) and folds it point-in-time. */
function importedTrainingData(csv: string): TrainingData {
  const importer = createImporter({ dateFormat: 'MM/DD/YYYY' });
  importer.push(csv);
  const result = importer.finish();
  if ('fatal' in result) throw new Error(`small history: ${result.fatal.join('; ')}`);
  if (result.problems.length > 0) throw new Error(`small history: ${result.problems.length} rows skipped, first: ${result.problems[0]?.reason}`);
  const builder = createPointInTimeBuilder();
  const offsets = new Map<string, number>();
  for (const { topic, partition, event } of planImport(result.invoices, 1)) {
    const k = `${topic}:${partition ?? 0}`;
    const offset = offsets.get(k) ?? 0;
    offsets.set(k, offset + 1);
    builder.apply(event, { topic, partition: partition ?? 0, offset });
  }
  return builder.finish();
}

/** Trains on a small imported history; the model's holdout log-loss against the logistic regression alone and the naive model. */
async function trainSmall(ctx: BenchContext, seed: number) {
  const data = importedTrainingData(smallHistoryCsv(seed));
  const started = performance.now();
  const outcome = await trainPaymentModel(data, { seed: 1 }, (m) => ctx.log(`small history, seed ${seed}: ${m}`));
  const seconds = (performance.now() - started) / 1000;
  if (outcome.kind !== 'trained') throw new Error(`small history, seed ${seed}: not enough history: ${outcome.reasons.join('; ')}`);
  const m = outcome.model;
  const metrics = m.metrics as NonNullable<TrainedModel['metrics']>;
  const baselines = m.baselines as NonNullable<TrainedModel['baselines']>;
  const logistic = baselines.logistic?.logLoss ?? NaN;
  return {
    seed,
    rows: m.data.rows.total,
    seconds,
    choice: `${m.selection?.choice ?? '?'}${m.selection && m.selection.calibration.kind !== 'none' ? ` + ${m.selection.calibration.kind}` : ''}`,
    logLoss: metrics.logLoss,
    logistic,
    lightgbm: baselines.lightgbm?.logLoss ?? NaN,
    naive: baselines.majority.logLoss,
    accuracy: metrics.accuracy,
    majority: baselines.majority.accuracy,
    vsLogistic: metrics.logLoss / logistic,
    vsNaive: metrics.logLoss / baselines.majority.logLoss,
  };
}

/** Mean microseconds per call of `fn` over `rows`, after a warm-up pass. */
function microsPerCall(rows: readonly Float64Array[], calls: number, fn: (row: Float64Array) => void): number {
  for (let i = 0; i < Math.min(calls, 2000); i++) fn(rows[i % rows.length] as Float64Array);
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(rows[i % rows.length] as Float64Array);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

/**
 * Mean microseconds per explained invoice (top 5 factors): explain one half of `vectors` once (the predictor builds
 * its TreeSHAP tables at the first explanation, and the JIT warms up), then time explaining the other half once each,
 * in order. `shapTableBytes` 0 explains with the direct TreeSHAP recursion. Returns the tables' size too.
 */
/** Invoices explained together in `score_explain_us_ts_batch` (scoreMany): a customer's open invoices, about as many as the simulated customers have. */
const EXPLAIN_BATCH = 6;

/** Mean µs per explained vector: one call each, or `batch` at a time through scoreMany. */
function explainMicros(model: TrainedModel, vectors: readonly Float64Array[], shapTableBytes?: number, batch = 1): { us: number; tableBytes: number } {
  const scorer = createScorer({ ...model, version: 'bench' }, shapTableBytes === undefined ? {} : { shapTableBytes });
  const half = Math.floor(vectors.length / 2);
  const warm = vectors.slice(half);
  const timed = vectors.slice(0, half);
  const explain = (list: readonly Float64Array[]) => {
    if (batch === 1) for (const v of list) scorer.score(v, { factors: 5 });
    else for (let i = 0; i < list.length; i += batch) scorer.scoreMany(list.slice(i, i + batch), { factors: 5 });
  };
  explain(warm);
  const started = process.hrtime.bigint();
  explain(timed);
  const us = Number(process.hrtime.bigint() - started) / 1000 / timed.length;
  return { us, tableBytes: scorer.explanationTableStats()?.bytes ?? 0 };
}

/**
 * The payment-bucket model: LightGBM training time at 100k and 1M labelled invoices (the trainer's whole run:
 * early-stopping search, refit, holdout metrics, TreeSHAP importance), single-invoice scoring time (pure TypeScript
 * without and with the top 5 factors; LightGBM's native single-row predict), the model's size, and its holdout
 * log-loss against the Bayes-optimal log-loss of the simulator's true probabilities.
 */
export const model: Benchmark = {
  name: 'model',
  description: 'model quality on small imported histories (vs logistic regression, naive), training time (small, 100k, 1M rows), scoring µs (TypeScript, with top-5 factors, native), size, log-loss vs Bayes',
  async run(ctx) {
    const small = ctx.argInt('rows', 100_000);
    const large = ctx.argInt('rows-large', 1_000_000);
    const seed = ctx.argInt('seed', 1);
    const calls = ctx.argInt('calls', 100_000);
    const smallSeeds = ctx.argInt('small-seeds', 3);

    const smalls: Awaited<ReturnType<typeof trainSmall>>[] = [];
    for (let s = 1; s <= smallSeeds; s++) {
      const r = await trainSmall(ctx, s);
      ctx.log(`small history, seed ${s}: ${r.rows} invoices, ${r.seconds.toFixed(1)} s, ${r.choice}: holdout log-loss ${r.logLoss.toFixed(4)} (logistic alone ${r.logistic.toFixed(4)}, LightGBM alone ${r.lightgbm.toFixed(4)}, naive ${r.naive.toFixed(4)}), accuracy ${r.accuracy.toFixed(3)} (majority ${r.majority.toFixed(3)})`);
      smalls.push(r);
    }
    const worst = (f: (r: (typeof smalls)[number]) => number) => Math.max(...smalls.map(f));

    const a = await trainAt(ctx, `${small} rows`, seed, small);
    const scorer = createScorer({ ...a.model, version: 'bench' });
    const holdoutFrom = a.model.data.ranges.holdout?.from ?? '';
    const vectors = a.data.examples.filter((e) => e.invoiceDate >= holdoutFrom).slice(0, 5000).map((e) => e.values);
    const scoreUs = microsPerCall(vectors, calls, (v) => scorer.score(v, { factors: 0 }));
    const explainRows = vectors.slice(0, ctx.argInt('explain-rows', 4000));
    const explainTables = explainMicros(a.model, explainRows);
    const explainDirect = explainMicros(a.model, explainRows, 0);
    const explainBatch = explainMicros(a.model, explainRows, undefined, EXPLAIN_BATCH);
    const booster = NativeBooster.fromModelText(a.model.modelText as string);
    const out = new Float64Array(3);
    let nativeUs: number;
    try {
      nativeUs = microsPerCall(vectors, calls, (v) => booster.predictRow(v, out));
    } finally {
      booster.free();
    }
    ctx.log(`scoring: ${scoreUs.toFixed(2)} µs (TypeScript), with top 5 factors ${explainTables.us.toFixed(1)} µs (TreeSHAP tables, ${(explainTables.tableBytes / 1e6).toFixed(1)} MB) / ${explainDirect.us.toFixed(1)} µs (direct recursion), ${nativeUs.toFixed(2)} µs (native)`);

    const b = await trainAt(ctx, `${large} rows`, seed, large);
    return {
      figures: {
        train_seconds_100k: { value: Number(a.seconds.toFixed(1)), unit: 's' },
        train_seconds_1m: { value: Number(b.seconds.toFixed(1)), unit: 's' },
        score_us_ts: { value: Number(scoreUs.toFixed(2)), unit: 'µs' },
        score_explain_us_ts: { value: Number(explainTables.us.toFixed(1)), unit: 'µs', goal: '≤ 50' },
        score_explain_us_ts_direct: { value: Number(explainDirect.us.toFixed(1)), unit: 'µs' },
        score_explain_us_ts_batch: { value: Number(explainBatch.us.toFixed(1)), unit: 'µs' },
        shap_table_bytes: { value: explainTables.tableBytes, unit: 'bytes' },
        score_us_native: { value: Number(nativeUs.toFixed(2)), unit: 'µs' },
        model_bytes: { value: a.model.modelBytes, unit: 'bytes' },
        logloss_ratio_to_bayes: { value: Number(a.quality.ratio.toFixed(4)), unit: 'ratio', goal: '≤ 1.05' },
        logloss_ratio_to_bayes_1m: { value: Number(b.quality.ratio.toFixed(4)), unit: 'ratio', goal: '≤ 1.05' },
        rows_100k: { value: a.model.data.rows.total, unit: 'rows' },
        rows_1m: { value: b.model.data.rows.total, unit: 'rows' },
        logloss_small_vs_logistic: { value: Number(worst((r) => r.vsLogistic).toFixed(4)), unit: 'ratio', goal: '≤ 1' },
        logloss_small_vs_naive: { value: Number(worst((r) => r.vsNaive).toFixed(4)), unit: 'ratio', goal: '≤ 0.75' },
        accuracy_small_over_majority: { value: Number(-worst((r) => r.majority - r.accuracy).toFixed(4)), unit: 'accuracy points', goal: '> 0' },
        train_seconds_small: { value: Number(worst((r) => r.seconds).toFixed(1)), unit: 's' },
        rows_small: { value: Math.min(...smalls.map((r) => r.rows)), unit: 'rows' },
      },
      notes: [
        `Data: the simulator (seed ${seed}, two years from 2024-01-01) folded in process in business-time order into point-in-time vectors (the trainer's event-log path), labels = bucket at the end of the data, matured invoices only. ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} are targets; rows_* are the labelled invoices actually trained and evaluated on.`,
        'train_seconds_*: the whole training run with the trainer\'s defaults (deterministic; LightGBM on 2 threads above 20,000 rows): model selection on rolling-origin folds (2 folds and 2 LightGBM candidates at 100k, 1 fold and the defaults at 1M, plus the logistic regression on at most the latest 20,000 rows), the final fit (the chosen LightGBM refitted on every row before the holdout), holdout metrics with the pure-TypeScript predictor for the model and each part alone, gain importance and TreeSHAP on 2,000 holdout invoices. Simulation and folding are not timed.',
        `score_*: per single invoice on the first holdout vectors of the ${small.toLocaleString('en-US')}-row model (in the data's order, by invoice date, customers interleaved). score_us_ts = Scorer.score without factors (pure-TypeScript predictor), mean over ${calls.toLocaleString('en-US')} calls after a warm-up; score_us_native = LightGBM's LGBM_BoosterPredictForMatSingleRowFast through koffi, likewise. Explanations (Scorer.score with the top 5 late-side factors, exact TreeSHAP) over ${explainRows.length.toLocaleString('en-US')} holdout vectors: the second half is explained once in order to warm up, then the first half once each, in order, is timed; score_explain_us_ts = the predictor's default, its TreeSHAP tables (every leaf's terms for every pattern of hot/cold decisions of its ancestors, built by the recursion at the first explanation; shap_table_bytes their size), score_explain_us_ts_direct = the direct TreeSHAP recursion (shapTableBytes 0), score_explain_us_ts_batch = the tables with ${EXPLAIN_BATCH} consecutive vectors at a time (Scorer.scoreMany, as the scoring service explains a customer's invoices: a tree's table terms are read once for the batch; these vectors are not one customer's, which share more of their trees' decisions). All give bit-identical contributions.`,
        `Small histories (logloss_small_*, accuracy_small_over_majority, train_seconds_small, rows_small): simulator seeds 1..${smallSeeds}, 100 customers over two years, ${SMALL_KEEP_PERCENT}% of the invoices kept by a hash of the id, written as a CSV shaped like a real accounts-receivable export (US dates, numeric ISO country codes, Paper/Electronic) and imported in process with the importer; trained with seed 1 and the defaults. Each figure is the worst over the seeds (rows_small the fewest labelled invoices): logloss_small_vs_logistic = the model's holdout log-loss / that of its logistic regression alone (same features, same rows), logloss_small_vs_naive = / the naive model's (training class shares), accuracy_small_over_majority = accuracy − always-the-majority-bucket accuracy. Per seed: ${smalls.map((r) => `seed ${r.seed}: ${r.rows} invoices, ${r.choice}, log-loss ${r.logLoss.toFixed(4)} vs logistic ${r.logistic.toFixed(4)} / LightGBM ${r.lightgbm.toFixed(4)} / naive ${r.naive.toFixed(4)}, accuracy ${r.accuracy.toFixed(3)} vs ${r.majority.toFixed(3)}, ${r.seconds.toFixed(1)} s`).join('; ')}.`,
        `logloss_ratio_to_bayes: holdout log-loss of the ${small.toLocaleString('en-US')}-row model divided by the log-loss of the simulator's true issue-time probabilities on the same invoices (Bayes-optimal: it knows each customer's latent behaviour, the due month and future macro shocks, none of which a model sees). Seed 1 draws no macro shock in these two years; a shock that hits the validation period but not the holdout (e.g. seed 7) shifts the class shares between them and costs a few more percent.`,
      ],
    };
  },
};
