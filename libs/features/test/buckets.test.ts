import * as assert from 'node:assert/strict';
import { bucketOf, compileBucketOptions, InvalidFeatureOptionError } from '../src';

describe('bucketOf', () => {
  it('on time up to the due date, late 1..V days after, very late beyond V (default V=30, G=0)', () => {
    assert.equal(bucketOf(-10), 'ON_TIME');
    assert.equal(bucketOf(0), 'ON_TIME');
    assert.equal(bucketOf(1), 'LATE');
    assert.equal(bucketOf(30), 'LATE');
    assert.equal(bucketOf(31), 'VERY_LATE');
  });

  it('moves the start of "late" by the grace days and the start of "very late" by V', () => {
    const o = { veryLateDays: 45, graceDays: 5 };
    assert.equal(bucketOf(5, o), 'ON_TIME');
    assert.equal(bucketOf(6, o), 'LATE');
    assert.equal(bucketOf(45, o), 'LATE');
    assert.equal(bucketOf(46, o), 'VERY_LATE');
    assert.equal(bucketOf(11, { veryLateDays: 10 }), 'VERY_LATE');
  });

  it('refuses invalid options naming them, and non-integer days', () => {
    assert.throws(() => compileBucketOptions({ veryLateDays: 0 }), (e: unknown) => e instanceof InvalidFeatureOptionError && /veryLateDays=0/.test(e.message));
    assert.throws(() => compileBucketOptions({ graceDays: -1 }), /graceDays=-1/);
    assert.throws(() => compileBucketOptions({ veryLateDays: 10, graceDays: 10 }), /graceDays=10.*less than veryLateDays/);
    assert.throws(() => bucketOf(1.5), RangeError);
    assert.throws(() => bucketOf(Number.NaN), RangeError);
  });
});
