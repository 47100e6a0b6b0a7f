import * as assert from 'node:assert/strict';
import { addDays, businessDateOfTimestamp, dateOfDay, dayNumber, daysBetween, isDate } from '../src';

describe('dates', () => {
  it('knows real calendar dates', () => {
    assert.equal(isDate('2024-02-29'), true);
    assert.equal(isDate('2023-02-29'), false);
    assert.equal(isDate('2100-02-29'), false);
    assert.equal(isDate('2000-02-29'), true);
    assert.equal(isDate('2024-13-01'), false);
    assert.equal(isDate('2024-1-01'), false);
    assert.equal(isDate(20240101), false);
  });

  it('counts days like the UTC calendar does', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(daysBetween('2023-12-31', '2024-03-01'), 61);
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2024-03-01', -366), '2023-03-01');
    for (let d = -719_000; d < 2_900_000; d += 997) {
      const date = dateOfDay(d);
      assert.equal(dayNumber(date), d);
      assert.equal(date, new Date(d * 86_400_000).toISOString().slice(0, 10));
    }
  });

  it('takes the business date of UTC timestamps only', () => {
    assert.equal(businessDateOfTimestamp('2024-03-01T23:59:59.999Z'), '2024-03-01');
    assert.equal(businessDateOfTimestamp('2024-03-01T10:00Z'), '2024-03-01');
    assert.equal(businessDateOfTimestamp('2024-03-01T10:00:00+01:00'), null);
    assert.equal(businessDateOfTimestamp('2024-02-30T10:00:00Z'), null);
    assert.equal(businessDateOfTimestamp('yesterday'), null);
  });
});
