import assert from 'node:assert/strict';
import {
  accuracy,
  argmaxRows,
  brierScore,
  classPrior,
  classReliability,
  classScores,
  confidenceReliability,
  confusionMatrix,
  constantPredictions,
  evaluate,
  expectedCalibrationError,
  logLoss,
  macroF1,
} from '../src';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('metrics', () => {
  // Four rows, three classes; labels 0, 1, 2, 0.
  const p = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5, 0.3, 0.3, 0.3, 0.4]);
  const y = [0, 1, 2, 0];

  it('log-loss is the mean negative log-probability of the label, clipped at 1e-15', () => {
    close(logLoss(p, y, 3), -(Math.log(0.7) + Math.log(0.6) + Math.log(0.3) + Math.log(0.3)) / 4);
    close(logLoss([1, 0, 0], [1], 3), -Math.log(1e-15));
    assert.ok(Number.isNaN(logLoss([], [], 3)));
    assert.throws(() => logLoss([0.5, 0.5], [0], 3), /2 probabilities for 1 rows of 3 classes/);
  });

  it('Brier score sums the squared errors over classes (0 perfect, 2 confidently wrong)', () => {
    const expected = ((0.3 ** 2 + 0.2 ** 2 + 0.1 ** 2) + (0.1 ** 2 + 0.4 ** 2 + 0.3 ** 2) + (0.2 ** 2 + 0.5 ** 2 + 0.7 ** 2) + (0.7 ** 2 + 0.3 ** 2 + 0.4 ** 2)) / 4;
    close(brierScore(p, y, 3), expected);
    close(brierScore([1, 0, 0], [0], 3), 0);
    close(brierScore([0, 1, 0], [0], 3), 2);
  });

  it('argmax picks the most probable class, the lower one on ties', () => {
    assert.deepEqual([...argmaxRows(p, 3)], [0, 1, 1, 2]);
    assert.deepEqual([...argmaxRows([0.4, 0.4, 0.2], 3)], [0]);
  });

  it('confusion matrix, per-class precision / recall / F1, macro-F1 and accuracy', () => {
    const predicted = argmaxRows(p, 3);
    const m = confusionMatrix(y, predicted, 3);
    assert.deepEqual(m, [
      [1, 0, 1],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    const s = classScores(m);
    assert.deepEqual(
      s.map((c) => [c.precision, c.recall, c.support, c.predicted]),
      [
        [1, 0.5, 2, 1],
        [0.5, 1, 1, 2],
        [0, 0, 1, 1],
      ],
    );
    close(s[0]!.f1, 2 / 3);
    close(s[1]!.f1, 2 / 3);
    assert.equal(s[2]!.f1, 0);
    close(macroF1(s), 4 / 9);
    assert.equal(accuracy(y, predicted), 0.5);
    assert.throws(() => confusionMatrix([3], [0], 3), /label 3/);
  });

  it('macro-F1 averages only the classes that occur', () => {
    assert.equal(macroF1(classScores(confusionMatrix([0, 0], [0, 0], 3))), 1);
  });

  it('reliability bins rows by predicted probability (one-vs-rest) and the top label', () => {
    const bins = classReliability(p, y, 3, 0, 10);
    assert.equal(bins.length, 10);
    assert.deepEqual(bins.map((b) => b.count), [0, 1, 1, 1, 0, 0, 0, 1, 0, 0]);
    const b7 = bins[7]!;
    close(b7.meanPredicted, 0.7);
    assert.equal(b7.observed, 1);
    assert.equal(bins[1]!.observed, 0);
    assert.ok(Number.isNaN(bins[0]!.meanPredicted));
    // Probability 1 falls in the last bin.
    assert.equal(classReliability([1, 0, 0], [0], 3, 0, 10)[9]!.count, 1);
    const top = confidenceReliability(p, y, 3, 10);
    assert.deepEqual(top.map((b) => b.count), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
  });

  it('expected calibration error is the row-weighted gap between confidence and accuracy', () => {
    // Confidences 0.7 (hit), 0.6 (hit), 0.5 (miss), 0.4 (miss), each alone in its bin.
    close(expectedCalibrationError(p, y, 3, 10), (0.3 + 0.4 + 0.5 + 0.4) / 4);
    // Perfectly calibrated: 10 rows at confidence 0.8, 8 right.
    const rows = 10;
    const probs = constantPredictions([0.8, 0.1, 0.1], rows);
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    close(expectedCalibrationError(probs, labels, 3, 10), 0, 1e-12);
  });

  it('evaluate bundles every metric; classPrior is Laplace-smoothed', () => {
    const e = evaluate(p, y, 3);
    assert.equal(e.rows, 4);
    assert.equal(e.accuracy, 0.5);
    assert.deepEqual(e.classCounts, [2, 1, 1]);
    close(e.logLoss, logLoss(p, y, 3));
    assert.deepEqual(classPrior([0, 0, 1], 3), [3 / 6, 2 / 6, 1 / 6]);
    assert.deepEqual([...constantPredictions([0.5, 0.3, 0.2], 2)], [0.5, 0.3, 0.2, 0.5, 0.3, 0.2]);
  });
});
