import assert from 'node:assert/strict';
import { INVOICE_FEATURE_NAMES, MAX_AMOUNT_MINOR } from '@creditstream/features';
import { EXAMPLE_EVENTS, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { checkFeaturesChanged } from '../src/validate';

describe('scoring: validation of a customer features changed (issue 17 fuzzing)', () => {
  const example = structuredClone(EXAMPLE_EVENTS.CustomerFeaturesChanged) as CustomerFeaturesChangedEvent;
  const good: CustomerFeaturesChangedEvent = { ...example, payload: { ...example.payload, openInvoices: example.payload.openInvoices.map((i) => ({ ...i, features: INVOICE_FEATURE_NAMES.map(() => 1) })) } };
  const invoice = (over: object) => ({ ...good, payload: { ...good.payload, openInvoices: [{ ...(good.payload.openInvoices[0] as CustomerFeaturesChangedEvent['payload']['openInvoices'][number]), ...over }] } });

  it('accepts a well-formed event', () => {
    assert.equal(checkFeaturesChanged(good, good.customerId), null);
  });

  it('refuses what it could not score or keep, with the fold\'s codes', () => {
    const cases: [CustomerFeaturesChangedEvent, string | null, string][] = [
      // Regression: a vector of the wrong width threw a RangeError after the event was kept as the customer's input.
      [invoice({ features: [1, 2, 3] }), good.customerId, 'INVALID_EVENT'],
      [invoice({ openAmountMinor: -1 }), good.customerId, 'INVALID_AMOUNT'],
      [invoice({ openAmountMinor: MAX_AMOUNT_MINOR + 1 }), good.customerId, 'INVALID_AMOUNT'],
      [invoice({ currency: 'ZZZ' }), good.customerId, 'INVALID_CURRENCY'],
      [invoice({ dueDate: '2024-01-01', invoiceDate: '2024-02-01' }), good.customerId, 'INVALID_DATE'],
      [{ ...good, payload: { ...good.payload, currency: 'EURO' } }, good.customerId, 'INVALID_CURRENCY'],
      [{ ...good, payload: { ...good.payload, version: -1 } }, good.customerId, 'INVALID_EVENT'],
      [{ ...good, customerId: '*' }, '*', 'INVALID_EVENT'],
      [good, 'C-OTHER', 'INVALID_EVENT'],
    ];
    for (const [e, key, code] of cases) assert.equal(checkFeaturesChanged(e, key)?.code, code, JSON.stringify(e.payload.openInvoices[0]?.features.length));
  });
});
