import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { groundTruth, runImport, runModelList, runModelPublish, runModelReport, runModelShow, runModelTrain, type InvoiceTruth, type Io, type ModelTrainSummary } from '@creditstream/cli';
import { createFeatureService, FEATURE_INPUTS, FeatureStateReader, loadFeatureServiceConfig, readEventLog } from '@creditstream/feature-service';
import { type Kafka } from '@creditstream/kafka';
import { compileTrainerOptions, InsufficientHistoryError, loadActiveModel, selectRows, trainingDataFromEventLog, type ModelVersion } from '@creditstream/model';
import { SchemaCodec } from '@creditstream/schema';
import { minorUnitDigits, TOPIC, type ModelPublishedEvent } from '@creditstream/schemas';
import { openStore } from '@creditstream/store';
import { stack, uniqueName } from '@creditstream/testing';
import { Predictor } from '@creditstream/lightgbm';
import { quietIo, readTopic, simulateInto, waitCaughtUp, stackClients } from './pipeline';

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return { prefix, database: uniqueName('model').replace(/[-.]/g, '_'), groupId: uniqueName('feature-service'), topic: (t: string) => `${prefix}${t}` };
}

type Isolation = ReturnType<typeof isolation>;

/** Runs the feature service in-process until it has folded every input event of the isolation's topics. */
async function foldWithFeatureService(kafka: Kafka, iso: Isolation): Promise<void> {
  const config = loadFeatureServiceConfig({ ...process.env, MONGODB_DATABASE: iso.database, FEATURE_SERVICE_GROUP_ID: iso.groupId, HTTP_PORT: '0' });
  const service = createFeatureService({ config, topicPrefix: iso.prefix });
  await service.start();
  try {
    await waitCaughtUp(kafka, iso.groupId, FEATURE_INPUTS.map(iso.topic), 600_000);
  } finally {
    await service.stop();
  }
}

/** Collects what a command prints. */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), now: () => performance.now() } };
}

/**
 * The holdout log-loss of the model against the Bayes-optimal log-loss on the same invoices: the mean negative log of
 * the simulator's true probability of what happened (what a perfect model could predict at issue).
 */
async function againstBayes(kafka: Kafka, codec: SchemaCodec, iso: Isolation, model: ModelVersion, truth: ReadonlyMap<string, InvoiceTruth>) {
  const data = trainingDataFromEventLog(await readEventLog(kafka, codec, FEATURE_INPUTS.map(iso.topic)));
  const holdoutFrom = model.data.ranges.holdout?.from ?? '';
  const options = compileTrainerOptions({ seed: model.training.seed });
  const holdout = selectRows(data, options).rows.filter((r) => r.example.invoiceDate >= holdoutFrom);
  assert.equal(holdout.length, model.data.rows.holdout, 'the same holdout invoices');
  let bayes = 0;
  for (const r of holdout) {
    const t = truth.get(`${r.example.customerId}|${r.example.invoiceId}`);
    assert.ok(t, `truth of ${r.example.customerId} ${r.example.invoiceId}`);
    bayes -= Math.log([t.pOnTime, t.pLate, t.pVeryLate][r.label] as number);
  }
  bayes /= holdout.length;
  return { bayes, ratio: (model.metrics?.logLoss ?? NaN) / bayes, invoices: holdout.length };
}

const truthMap = (truths: InvoiceTruth[]) => new Map(truths.map((t) => [`${t.customerId}|${t.invoiceId}`, t]));

/**
 * Trains from the feature service's log. A replay as fast as the topics can be read interleaves them arbitrarily, so
 * most vectors are computed after later facts were folded and are left out as not point-in-time; under load so many
 * can be that too few remain. Then the refusal must say why and point to the event log; null is returned.
 */
async function trainFromFeatureLog(label: string, options: { minRows?: number }, io: Io, env: NodeJS.ProcessEnv): Promise<ModelTrainSummary | null> {
  try {
    return await runModelTrain({ source: 'feature-log', seed: 1, ...options }, io, env);
  } catch (err) {
    if (!(err instanceof InsufficientHistoryError)) throw err;
    assert.match(err.message, /logged vectors were computed after their invoice date, as happens when history is replayed fast .*--source event-log/, `${label}: the refusal names the replay`);
    console.log(`      [${label}] refused: ${err.message}`);
    return null;
  }
}

function figures(label: string, summary: ModelTrainSummary, extra: Record<string, number> = {}): void {
  const m = summary.model.metrics;
  // The figures of the run, for the issue's closing note (tests assert; this only reports).
  process.stderr.write(
    `      [${label}] ${summary.model.version} ${summary.model.algorithm}: ${summary.model.data.rows.total} rows (holdout ${summary.model.data.rows.holdout}), not point-in-time ${summary.data.notPointInTime}, ` +
      `accuracy ${m?.accuracy.toFixed(3)} (majority ${summary.model.baselines?.majority.accuracy.toFixed(3)}), macro-F1 ${m?.macroF1.toFixed(3)}, log-loss ${m?.logLoss.toFixed(4)} (cold start ${summary.model.baselines?.coldStart?.logLoss.toFixed(4)}), Brier ${m?.brier.toFixed(4)}, ECE ${m?.calibrationError.toFixed(4)}` +
      `${Object.entries(extra).map(([k, v]) => `, ${k} ${v.toFixed(4)}`).join('')}\n`,
  );
}

describe('model on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients()));

  it('trains on a simulated history point-in-time near the Bayes-optimal log-loss; registers, publishes, reports and serves it', async function () {
    this.timeout(900_000);
    const iso = isolation('model');
    const sim = { seed: 1, customers: 300, days: 730 };
    await simulateInto(iso.prefix, sim);
    await foldWithFeatureService(kafka, iso);
    const env = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, MONGODB_DATABASE: iso.database };

    // A replayed history: the exact point-in-time vectors come from the event log folded in business-time order.
    const fromEvents = await runModelTrain({ source: 'event-log', seed: 1 }, quietIo, env);
    assert.equal(fromEvents.outcome, 'trained');
    const model = fromEvents.model;
    assert.equal(fromEvents.data.notPointInTime, 0);
    const m = model.metrics!;
    assert.ok(m.accuracy > model.baselines!.majority.accuracy + 0.05, `accuracy ${m.accuracy} vs majority ${model.baselines!.majority.accuracy}`);
    assert.ok(m.logLoss < model.baselines!.coldStart!.logLoss, `log-loss ${m.logLoss} vs cold start ${model.baselines!.coldStart!.logLoss}`);
    const quality = await againstBayes(kafka, codec, iso, model, truthMap(groundTruth(sim)));
    figures('simulated, event log', fromEvents, { bayesLogLoss: quality.bayes, ratioToBayes: quality.ratio });
    // 5% is the goal at scale (bench: logloss_ratio_to_bayes); this history is small (300 customers).
    assert.ok(quality.ratio < 1.12, `holdout log-loss ${m.logLoss} is ${quality.ratio} × the Bayes-optimal ${quality.bayes}`);

    // Deterministic for a seed.
    const again = await runModelTrain({ source: 'event-log', seed: 1 }, quietIo, env);
    assert.equal(again.model.modelSha256, model.modelSha256);
    assert.deepEqual(again.model.metrics, model.metrics);
    assert.equal(again.model.version, 'v2');

    // The feature service's own log, the trainer's default source: the partition tasks fold a fast replay in
    // business-time order, so (nearly) every vector is point-in-time and the quality is the event log's.
    const logged = capture();
    const fromLog = await runModelTrain({ seed: 1 }, logged.io, env);
    assert.equal(fromLog.outcome, 'trained');
    figures('simulated, feature log (default source)', fromLog);
    const store = await openStore({ uri: stack().mongodbUri, database: iso.database });
    try {
      const issued = await new FeatureStateReader(store).readFeatureLog({ kind: 'issued' });
      const late = issued.filter((e) => e.asOf > e.invoiceDate).length;
      console.log(`      [feature log] ${issued.length} issued vectors, ${late} not point-in-time (${((100 * late) / issued.length).toFixed(2)}%); log-loss ${fromLog.model.metrics!.logLoss.toFixed(4)} (feature log) vs ${m.logLoss.toFixed(4)} (event log)`);
      assert.ok(late <= 0.01 * issued.length, `${late} of ${issued.length} logged vectors are not point-in-time (at most 1%)`);
      assert.ok(fromLog.model.metrics!.logLoss <= m.logLoss * 1.02, `feature-log log-loss ${fromLog.model.metrics!.logLoss} within 2% of the event log's ${m.logLoss}`);
      // What the trainer said it read: "<n> point-in-time vectors, …; <m> left out".
      const said = /feature-log: ([\d,]+) point-in-time vectors[^;\n]*(?:; ([\d,]+) left out)?/.exec(logged.err.join('\n'));
      assert.ok(said, logged.err.join('\n'));
      const count = (x: string | undefined) => Number((x ?? '0').replace(/,/g, ''));
      assert.equal(count(said[1]) + count(said[2]), issued.length, 'every issued vector is used or counted as not point-in-time');
      assert.equal(count(said[2]), late);
      assert.equal(fromLog.data.notPointInTime, late);
    } finally {
      await store.close();
    }

    // Publish: the active model changes and the event is on the topic.
    const published = await runModelPublish(model.version, { by: 'e2e' }, quietIo, env);
    assert.equal(published.eventId, 'payment-buckets:publication:1');
    const events = await readTopic<ModelPublishedEvent>(kafka, codec, iso.topic(TOPIC.modelsPublished));
    assert.equal(events.length, 1);
    const event = events[0]!.event;
    assert.equal(event.eventId, 'payment-buckets:publication:1');
    assert.equal(event.payload.modelVersion, 'v1');
    assert.equal(event.payload.algorithm, 'lightgbm-multiclass');
    assert.equal(event.payload.trainingRows, model.data.rows.train + model.data.rows.validation);
    assert.ok(Math.abs((event.payload.metrics.logLoss ?? NaN) - m.logLoss) < 1e-12);
    assert.equal(event.eventTime, `${model.data.dataEnd}T00:00:00.000Z`, 'business time: the latest partition clock');

    // The scoring side: the active model scores a vector the feature service logged, as the predictor does.
    const servingStore = await openStore({ uri: stack().mongodbUri, database: iso.database });
    try {
      const active = await loadActiveModel(servingStore);
      assert.equal(active.scorer.modelVersion, 'v1');
      // A vector computed at its invoice date: one computed later can be past due, and the past-due rule then
      // overrides the model's probabilities (unit-tested in libs/model).
      const entry = (await new FeatureStateReader(servingStore).readFeatureLog({ kind: 'issued' })).find((e) => e.asOf <= e.invoiceDate);
      assert.ok(entry, 'a point-in-time vector in the feature log');
      const vector = Float64Array.from(entry.values, (x) => (x === null ? NaN : x));
      const prediction = active.scorer.score(vector);
      const expected = Predictor.fromModelText(model.modelText!).predictRow(vector);
      assert.equal(prediction.pastDueAdjusted, false);
      assert.deepEqual([prediction.pOnTime, prediction.pLate, prediction.pVeryLate], [...expected]);
      assert.ok(prediction.factors.length > 0 && prediction.factors.length <= 5);
    } finally {
      await servingStore.close();
    }

    // list, show, report.
    const listed = capture();
    await runModelList(listed.io, env);
    assert.match(listed.out.join('\n'), /^v1 +lightgbm-multiclass .*\(active\)$/m);
    const shown = capture();
    await runModelShow('v1', {}, shown.io, env);
    assert.match(shown.out.join('\n'), /holdout \([\d,]+ invoices\):/);
    assert.match(shown.out.join('\n'), /active since publication 1/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-report-'));
    const file = await runModelReport('v1', { out: dir }, quietIo, env);
    const html = fs.readFileSync(file, 'utf8');
    assert.equal(path.basename(file), 'model-v1.html');
    // Chart.js charts: a canvas per chart and its configuration embedded (libs/model's report tests check them whole).
    assert.ok((html.match(/<canvas data-chart="/g) ?? []).length >= 5);
    assert.ok(html.includes('id="report-charts"'));
    assert.ok(html.includes(m.logLoss.toFixed(4)));
  });

  it('imports a CSV history through Kafka and the feature service and trains a model on it', async function () {
    this.timeout(900_000);
    const iso = isolation('modelcsv');
    // A CSV written from a simulated company's invoices: one row per invoice, settled date when it was paid.
    const sim = { seed: 2, customers: 250, days: 730 };
    const truths = groundTruth(sim);
    const lastDate = truths.reduce((d, t) => (t.invoiceDate > d ? t.invoiceDate : d), '');
    const lines = ['customer_id,invoice_no,invoice_date,due_date,amount,currency,settled_date,disputed'];
    for (const t of truths) {
      const digits = minorUnitDigits(t.currency);
      const amount = digits === 0 ? String(t.amountMinor) : `${Math.floor(t.amountMinor / 10 ** digits)}.${String(t.amountMinor % 10 ** digits).padStart(digits, '0')}`;
      const settled = t.settlementDate !== null && t.settlementDate <= lastDate ? t.settlementDate : '';
      lines.push([t.customerId, t.invoiceId, t.invoiceDate, t.dueDate, amount, t.currency, settled, t.disputed ? 'yes' : 'no'].join(','));
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-import-')), 'history.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, MONGODB_DATABASE: iso.database };
    const imported = await runImport(file, { strict: true }, quietIo, env);
    assert.equal(imported.imported, truths.length);

    await foldWithFeatureService(kafka, iso);
    const fromLog = await trainFromFeatureLog('imported CSV, feature log', {}, quietIo, env);
    const fromEvents = await runModelTrain({ source: 'event-log', seed: 1 }, quietIo, env);
    const truth = truthMap(truths);
    const trained = fromLog ? [['imported CSV, feature log', fromLog] as const] : [];
    for (const [label, summary] of [...trained, ['imported CSV, event log', fromEvents] as const]) {
      assert.equal(summary.outcome, 'trained', label);
      const m = summary.model.metrics!;
      assert.ok(m.accuracy > summary.model.baselines!.majority.accuracy, `${label}: accuracy ${m.accuracy} vs majority ${summary.model.baselines!.majority.accuracy}`);
      assert.ok(m.logLoss < summary.model.baselines!.majority.logLoss, `${label}: log-loss ${m.logLoss} vs naive ${summary.model.baselines!.majority.logLoss}`);
    }
    const quality = await againstBayes(kafka, codec, iso, fromEvents.model, truth);
    if (fromLog) figures('imported CSV, feature log', fromLog);
    figures('imported CSV, event log', fromEvents, { bayesLogLoss: quality.bayes, ratioToBayes: quality.ratio });

    // No labelled invoice at all: nothing is registered, and the refusal says why.
    const refused = capture();
    await assert.rejects(
      runModelTrain({ source: 'event-log', segment: 'no-such-segment' }, refused.io, env),
      (err: unknown) => err instanceof InsufficientHistoryError && /0 labelled invoices, at least 100 needed/.test(err.message) && /nothing registered/.test(err.message),
    );
    assert.doesNotMatch(refused.out.join('\n'), /registered/);
  });
});
