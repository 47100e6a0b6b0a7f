import * as assert from 'node:assert/strict';
import { EXAMPLE_EVENTS, type CustomerPaymentOutlookEvent, type InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import { checkOutlook, checkPrediction } from '../src';

describe('checks of the scoring service\'s outputs (issue 17 fuzzing)', () => {
  const prediction = EXAMPLE_EVENTS.InvoicePaymentPredicted as InvoicePaymentPredictedEvent;
  const outlook = EXAMPLE_EVENTS.CustomerPaymentOutlook as CustomerPaymentOutlookEvent;
  const p = (over: object) => ({ ...prediction, payload: { ...prediction.payload, ...over } });
  const o = (over: object) => ({ ...outlook, payload: { ...outlook.payload, ...over } });

  it('accepts the examples', () => {
    assert.equal(checkPrediction(prediction), null);
    assert.equal(checkOutlook(outlook), null);
  });

  it('refuses a prediction whose probabilities are not a distribution (NaN started collections: it compares false with every threshold)', () => {
    assert.deepEqual(checkPrediction(p({ pOnTime: Number.NaN })), { code: 'INVALID_EVENT', message: 'InvoicePaymentPredicted.pOnTime must be a probability in [0, 1], got NaN' });
    assert.equal(checkPrediction(p({ pLate: -0.1 }))?.code, 'INVALID_EVENT');
    assert.equal(checkPrediction(p({ pVeryLate: Infinity }))?.code, 'INVALID_EVENT');
    assert.match(checkPrediction(p({ pOnTime: 0.9, pLate: 0.9, pVeryLate: 0.9 }))?.message ?? '', /add up to 2.7/);
    assert.equal(checkPrediction(p({ currency: 'ZZZ' }))?.code, 'INVALID_CURRENCY');
    assert.equal(checkPrediction(p({ openAmountMinor: -5 }))?.code, 'INVALID_AMOUNT');
    assert.equal(checkPrediction(p({ invoiceId: '' }))?.code, 'INVALID_EVENT');
  });

  it('refuses an outlook with negative amounts, an unknown currency or expected amounts that do not share out the balance', () => {
    assert.equal(checkOutlook(o({ expectedLateMinor: -1 }))?.code, 'INVALID_AMOUNT');
    assert.equal(checkOutlook(o({ currency: 'ZZZ' }))?.code, 'INVALID_CURRENCY');
    assert.equal(checkOutlook(o({ expectedLateMinor: outlook.payload.expectedLateMinor + 1_000_000 }))?.code, 'INVALID_AMOUNT');
    assert.equal(checkOutlook(o({ expectedOnTimeMinor: outlook.payload.expectedOnTimeMinor + 2 })), null, 'rounding slack');
  });
});
