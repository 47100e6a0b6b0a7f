import assert from 'node:assert/strict';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from '@creditstream/features';
import { Predictor } from '@creditstream/lightgbm';
import {
  builtInColdStart,
  createScorer,
  FeatureVectorError,
  IncompatibleModelError,
  lateSideScore,
  trainPaymentModel,
  type ModelVersion,
  type TrainedModel,
  type TrainingOutcome,
} from '../src';
import { syntheticTrainingData } from './support/synthetic';

const asVersion = (model: TrainedModel, version = 'v1'): ModelVersion => ({ ...model, version, sequence: 1, createdAt: '2026-01-01T00:00:00.000Z' });

function trained(outcome: TrainingOutcome): TrainedModel {
  assert.equal(outcome.kind, 'trained', outcome.kind === 'insufficient' ? outcome.reasons.join('; ') : '');
  return outcome.model;
}

describe('trainPaymentModel', function () {
  this.timeout(120_000);
  const data = syntheticTrainingData({ customers: 120, invoicesPerCustomer: 30, seed: 5 });
  let model: TrainedModel;

  before(async () => {
    model = trained(await trainPaymentModel(data, { seed: 3, explainRows: 300 }));
  });

  it('splits by time, trains with early stopping and beats the naive and cold-start baselines on the holdout', () => {
    const d = model.data;
    assert.equal(d.rows.total, 3600);
    assert.equal(d.rows.train + d.rows.validation + d.rows.holdout, 3600);
    assert.ok(Math.abs(d.rows.holdout - 720) <= 120, `holdout ${d.rows.holdout}`);
    assert.ok(d.ranges.train!.to < d.ranges.validation!.from && d.ranges.validation!.to < d.ranges.holdout!.from, JSON.stringify(d.ranges));
    assert.ok(model.training.bestIteration >= 1 && model.training.bestIteration < 2000);
    const m = model.metrics!;
    const b = model.baselines!;
    assert.equal(m.rows, d.rows.holdout);
    assert.ok(m.accuracy > b.majority.accuracy, `accuracy ${m.accuracy} vs majority ${b.majority.accuracy}`);
    assert.ok(m.logLoss < b.majority.logLoss, `log-loss ${m.logLoss} vs naive ${b.majority.logLoss}`);
    assert.ok(b.coldStart !== null && b.coldStart.logLoss < b.majority.logLoss);
    assert.ok(m.calibrationError >= 0 && m.calibrationError < 0.15, `ECE ${m.calibrationError}`);
    assert.deepEqual(m.confusion.map((r) => r.reduce((x, y) => x + y, 0)), m.classCounts);
    assert.equal(model.modelBytes, Buffer.byteLength(model.modelText!, 'utf8'));
    assert.match(model.modelSha256!, /^[0-9a-f]{64}$/);
  });

  it('ranks the features that carry the signal first, by mean |SHAP| and by gain', () => {
    const top = model.importance.slice(0, 3).map((i) => i.feature);
    assert.ok(top.includes('share_late_all') || top.includes('share_very_late_all'), top.join(','));
    const unused = model.importance.find((i) => i.feature === 'tenure_days');
    assert.deepEqual([unused?.gain, unused?.meanAbsShap], [0, 0], 'a feature that is always missing has no importance');
    assert.ok(model.shapSummary.length > 0 && model.shapSummary.every((s) => s.values.length === s.contributions.length && s.values.length <= 400));
  });

  it('is deterministic for a seed', async () => {
    const again = trained(await trainPaymentModel(data, { seed: 3, explainRows: 300 }));
    assert.equal(again.modelText, model.modelText);
    assert.deepEqual(again.metrics, model.metrics);
    assert.deepEqual(again.importance, model.importance);
    const other = trained(await trainPaymentModel(data, { seed: 4, explainRows: 10 }));
    assert.notEqual(other.modelText, model.modelText, 'bagging and feature sampling follow the seed');
  });

  it('trains on the selected features and filters only', async () => {
    const m = trained(await trainPaymentModel(data, { seed: 1, features: ['invoice_amount', 'settled_count', 'share_late_all', 'share_very_late_all'], segment: 'enterprise', minAmount: 200, explainRows: 10 }));
    assert.deepEqual(m.features, ['invoice_amount', 'settled_count', 'share_late_all', 'share_very_late_all']);
    assert.equal(Predictor.fromModelText(m.modelText!).numFeatures, 4);
    const kept = data.examples.filter((e) => e.segment === 'enterprise' && e.amountMinor >= 200_00).length;
    assert.equal(m.data.rows.total, kept);
    assert.equal(m.data.excluded.filtered, data.examples.length - kept);
    assert.deepEqual(m.training.filters, { minAmount: 200, segment: 'enterprise', from: null, to: null });
  });

  it('refuses below the minimum history and returns the fitted cold-start model instead', async () => {
    const small = syntheticTrainingData({ customers: 4, invoicesPerCustomer: 20, seed: 9 });
    const outcome = await trainPaymentModel(small, { seed: 1 });
    assert.equal(outcome.kind, 'insufficient');
    assert.ok(outcome.kind === 'insufficient' && outcome.reasons.some((r) => /^80 labelled invoices, at least 100 needed$/.test(r)), JSON.stringify(outcome));
    assert.equal(outcome.model.algorithm, 'cold-start');
    assert.equal(outcome.model.modelText, null);
    assert.equal(outcome.model.metricsOn, 'fit');
    assert.equal(outcome.model.coldStart.fittedOn, 80);
    const perBucket = await trainPaymentModel(data, { seed: 1, minPerBucket: 5000 });
    assert.ok(perBucket.kind === 'insufficient' && perBucket.reasons.length === 3 && /^ON_TIME has \d+ invoices, at least 5000 needed$/.test(perBucket.reasons[0]!), JSON.stringify(perBucket.kind === 'insufficient' && perBucket.reasons));
  });

  describe('scorer', () => {
    it('gives the pure-TypeScript predictor\'s probabilities and top factors that add up to the late-side score', () => {
      const scorer = createScorer(asVersion(model));
      const predictor = Predictor.fromModelText(model.modelText!);
      for (const example of data.examples.slice(-50)) {
        const p = scorer.score(example.values, { factors: 70 });
        const expected = predictor.predictRow(example.values);
        assert.deepEqual([p.pOnTime, p.pLate, p.pVeryLate], [...expected]);
        assert.equal(p.pastDueAdjusted, false);
        assert.equal(p.atRisk, p.pOnTime < 0.5);
        assert.equal(p.predictedBucket, ['ON_TIME', 'LATE', 'VERY_LATE'][[p.pOnTime, p.pLate, p.pVeryLate].indexOf(Math.max(p.pOnTime, p.pLate, p.pVeryLate))]);
        // Every non-zero factor plus the bias reproduces the late-side score exactly (TreeSHAP is additive).
        const nf = model.features.length;
        const contributions = predictor.contributionsRow(example.values);
        const bias = (contributions[2 * nf + 1]! + contributions[3 * nf + 2]! - 2 * contributions[nf]!) / 3;
        const total = p.factors.reduce((a, f) => a + f.contribution, 0) + bias;
        assert.ok(Math.abs(total - lateSideScore(expected)) < 1e-9, `${total} vs ${lateSideScore(expected)}`);
        for (const f of p.factors) {
          const value = example.values[model.features.indexOf(f.feature)]!;
          assert.equal(f.value, Number.isNaN(value) ? null : value);
        }
      }
    });

    it('explains with at most k factors, strongest first, and nothing on the fast path', () => {
      const scorer = createScorer(asVersion(model));
      const vector = data.examples[data.examples.length - 1]!.values;
      const p = scorer.score(vector);
      assert.ok(p.factors.length <= 5 && p.factors.length > 0);
      for (let i = 1; i < p.factors.length; i++) assert.ok(Math.abs(p.factors[i - 1]!.contribution) >= Math.abs(p.factors[i]!.contribution));
      assert.deepEqual(scorer.score(vector, { factors: 0 }).factors, []);
    });

    it('scores several invoices at once (scoreMany) exactly as one by one, factors included, past-due ones too', () => {
      const scorer = createScorer(asVersion(model));
      const at = FEATURE_NAMES.indexOf('invoice_days_past_due');
      const vectors = data.examples.slice(-19).map((e, i) => {
        const v = Float64Array.from(e.values);
        if (i % 5 === 0) v[at] = 3 + i;
        return v;
      });
      for (const factors of [5, 0]) assert.deepEqual(scorer.scoreMany(vectors, { factors }), vectors.map((v) => scorer.score(v, { factors })), `${factors} factors`);
      assert.deepEqual(scorer.scoreMany([]), []);
      assert.throws(() => scorer.scoreMany([vectors[0]!, new Float64Array(10)]), FeatureVectorError);
    });

    it('rules out buckets an invoice past due can no longer reach', () => {
      const scorer = createScorer(asVersion(model));
      const vector = Float64Array.from(data.examples[0]!.values);
      const at = FEATURE_NAMES.indexOf('invoice_days_past_due');
      vector[at] = 5;
      const late = scorer.score(vector, { factors: 0 });
      assert.equal(late.pOnTime, 0);
      assert.ok(Math.abs(late.pLate + late.pVeryLate - 1) < 1e-12 && late.pastDueAdjusted && late.atRisk);
      vector[at] = 31;
      const veryLate = scorer.score(vector, { factors: 0 });
      assert.deepEqual([veryLate.pOnTime, veryLate.pLate, veryLate.pVeryLate, veryLate.predictedBucket], [0, 0, 1, 'VERY_LATE']);
    });

    it('refuses vectors of the wrong length and models of another feature set', () => {
      const scorer = createScorer(asVersion(model));
      assert.throws(() => scorer.score(new Float64Array(10)), FeatureVectorError);
      assert.throws(() => createScorer({ ...asVersion(model), featureSetVersion: 'features-v0' }), (err: unknown) => err instanceof IncompatibleModelError && /trained on feature set features-v0, this build computes features-v1/.test(err.message));
      assert.throws(() => createScorer({ ...asVersion(model), features: ['nope', ...model.features.slice(1)] }), /unknown feature "nope"/);
    });

    it('the built-in cold-start model serves without any data', () => {
      const scorer = createScorer(builtInColdStart());
      assert.equal(scorer.algorithm, 'cold-start');
      assert.equal(scorer.featureSetVersion, FEATURE_SET_VERSION);
      const none = scorer.score(new Float64Array(FEATURE_NAMES.length).fill(NaN));
      assert.deepEqual([none.pOnTime, none.pLate, none.pVeryLate], [1 / 3, 1 / 3, 1 / 3]);
      assert.deepEqual(none.factors, []);
      const some = Float64Array.from(data.examples[0]!.values);
      assert.deepEqual(scorer.scoreMany([some, some]), [scorer.score(some), scorer.score(some)]);
    });
  });
});
