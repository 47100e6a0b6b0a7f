import assert from 'node:assert/strict';
import { topFactors } from '../src';

describe('topFactors', () => {
  // Two classes of 4 features + bias each.
  const contribs = Float64Array.of(0.1, -0.5, 0, 0.3, 9, /* class 1 */ -2, 1, 2, 0, -9);

  it('ranks by absolute contribution, largest first, skipping the bias', () => {
    assert.deepEqual(topFactors(contribs, 2, { numFeatures: 4, featureNames: ['a', 'b', 'c', 'd'] }), [
      { featureIndex: 1, feature: 'b', contribution: -0.5 },
      { featureIndex: 3, feature: 'd', contribution: 0.3 },
    ]);
  });

  it('reads the requested class block; ties keep the lower feature index first', () => {
    const factors = topFactors(contribs, 5, { numFeatures: 4, classIndex: 1 });
    assert.deepEqual(factors.map((f) => [f.featureIndex, f.contribution]), [[0, -2], [2, 2], [1, 1]]);
    assert.equal(factors[0]?.feature, 'Column_0');
  });

  it('never reports zero contributions and handles k = 0', () => {
    assert.deepEqual(topFactors(Float64Array.of(0, 0, 1), 3), []);
    assert.deepEqual(topFactors(contribs, 0, { numFeatures: 4 }), []);
  });

  it('refuses a class block outside the vector', () => {
    assert.throws(() => topFactors(contribs, 3, { numFeatures: 4, classIndex: 2 }), RangeError);
  });
});
