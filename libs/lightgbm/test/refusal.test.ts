import assert from 'node:assert/strict';
import { ModelParseError, NativeBooster, Predictor, train, UnsupportedModelError, type LightGbmParams } from '../src';
import { synthetic } from './support/synthetic';

describe('TypeScript predictor refuses what it does not implement', function () {
  this.timeout(60_000);

  const multiclass = synthetic({ task: 'multiclass', numerical: 4, seed: 51, rows: 600 });
  const regression = synthetic({ task: 'regression', numerical: 4, seed: 52, rows: 600 });
  const featureNames = ['a', 'b', 'c', 'd'];

  const refused = async (params: LightGbmParams, labels: number[], features: number[][], feature: string): Promise<void> => {
    const { modelText } = await train({ features, labels, featureNames, params, numBoostRound: 5 });
    // LightGBM itself loads the model: the refusal is the TypeScript predictor's, not a broken model.
    NativeBooster.fromModelText(modelText).free();
    assert.throws(
      () => Predictor.fromModelText(modelText),
      (err: unknown) => err instanceof UnsupportedModelError && err.feature === feature && err.code === 'LIGHTGBM_UNSUPPORTED_MODEL',
    );
  };

  it('linear trees (is_linear=1)', async () => {
    await refused({ objective: 'regression', linear_tree: true, num_leaves: 4 }, regression.labels, regression.features, 'linear_tree');
  });

  it('multiclassova', async () => {
    await refused({ objective: 'multiclassova', num_class: 3, num_leaves: 4 }, multiclass.labels, multiclass.features, 'multiclassova');
  });

  it('random forest (average_output)', async () => {
    const params = { objective: 'multiclass', num_class: 3, boosting: 'rf', bagging_fraction: 0.7, bagging_freq: 1, num_leaves: 4 };
    await refused(params, multiclass.labels, multiclass.features, 'average_output');
  });

  it('objectives whose output transform is not implemented', async () => {
    const counts = regression.labels.map((y) => Math.round(Math.abs(y)));
    await refused({ objective: 'poisson', num_leaves: 4 }, counts, regression.features, 'objective');
  });

  it('text that is not a LightGBM model', async () => {
    assert.throws(() => Predictor.fromModelText('hello'), ModelParseError);
    const { modelText } = await train({
      features: multiclass.features, labels: multiclass.labels, featureNames,
      params: { objective: 'multiclass', num_class: 3, num_leaves: 4 }, numBoostRound: 2,
    });
    const withoutCounts = modelText.replace(/^leaf_count=.*$/m, '');
    assert.throws(() => Predictor.fromModelText(withoutCounts), /leaf_count/);
    const badThreshold = modelText.replace(/^threshold=(\S+)/m, 'threshold=abc');
    assert.throws(() => Predictor.fromModelText(badThreshold), (err: unknown) => err instanceof ModelParseError && /"abc"/.test(err.message));
  });
});
