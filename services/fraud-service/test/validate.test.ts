import assert from 'node:assert/strict';
import { MAX_AMOUNT_MINOR } from '@creditstream/features';
import { EXAMPLE_EVENTS } from '@creditstream/schemas';
import { checkInvoiceEvent, checkOrderPlaced } from '../src/check/validate';
import { Harness } from './helpers';

describe('fraud validation of an order placed (issue 17 fuzzing)', () => {
  const order = EXAMPLE_EVENTS.OrderPlaced;
  const withPayload = (over: object) => ({ ...order, payload: { ...order.payload, ...over } });

  it('refuses an amount above MAX_AMOUNT_MINOR (2^53 - 1 was checked and scored), accepts the bound itself', () => {
    assert.deepEqual(checkOrderPlaced(withPayload({ amountMinor: Number.MAX_SAFE_INTEGER })), { code: 'INVALID_AMOUNT', message: `OrderPlaced.amountMinor is ${Number.MAX_SAFE_INTEGER}, above the largest amount accepted (${MAX_AMOUNT_MINOR} minor units)` });
    assert.equal(checkOrderPlaced(withPayload({ amountMinor: MAX_AMOUNT_MINOR })), null);
  });

  it('refuses negative amounts, unknown currencies and impossible dates with their codes', () => {
    assert.equal(checkOrderPlaced(withPayload({ amountMinor: -1 }))?.code, 'INVALID_AMOUNT');
    assert.equal(checkOrderPlaced(withPayload({ currency: 'ZZZ' }))?.code, 'INVALID_CURRENCY');
    assert.equal(checkOrderPlaced(withPayload({ orderDate: '2024-02-30' }))?.code, 'INVALID_DATE');
  });
});

describe('fraud validation of an invoice issued (issue 17 fuzzing)', () => {
  it('refuses a due date before the invoice date (it was folded into the customer history)', () => {
    const invoice = EXAMPLE_EVENTS.InvoiceIssued;
    assert.deepEqual(checkInvoiceEvent({ ...invoice, payload: { ...invoice.payload, invoiceDate: '2024-03-02', dueDate: '2024-03-01' } }), { code: 'INVALID_DATE', message: 'InvoiceIssued.dueDate 2024-03-01 is before invoiceDate 2024-03-02' });
    assert.equal(checkInvoiceEvent(invoice), null);
  });
});

describe('fraud: malformed business-day ticks are refused (issue 17 fuzzing)', () => {
  it('a tick for another partition or for a customer is dead-lettered with the fold\'s code (the fraud service ignored every tick)', () => {
    const h = new Harness();
    const tick = (over: object) => ({ eventId: 't', eventTime: '2024-03-05T00:00:00.000Z', customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: '2024-03-05', previousBusinessDate: null, partition: 0 }, ...over });
    assert.deepEqual(h.feed('clock', tick({ payload: { businessDate: '2024-03-05', previousBusinessDate: null, partition: 2 } }), '*'), { code: 'INVALID_EVENT', message: 'BusinessDayTick for partition 2 consumed from partition 0' });
    assert.equal((h.feed('clock', tick({ customerId: 'C1' }), 'C1') as { code?: string } | undefined)?.code, 'INVALID_EVENT');
    assert.equal(h.feed('clock', tick({}), '*'), undefined);
  });
});
