import assert from 'node:assert/strict';
import { NativeBooster, Predictor, train } from '../src';
import { parseModelText } from '../src/predictor/model-text';
import { synthetic } from './support/synthetic';

const FEATURES = ['a', 'b', 'c', 'd', 'e'];

describe('train (native LightGBM in a worker thread)', function () {
  this.timeout(60_000);

  const data = synthetic({ task: 'multiclass', numerical: 5, nanRate: 0.05, seed: 21, rows: 2000 });
  const holdout = synthetic({ task: 'multiclass', numerical: 5, nanRate: 0.05, seed: 22, rows: 500 });
  const base = {
    features: data.features,
    labels: data.labels,
    featureNames: FEATURES,
    params: { objective: 'multiclass', num_class: 3, num_leaves: 31, learning_rate: 0.5, min_data_in_leaf: 2 },
  };

  it('stops early on the validation metric and keeps the best iteration', async () => {
    const result = await train({
      ...base,
      numBoostRound: 300,
      validation: { features: holdout.features, labels: holdout.labels },
      earlyStoppingRounds: 5,
    });
    const history = result.evalHistory.multi_logloss;
    assert.ok(history, `metrics: ${Object.keys(result.evalHistory).join(',')}`);
    assert.ok(result.bestIteration < 300, `bestIteration ${result.bestIteration}: the overfitting setup never stopped`);
    assert.equal(history.length, result.bestIteration + 5);
    const best = Math.min(...history);
    assert.equal(history.indexOf(best), result.bestIteration - 1);
    assert.equal(parseModelText(result.modelText).trees.length, result.bestIteration * 3);
    // The truncated model is the one that scored `best` on the validation set.
    const probabilities = Predictor.fromModelText(result.modelText).predict(holdout.features);
    let logloss = 0;
    holdout.labels.forEach((label, r) => {
      logloss -= Math.log(Math.max(probabilities[r * 3 + label] as number, 1e-15));
    });
    assert.ok(Math.abs(logloss / holdout.labels.length - best) < 1e-6, `${logloss / holdout.labels.length} vs ${best}`);
  });

  it('records every validation metric', async () => {
    const result = await train({
      ...base,
      params: { ...base.params, metric: 'multi_logloss,multi_error' },
      numBoostRound: 7,
      validation: { features: holdout.features, labels: holdout.labels },
    });
    assert.deepEqual(Object.keys(result.evalHistory).sort(), ['multi_error', 'multi_logloss']);
    assert.equal(result.evalHistory.multi_error?.length, 7);
    assert.equal(result.bestIteration, 7);
  });

  it('is deterministic for a seed, also with 2 threads and bagging', async () => {
    const options = {
      ...base,
      params: { ...base.params, learning_rate: 0.1, bagging_fraction: 0.7, bagging_freq: 1, feature_fraction: 0.8, num_threads: 2, seed: 5 },
      numBoostRound: 15,
    };
    const first = await train(options);
    const second = await train(options);
    const otherSeed = await train({ ...options, params: { ...options.params, seed: 6 } });
    assert.equal(first.modelText, second.modelText);
    assert.notEqual(first.modelText, otherSeed.modelText);
  });

  it('keeps the event loop responsive while training', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let ticksAtResolve = -1;
    try {
      await train({ ...base, params: { ...base.params, learning_rate: 0.05 }, numBoostRound: 150 }).then(() => {
        ticksAtResolve = ticks;
      });
    } finally {
      clearInterval(timer);
    }
    // Training that blocked this thread would resolve before any timer callback could run.
    assert.ok(ticksAtResolve >= 5, `only ${ticksAtResolve} timer callbacks ran during training`);
  });

  it('accepts a row-major Float64Array, weights and categorical columns by name', async () => {
    const cat = synthetic({ task: 'binary', numerical: 2, categorical: [8], seed: 31, rows: 1000 });
    const flat = Float64Array.from(cat.features.flat());
    const result = await train({
      features: flat,
      labels: cat.labels,
      weights: cat.labels.map((l) => (l === 1 ? 2 : 1)),
      featureNames: ['x', 'y', 'segment'],
      categoricalFeatures: ['segment'],
      params: { objective: 'binary', num_leaves: 7, min_data_per_group: 5, cat_smooth: 1 },
      numBoostRound: 10,
    });
    assert.equal(flat.length, 3000, 'the caller-owned array must stay usable (not transferred to the worker)');
    const model = parseModelText(result.modelText);
    assert.deepEqual(model.featureNames, ['x', 'y', 'segment']);
    assert.ok(model.trees.some((t) => t.decisionType.some((d) => (d & 1) === 1)), 'segment was not used as categorical');
    const native = NativeBooster.fromModelText(result.modelText);
    try {
      assert.equal(native.numFeatures, 3);
      const importance = native.featureImportance('split');
      assert.equal(importance.length, 3);
      assert.ok(importance.reduce((a, b) => a + b, 0) > 0);
      assert.equal(native.modelText().split('\n')[0], 'tree');
    } finally {
      native.free();
    }
  });
});
