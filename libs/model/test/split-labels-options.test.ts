import assert from 'node:assert/strict';
import { compileBucketOptions, FEATURE_NAMES } from '@creditstream/features';
import { compileTrainerOptions, labelOf, ModelOptionError, SplitError, timeSplit } from '../src';

describe('timeSplit', () => {
  const days = (counts: number[]) => counts.flatMap((c, d) => new Array<string>(c).fill(`2024-01-${String(d + 1).padStart(2, '0')}`));

  it('holds out the latest rows and validates on the ones before, at date boundaries', () => {
    const dates = days(new Array(20).fill(5)); // 100 rows, 5 per day
    const s = timeSplit(dates, 0.2, 0.15);
    assert.deepEqual(s, { trainEnd: 65, validationEnd: 80 });
    assert.notEqual(dates[s.validationEnd - 1], dates[s.validationEnd]);
    assert.notEqual(dates[s.trainEnd - 1], dates[s.trainEnd]);
  });

  it('never puts one day on both sides: moves to the nearest boundary', () => {
    const dates = days([10, 10, 60, 10, 10]); // the target 80 falls inside day 3 (rows 20..79): boundary 80
    const s = timeSplit(dates, 0.2, 0.15);
    assert.equal(s.validationEnd, 80);
    assert.equal(s.trainEnd, 20);
    for (const boundary of [s.trainEnd, s.validationEnd]) assert.notEqual(dates[boundary - 1], dates[boundary]);
  });

  it('refuses what cannot be split by time', () => {
    assert.throws(() => timeSplit(days([50]), 0.2, 0.15), SplitError);
    assert.throws(() => timeSplit(days([40, 10]), 0.2, 0.15), /training and early stopping need at least two dates/);
    assert.throws(() => timeSplit(['2024-01-02', '2024-01-01', '2024-01-03'], 0.2, 0.2), /not sorted at index 1/);
    assert.throws(() => timeSplit(['2024-01-01'], 0.2, 0.2), /cannot split 1 rows/);
  });
});

describe('labelOf', () => {
  const v30 = compileBucketOptions({});
  const g5 = compileBucketOptions({ veryLateDays: 30, graceDays: 5 });
  const settled = (daysLate: number) => ({ status: 'SETTLED' as const, dueDate: '2024-01-31', daysLate });

  it('labels only matured invoices: due more than V days before the end of the data', () => {
    assert.equal(labelOf(settled(-3), '2024-03-01', v30), null); // due 30 days before the end: not matured
    assert.equal(labelOf(settled(-3), '2024-03-02', v30), 0);
  });

  it('settled: the bucket of its days late, with grace days', () => {
    assert.equal(labelOf(settled(0), '2024-06-01', v30), 0);
    assert.equal(labelOf(settled(1), '2024-06-01', v30), 1);
    assert.equal(labelOf(settled(30), '2024-06-01', v30), 1);
    assert.equal(labelOf(settled(31), '2024-06-01', v30), 2);
    assert.equal(labelOf(settled(5), '2024-06-01', g5), 0);
    assert.equal(labelOf(settled(6), '2024-06-01', g5), 1);
  });

  it('open or written off once matured: very late (it can no longer be paid within V days)', () => {
    assert.equal(labelOf({ status: 'OPEN', dueDate: '2024-01-31', daysLate: null }, '2024-06-01', v30), 2);
    assert.equal(labelOf({ status: 'WRITTEN_OFF', dueDate: '2024-01-31', daysLate: null }, '2024-06-01', v30), 2);
    assert.equal(labelOf({ status: 'OPEN', dueDate: '2024-05-15', daysLate: null }, '2024-06-01', v30), null);
  });
});

describe('compileTrainerOptions', () => {
  it('fills in the documented defaults', () => {
    const o = compileTrainerOptions();
    assert.equal(o.features.length, FEATURE_NAMES.length);
    assert.deepEqual([o.buckets.veryLateDays, o.buckets.graceDays, o.seed, o.holdoutShare, o.validationShare, o.minRows, o.minPerBucket], [30, 0, 0, 0.2, 0.15, 100, 30]);
    assert.equal(o.params.objective, 'multiclass');
    assert.deepEqual(o.thresholds, { atRisk: 0.5, highLateBalance: 0.5 });
  });

  it('selects and excludes features, keeping FEATURE_NAMES order', () => {
    const o = compileTrainerOptions({ features: ['settled_count', 'invoice_amount', 'share_late_all'], exclude: ['share_late_all'] });
    assert.deepEqual(o.features, ['invoice_amount', 'settled_count']);
    assert.deepEqual(o.featureIndices, [FEATURE_NAMES.indexOf('invoice_amount'), FEATURE_NAMES.indexOf('settled_count')]);
  });

  it('names the offending option and value', () => {
    const cases: [object, RegExp][] = [
      [{ features: ['invoice_amount', 'nope'] }, /features\[1\]="nope"/],
      [{ exclude: FEATURE_NAMES }, /features=\[\]: expected at least one feature/],
      [{ minAmount: -1 }, /minAmount=-1/],
      [{ segment: '' }, /segment=""/],
      [{ from: '2024-13-01' }, /from="2024-13-01"/],
      [{ from: '2024-05-01', to: '2024-04-01' }, /to="2024-04-01": expected a date on or after from/],
      [{ veryLateDays: 0 }, /veryLateDays=0/],
      [{ veryLateDays: 10, graceDays: 10 }, /graceDays=10: expected an integer from 0 to 9/],
      [{ seed: 1.5 }, /seed=1.5/],
      [{ holdoutShare: 0.6 }, /holdoutShare=0.6/],
      [{ holdoutShare: 0.45, validationShare: 0.4 }, /validationShare=0.4/],
      [{ params: { num_class: 4 } }, /params.num_class=4: expected no value here/],
      [{ params: { seed: 3 } }, /params.seed=3: expected no value here \(use the seed option\)/],
      [{ atRiskThreshold: 1 }, /atRiskThreshold=1/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => compileTrainerOptions(options), (err: unknown) => err instanceof ModelOptionError && err.code === 'MODEL_INVALID_OPTION' && message.test(err.message), JSON.stringify(options));
    }
  });
});
