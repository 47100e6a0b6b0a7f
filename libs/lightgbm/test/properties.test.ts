import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Predictor, train } from '../src';
import { synthetic } from './support/synthetic';

// Property-based tests of the TypeScript predictor over adversarial rows (NaN, ±Infinity, ±0, subnormals, values
// far outside the training range, categorical codes that were never seen or are negative or fractional): it never
// throws, and a multiclass model's output is a probability distribution.

const NUMERICAL = 5;
const CATEGORICAL = [7, 40];
const WIDTH = NUMERICAL + CATEGORICAL.length;

const value = fc.oneof(
  fc.double(), // includes NaN, ±Infinity, ±0, subnormals and ±Number.MAX_VALUE
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, 1e-35, -1e-35, 1e300, -1e300, 0.5, 1, 2, 39, 40, 41, 2 ** 31, -(2 ** 31)),
  fc.integer({ min: -5, max: 60 }),
);
const row = fc.array(value, { minLength: WIDTH, maxLength: WIDTH });

describe('LightGBM predictor: properties over adversarial rows (fast-check)', function () {
  this.timeout(60_000);
  let predictor: Predictor;

  before(async () => {
    const data = synthetic({ seed: 4242, rows: 1_500, numerical: NUMERICAL, categorical: CATEGORICAL, nanRate: 0.1, task: 'multiclass' });
    const result = await train({
      features: data.features,
      labels: data.labels,
      featureNames: [...Array.from({ length: NUMERICAL }, (_, i) => `num_${i}`), ...CATEGORICAL.map((_, i) => `cat_${i}`)],
      categoricalFeatures: CATEGORICAL.map((_, i) => NUMERICAL + i),
      params: { objective: 'multiclass', num_class: 3, num_leaves: 15, min_data_in_leaf: 5, learning_rate: 0.1, seed: 7 },
      numBoostRound: 30,
    });
    predictor = Predictor.fromModelText(result.modelText);
  });

  it('three probabilities in [0, 1] summing to 1 within 1e-9 for any row, with no exception', () => {
    fc.assert(
      fc.property(row, (r) => {
        const p = predictor.predictRow(r);
        assert.equal(p.length, 3);
        for (const x of p) assert.ok(Number.isFinite(x) && x >= 0 && x <= 1, `probability ${x} for ${JSON.stringify(r)}`);
        assert.ok(Math.abs(p[0]! + p[1]! + p[2]! - 1) <= 1e-9, `sum ${p[0]! + p[1]! + p[2]!}`);
      }),
      { numRuns: 2_000, seed: 17 },
    );
  });

  it('contributions add up to the raw score of each class (TreeSHAP local accuracy) and explanations never throw', () => {
    fc.assert(
      fc.property(row, (r) => {
        const raw = predictor.predictRawRow(r);
        const contributions = predictor.contributionsRow(r);
        const per = WIDTH + 1;
        for (let k = 0; k < 3; k++) {
          let sum = 0;
          for (let j = 0; j < per; j++) sum += contributions[k * per + j]!;
          assert.ok(Number.isFinite(sum), `class ${k}: contributions finite`);
          assert.ok(Math.abs(sum - raw[k]!) <= 1e-9 * Math.max(1, Math.abs(raw[k]!)), `class ${k}: contributions sum ${sum}, raw ${raw[k]}`);
        }
        const e = predictor.explainRow(r, 3);
        assert.deepEqual([...e.probabilities], [...predictor.predictRow(r)]);
        for (const factors of e.factors) assert.ok(factors.length <= 3 && factors.every((f) => Number.isFinite(f.contribution)));
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});
