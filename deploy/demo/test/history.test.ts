import assert from 'node:assert/strict';
import { businessDaysIn } from '../src/history';

describe('businessDaysIn (the demo history in the simulator\'s business days)', () => {
  it('counts Monday to Friday only', () => {
    assert.equal(businessDaysIn('2024-01-01', 7), 5); // Monday to Sunday
    assert.equal(businessDaysIn('2024-01-06', 2), 0); // a weekend
    assert.equal(businessDaysIn('2024-01-06', 3), 1);
    assert.equal(businessDaysIn('2024-01-01', 0), 0);
  });

  it('gives the business days of a calendar year and half a year', () => {
    assert.equal(businessDaysIn('2024-01-01', 365), 261);
    assert.equal(businessDaysIn('2024-01-01', 180), 130);
  });
});
