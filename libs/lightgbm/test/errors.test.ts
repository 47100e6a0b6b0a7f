import assert from 'node:assert/strict';
import {
  BoosterFreedError,
  FeatureCountError,
  LightGbmLibraryError,
  LightGbmNativeError,
  LightGbmOptionsError,
  NativeBooster,
  Predictor,
  train,
  type TrainOptions,
} from '../src';
import { synthetic } from './support/synthetic';

describe('LightGBM errors', function () {
  this.timeout(60_000);

  const data = synthetic({ task: 'multiclass', numerical: 3, seed: 41, rows: 300 });
  const valid: TrainOptions = {
    features: data.features,
    labels: data.labels,
    featureNames: ['a', 'b', 'c'],
    params: { objective: 'multiclass', num_class: 3, num_leaves: 4 },
    numBoostRound: 3,
  };

  describe('from LightGBM itself (through the training worker)', () => {
    it('an unknown objective surfaces LightGBM\'s own message', async () => {
      await assert.rejects(train({ ...valid, params: { objective: 'nonsense' } }), (err: unknown) => {
        assert.ok(err instanceof LightGbmNativeError, String(err));
        assert.equal(err.code, 'LIGHTGBM_NATIVE_ERROR');
        assert.equal(err.retriable, false);
        assert.equal(err.lightgbmMessage, 'Unknown objective type name: nonsense');
        assert.match(err.functionName, /^LGBM_/);
        assert.match(err.message, /Unknown objective type name: nonsense/);
        return true;
      });
    });

    it('an invalid parameter value surfaces LightGBM\'s check', async () => {
      await assert.rejects(train({ ...valid, params: { ...valid.params, num_leaves: 1 } }), (err: unknown) => {
        assert.ok(err instanceof LightGbmNativeError, String(err));
        assert.match(err.lightgbmMessage, /num_leaves/);
        return true;
      });
    });

    it('a label outside [0, num_class) is refused by LightGBM', async () => {
      const labels = data.labels.map((l, i) => (i === 10 ? 5 : l));
      await assert.rejects(train({ ...valid, labels }), (err: unknown) => {
        assert.ok(err instanceof LightGbmNativeError, String(err));
        assert.match(err.lightgbmMessage, /Label must be in \[0, 3\), but found 5/);
        return true;
      });
    });

    it('a missing library is reported with its path', async () => {
      await assert.rejects(train({ ...valid, libraryPath: '/nonexistent/lib_lightgbm.so' }), (err: unknown) => {
        assert.ok(err instanceof LightGbmLibraryError, String(err));
        assert.equal(err.libraryPath, '/nonexistent/lib_lightgbm.so');
        return true;
      });
    });
  });

  describe('native booster', () => {
    it('text that is not a model fails with LightGBM\'s message', () => {
      assert.throws(
        () => NativeBooster.fromModelText('this is not a model\n'),
        (err: unknown) =>
          err instanceof LightGbmNativeError &&
          err.functionName === 'LGBM_BoosterLoadModelFromString' &&
          err.lightgbmMessage.length > 0,
      );
    });

    it('refuses use after free, and free is idempotent', async () => {
      const { modelText } = await train(valid);
      const native = NativeBooster.fromModelText(modelText);
      native.free();
      native.free();
      assert.equal(native.freed, true);
      assert.throws(() => native.predict(data.features), BoosterFreedError);
      assert.throws(() => native.predictRow(new Float64Array(3)), BoosterFreedError);
    });

    it('refuses rows of the wrong width', async () => {
      const { modelText } = await train(valid);
      const native = NativeBooster.fromModelText(modelText);
      try {
        assert.throws(() => native.predict([[1, 2]]), FeatureCountError);
        assert.throws(() => native.predictRow(new Float64Array(4)), FeatureCountError);
      } finally {
        native.free();
      }
      assert.throws(() => Predictor.fromModelText(modelText).predictRow([1, 2, 3, 4]), FeatureCountError);
    });
  });

  describe('options, validated before any native call', () => {
    const rejectsAt = async (options: TrainOptions, path: string): Promise<void> => {
      await assert.rejects(train(options), (err: unknown) => {
        assert.ok(err instanceof LightGbmOptionsError, String(err));
        assert.equal(err.path, path);
        assert.match(err.message, new RegExp(path.replace(/[[\].]/g, '\\$&')));
        return true;
      });
    };

    it('names the offending option', async () => {
      await rejectsAt({ ...valid, featureNames: ['a', 'b c', 'd'] }, 'featureNames[1]');
      await rejectsAt({ ...valid, featureNames: ['a', 'b', 'a'] }, 'featureNames[2]');
      await rejectsAt({ ...valid, params: { ...valid.params, num_iterations: 10 } }, 'params.num_iterations');
      await rejectsAt({ ...valid, params: { ...valid.params, objective: 'multi class' } }, 'params.objective');
      await rejectsAt({ ...valid, earlyStoppingRounds: 3 }, 'earlyStoppingRounds');
      await rejectsAt({ ...valid, numBoostRound: 0 }, 'numBoostRound');
      await rejectsAt({ ...valid, labels: data.labels.slice(1) }, 'labels');
      await rejectsAt({ ...valid, labels: data.labels.map((l, i) => (i === 3 ? NaN : l)) }, 'labels[3]');
      await rejectsAt({ ...valid, categoricalFeatures: ['zzz'] }, 'categoricalFeatures[0]');
      await rejectsAt({ ...valid, features: Float64Array.of(1, 2, 3, 4) }, 'features');
    });

    it('predictor options name the offending option and value', async () => {
      const { modelText } = await train(valid);
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 40]) {
        assert.throws(
          () => Predictor.fromModelText(modelText, { shapTableBytes: bad }),
          (err: unknown) => err instanceof LightGbmOptionsError && err.path === 'shapTableBytes' && err.message.includes(String(bad)),
        );
      }
    });
  });
});
