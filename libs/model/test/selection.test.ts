import assert from 'node:assert/strict';
import { NativeBooster, Predictor, train } from '@creditstream/lightgbm';
import {
  calibratedLogLoss,
  composeModelText,
  fitCalibration,
  fitLogistic,
  logisticLogProbabilities,
  minimise,
  NO_CALIBRATION,
  rollingOriginFolds,
  trainPaymentModel,
} from '../src';
import { prng, syntheticTrainingData } from './support/synthetic';

/** Rows with a known multinomial structure: x0 drives LATE, x1 VERY_LATE, x2 is a flag, x3 is often missing. */
function data(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = prng(seed);
  const nf = 4;
  const x = new Float64Array(n * nf);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = [random() * 4 - 2, random() * 10, random() < 0.3 ? 1 : 0, random() < 0.4 ? NaN : random()];
    x.set(v, i * nf);
    const z = [0, v[0]! - 0.5 * v[2]!, 0.3 * v[1]! - 2 + (Number.isNaN(v[3]!) ? 0.8 : 0)];
    const e = z.map(Math.exp);
    const s = e[0]! + e[1]! + e[2]!;
    const u = random() * s;
    y[i] = u < e[0]! ? 0 : u < e[0]! + e[1]! ? 1 : 2;
  }
  return { x, y };
}

const NAMES = ['x0', 'x1', 'flag', 'sometimes'];

describe('model selection parts', function () {
  this.timeout(120_000);

  it('minimise (L-BFGS) finds the minimum of a convex quadratic', () => {
    const target = [3, -1, 0.5];
    const x = new Float64Array(3);
    const { value } = minimise((t, g) => {
      let f = 0;
      for (let i = 0; i < 3; i++) {
        const d = t[i]! - target[i]!;
        f += (i + 1) * d * d;
        g[i] = 2 * (i + 1) * d;
      }
      return f;
    }, x);
    assert.ok(value < 1e-10, String(value));
    x.forEach((v, i) => assert.ok(Math.abs(v - target[i]!) < 1e-5, `${v} vs ${target[i]}`));
  });

  it('the logistic regression recovers a multinomial structure, missing indicator included, and regularises with λ', () => {
    const { x, y } = data(4000, 1);
    const { x: tx, y: ty } = data(2000, 2);
    const fit = fitLogistic(x, y, 4000, 4, 1e-4);
    const loss = (lp: Float64Array, labels: Float64Array) => lp.reduce((s, _, i) => (i % 3 === 0 ? s - lp[i + labels[i / 3]!]! : s), 0) / labels.length;
    const test = loss(logisticLogProbabilities(fit, tx, 2000, 4), ty);
    const heavy = loss(logisticLogProbabilities(fitLogistic(x, y, 4000, 4, 10), tx, 2000, 4), ty);
    assert.ok(test < heavy, `λ=1e-4 ${test} vs λ=10 ${heavy}`);
    // The flag has two values: its step function is exact (one cut), and it pushes towards ON_TIME against LATE.
    const flag = fit.steps[2]!;
    assert.equal(flag.cuts.length, 1);
    const bins = 2;
    assert.ok(flag.values[1 * bins + 1]! - flag.values[1 * bins]! < flag.values[0 * bins + 1]! - flag.values[0 * bins]!);
    // A missing 'sometimes' makes VERY_LATE likelier than a present one does.
    const s = fit.steps[3]!;
    assert.ok(s.missing[2]! - s.missing[0]! > 0.4, JSON.stringify([...s.missing]));
  });

  it('a composed model text (LightGBM scaled, logistic step trees, offsets) predicts in TypeScript exactly as LightGBM itself', async () => {
    const { x, y } = data(3000, 3);
    const lightgbm = await train({ features: x, labels: y, featureNames: NAMES, params: { objective: 'multiclass', num_class: 3, num_leaves: 8, min_data_in_leaf: 20 }, numBoostRound: 20 });
    const logistic = fitLogistic(x, y, 3000, 4, 1e-3);
    const { x: tx } = data(500, 4);
    for (const parts of [
      { lightgbm: { text: lightgbm.modelText, scale: 0.6 / 0.9 }, logistic: { model: logistic, scale: 0.4 / 0.9 }, offsets: [0, 0.2, -0.1] },
      { lightgbm: { text: lightgbm.modelText, scale: 0 }, logistic: { model: logistic, scale: 1 }, offsets: [0, 0, 0] },
      { lightgbm: { text: lightgbm.modelText, scale: 1 }, logistic: null, offsets: [0, 0, 0] },
    ]) {
      const text = composeModelText({ ...parts, featureNames: NAMES });
      const predictor = Predictor.fromModelText(text);
      const booster = NativeBooster.fromModelText(text);
      try {
        const row = new Float64Array(4);
        const native = new Float64Array(3);
        for (let i = 0; i < 500; i++) {
          row.set(tx.subarray(i * 4, i * 4 + 4));
          booster.predictRow(row, native);
          const ours = predictor.predictRow(row);
          for (let k = 0; k < 3; k++) assert.ok(Math.abs(ours[k]! - native[k]!) < 1e-12, `row ${i} class ${k}: ${ours[k]} vs ${native[k]}`);
          // SHAP contributions add up to the raw score, step trees included.
          const c = predictor.contributionsRow(row);
          const raw = predictor.predictRawRow(row);
          for (let k = 0; k < 3; k++) {
            let sum = 0;
            for (let f = 0; f <= 4; f++) sum += c[k * 5 + f]!;
            assert.ok(Math.abs(sum - raw[k]!) < 1e-9);
          }
        }
      } finally {
        booster.free();
      }
      if (parts.lightgbm.scale === 0) {
        // The logistic regression alone serves what logisticLogProbabilities computes.
        const lp = logisticLogProbabilities(logistic, tx, 500, 4);
        const p = predictor.predict(tx);
        for (let i = 0; i < 1500; i++) assert.ok(Math.abs(Math.log(p[i]!) - lp[i]!) < 1e-9);
      }
    }
  });

  it('rolling-origin folds validate consecutive later blocks on everything before, at date boundaries', () => {
    const dates = Array.from({ length: 100 }, (_, i) => `2024-01-${String(1 + Math.floor(i / 4)).padStart(2, '0')}`);
    const folds = rollingOriginFolds(dates, 3, 15, 20);
    assert.equal(folds.length, 3);
    folds.forEach((f, j) => {
      assert.ok(f.trainEnd < f.validationEnd);
      assert.notEqual(dates[f.trainEnd - 1], dates[f.trainEnd], 'a day is never on both sides');
      if (j > 0) assert.equal(f.trainEnd, folds[j - 1]!.validationEnd);
    });
    assert.equal(folds[2]!.validationEnd, 100);
    assert.equal(rollingOriginFolds(dates, 5, 30, 20).length, 2, 'folds whose training part would be too small are left out');
  });

  it('temperature calibration undoes overconfidence, and none is the identity', () => {
    const random = prng(7);
    const n = 3000;
    const l = new Float64Array(n * 3);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z = [random() * 2, random() * 2, random() * 2];
      const e = z.map(Math.exp);
      const s = e[0]! + e[1]! + e[2]!;
      const u = random() * s;
      labels[i] = u < e[0]! ? 0 : u < e[0]! + e[1]! ? 1 : 2;
      // Reported logits are three times too sharp.
      for (let k = 0; k < 3; k++) l[i * 3 + k] = 3 * z[k]!;
    }
    const rows = Array.from({ length: n }, (_, i) => i);
    const t = fitCalibration('temperature', l, labels, rows);
    assert.ok(Math.abs(t.temperature - 3) < 0.4, String(t.temperature));
    assert.ok(calibratedLogLoss(l, labels, t) < calibratedLogLoss(l, labels, NO_CALIBRATION));
    const d = fitCalibration('dirichlet', l, labels, rows);
    assert.ok(calibratedLogLoss(l, labels, d) <= calibratedLogLoss(l, labels, t) + 1e-6);
  });

  it('trainPaymentModel reports every candidate, its choice and the parts alone, and serves what it evaluated', async () => {
    const logged: string[] = [];
    const outcome = await trainPaymentModel(syntheticTrainingData({ customers: 80, invoicesPerCustomer: 25, seed: 11 }), { seed: 1, explainRows: 50 }, (m) => logged.push(m));
    assert.equal(outcome.kind, 'trained');
    const s = outcome.model.selection!;
    assert.equal(s.size, 'small');
    assert.equal(s.folds.length, 3);
    assert.equal(s.candidates.filter((c) => c.kind === 'lightgbm').length, 8);
    assert.ok(s.candidates.some((c) => c.kind === 'logistic'));
    for (const c of s.candidates) assert.ok(logged.some((line) => line.startsWith(`candidate ${c.name}: validation log-loss`)), c.name);
    assert.ok(logged.some((line) => /→ (lightgbm|logistic|blend)$/.test(line)));
    assert.ok(logged.some((line) => /^calibration \(cross-fitted validation log-loss\): none [\d.]+, temperature [\d.]+, dirichlet [\d.]+ → (none|temperature|dirichlet)/.test(line)));
    assert.equal(s.choice, s.lightgbmWeight === 1 ? 'lightgbm' : s.lightgbmWeight === 0 ? 'logistic' : 'blend');
    assert.ok(s.validation.blend <= Math.min(s.validation.lightgbm, s.validation.logistic) + 1e-12);
    if (s.calibration.kind !== 'none') assert.ok(s.calibration.crossFitted[s.calibration.kind] < s.calibration.crossFitted.none);
    const b = outcome.model.baselines!;
    assert.ok(b.lightgbm && b.logistic, 'the parts alone are baselines');
    assert.ok(outcome.model.metrics!.logLoss < b.majority.logLoss);
  });
});
