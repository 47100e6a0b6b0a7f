import assert from 'node:assert/strict';
import { checkIdLengths, MAX_ID_LENGTH } from '../src';

const event = (over: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  eventId: 'e-1',
  eventTime: '2024-03-01T00:00:00.000Z',
  customerId: 'C000001',
  causationId: null,
  type: 'PaymentReceived',
  payload: { paymentId: 'PAY-1', applications: [{ invoiceId: 'INV-1', amountMinor: 100 }], reason: 'x'.repeat(5000), ...payload },
  ...over,
});

describe('checkIdLengths: ids longer than the runtime keeps are refused with ID_TOO_LONG', () => {
  const long = 'C'.repeat(10_000);

  it('accepts ids at the limit and long strings that are not ids (reasons, documents)', () => {
    assert.equal(checkIdLengths(event({ customerId: 'C'.repeat(MAX_ID_LENGTH) }), 'C'.repeat(MAX_ID_LENGTH)), null);
    assert.equal(checkIdLengths(event(), null), null);
  });

  it('refuses a 10,000-character message key, envelope id, payload id and id inside an array, naming the field but not quoting the value', () => {
    const cases: [unknown, string | null, string][] = [
      [event(), long, 'the message key'],
      [event({ eventId: long }), 'C000001', 'eventId'],
      [event({ customerId: long }), null, 'customerId'],
      [event({ causationId: long }), null, 'causationId'],
      [event({}, { paymentId: long }), null, 'payload.paymentId'],
      [event({}, { applications: [{ invoiceId: 'INV-1', amountMinor: 1 }, { invoiceId: long, amountMinor: 1 }] }), null, 'payload.applications[1].invoiceId'],
    ];
    for (const [e, key, path] of cases) {
      const r = checkIdLengths(e, key);
      assert.equal(r?.code, 'ID_TOO_LONG', path);
      assert.equal(r?.message, `${path} is 10000 characters long, over the limit of ${MAX_ID_LENGTH}`);
      assert.ok(!(r?.message ?? '').includes('CCCC'), 'the id itself is not quoted');
    }
  });

  it('refuses one character over the limit', () => {
    assert.equal(checkIdLengths(event({ eventId: 'e'.repeat(MAX_ID_LENGTH + 1) }), null)?.code, 'ID_TOO_LONG');
  });
});
