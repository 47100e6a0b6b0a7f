import * as assert from 'node:assert/strict';
import { addBusinessDays, isBusinessDay, onOrAfterBusinessDay, onOrBeforeBusinessDay, weekday } from '../src/calendar/business-days';
import { civilFromDay, dayFromCivil, formatDate, formatTimestamp, isValidCivil, parseIsoDate } from '../src/calendar/dates';

describe('calendar', () => {
  it('day numbers agree with Date for every day from 1900 to 2200', () => {
    for (let day = dayFromCivil(1900, 1, 1); day <= dayFromCivil(2200, 12, 31); day += 1) {
      assert.equal(formatDate(day), new Date(day * 86_400_000).toISOString().slice(0, 10));
      const c = civilFromDay(day);
      assert.equal(dayFromCivil(c.year, c.month, c.day), day);
    }
  });

  it('formats timestamps as ISO-8601 UTC with milliseconds', () => {
    const day = dayFromCivil(2024, 3, 1);
    assert.equal(formatTimestamp(day, 0), '2024-03-01T00:00:00.000Z');
    const ms = 13 * 3_600_000 + 5 * 60_000 + 9_000 + 7;
    assert.equal(formatTimestamp(day, ms), new Date(day * 86_400_000 + ms).toISOString());
  });

  it('parses strict ISO dates and refuses impossible ones', () => {
    assert.equal(parseIsoDate('2024-02-29'), dayFromCivil(2024, 2, 29));
    assert.equal(parseIsoDate('2023-02-29'), null);
    assert.equal(parseIsoDate('2024-2-1'), null);
    assert.equal(isValidCivil(2024, 13, 1), false);
  });

  it('business days are Monday to Friday', () => {
    const monday = dayFromCivil(2024, 1, 1);
    assert.equal(weekday(monday), 1);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((i) => isBusinessDay(monday + i)), [true, true, true, true, true, false, false]);
    assert.equal(addBusinessDays(monday + 4, 1), monday + 7);
    assert.equal(addBusinessDays(monday + 7, -1), monday + 4);
    assert.equal(onOrAfterBusinessDay(monday + 5), monday + 7);
    assert.equal(onOrBeforeBusinessDay(monday + 6), monday + 4);
  });
});
