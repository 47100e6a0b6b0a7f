import assert from 'node:assert/strict';
import { FEATURE_NAMES, FEATURE_SET_VERSION, type InputEvent, type SourcedEvent } from '@creditstream/features';
import { TOPIC } from '@creditstream/schemas';
import { trainingDataFromEventLog, trainingDataFromFeatureLog, type LoggedVector } from '../src';

const PREFIX = 'test.';
let n = 0;
function event(type: string, date: string, payload: object, customerId = 'C1'): InputEvent {
  return { eventId: `e${n++}`, eventTime: `${date}T00:00:00.000Z`, customerId, causationId: null, type, payload } as unknown as InputEvent;
}
const issue = (id: string, invoiceDate: string, dueDate: string) => event('InvoiceIssued', invoiceDate, { invoiceId: id, orderId: null, amountMinor: 1000, currency: 'EUR', invoiceDate, dueDate, termsCode: 'NET30', netDays: 30 });
const pay = (id: string, invoiceId: string, receivedOn: string) => event('PaymentReceived', receivedOn, { paymentId: id, amountMinor: 1000, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn, applications: [{ invoiceId, amountMinor: 1000 }], unappliedMinor: 0 });
const tick = (businessDate: string) => event('BusinessDayTick', businessDate, { businessDate, previousBusinessDate: null, partition: 0 }, '*');

function stream(topic: string, events: InputEvent[]): SourcedEvent[] {
  return events.map((e, offset) => ({ event: e, source: { topic: `${PREFIX}${topic}`, partition: 0, offset } }));
}

const value = (values: Float64Array, name: string) => values[FEATURE_NAMES.indexOf(name as never)];

describe('trainingDataFromEventLog', () => {
  const customers = stream(TOPIC.customers, [event('CustomerRegistered', '2024-01-01', { name: 'C1', country: 'DE', segment: 'mid-market', currency: 'EUR', groupId: null, paperless: false, openedOn: '2023-01-01' })]);
  const invoices = stream(TOPIC.invoices, [
    issue('A', '2024-01-02', '2024-02-01'),
    issue('B', '2024-01-10', '2024-02-09'),
    issue('C', '2024-02-05', '2024-03-06'),
    issue('D', '2024-03-01', '2024-03-31'),
    issue('E', '2024-02-20', '2024-03-21'), // back-dated: after D in its partition
  ]);
  const payments = stream(TOPIC.payments, [pay('P1', 'A', '2024-01-20'), pay('P2', 'D', '2024-03-01'), pay('P3', 'C', '2024-03-06'), pay('P4', 'B', '2024-03-20')]);
  const clock = stream(TOPIC.clock, [tick('2024-01-01'), tick('2024-06-28')]);

  it('takes each vector at issue from facts dated up to the invoice date only, whatever order the topics are read in', () => {
    for (const order of [[...payments, ...invoices, ...customers, ...clock], [...clock, ...customers, ...invoices, ...payments], [...invoices, ...payments, ...clock, ...customers].reverse()]) {
      const data = trainingDataFromEventLog(order);
      assert.equal(data.source, 'event-log');
      assert.equal(data.featureSetVersion, FEATURE_SET_VERSION);
      assert.equal(data.dataEnd, '2024-06-28');
      assert.deepEqual(data.examples.map((e) => e.invoiceId), ['A', 'B', 'C', 'D']);
      assert.equal(data.notPointInTime, 1, 'E was folded after its customer had reached 2024-03-01');
      const [a, b, c, d] = data.examples;
      assert.deepEqual([a, b, c, d].map((e) => value(e!.values, 'settled_count')), [0, 0, 1, 1], 'B and C were paid after D was issued');
      assert.equal(value(d!.values, 'invoice_paid_amount'), 0, 'a payment on the issue date is not in the vector at issue');
      assert.equal(value(d!.values, 'open_count'), 3, 'B, C and D are open when D is issued');
      for (const e of data.examples) assert.equal(e.asOf, e.invoiceDate);
      assert.deepEqual(data.examples.map((e) => [e.outcome?.status, e.outcome?.daysLate]), [['SETTLED', -12], ['SETTLED', 40], ['SETTLED', 0], ['SETTLED', -30]]);
      assert.equal(a!.segment, 'mid-market');
    }
  });
});

describe('trainingDataFromFeatureLog', () => {
  const values = new Array<number>(FEATURE_NAMES.length).fill(0);
  const logged = (invoiceId: string, invoiceDate: string, asOf: string, extra: Partial<LoggedVector> = {}): LoggedVector => ({ customerId: 'C1', invoiceId, kind: 'issued', asOf, invoiceDate, dueDate: '2024-03-01', featureSetVersion: FEATURE_SET_VERSION, values, ...extra });
  const invoice = (invoiceId: string) => ({ customerId: 'C1', invoiceId, status: 'SETTLED' as const, invoiceDate: '2024-01-01', dueDate: '2024-03-01', daysLate: 3, amountMinor: 500, currency: 'EUR' });

  it('keeps only point-in-time issued vectors of the current feature set, one per invoice, with their invoice state', () => {
    const data = trainingDataFromFeatureLog({
      vectors: [
        logged('B', '2024-01-02', '2024-01-02', { values: values.map((_, i) => (i === 0 ? (null as unknown as number) : 1)) }),
        logged('A', '2024-01-01', '2024-01-01'),
        logged('A', '2024-01-01', '2024-01-01'),
        logged('L', '2024-01-01', '2024-01-05'),
        logged('S', '2024-01-01', '2024-01-01', { kind: 'scored' }),
        logged('V', '2024-01-01', '2024-01-01', { featureSetVersion: 'features-v0' }),
        logged('X', '2024-01-03', '2024-01-03'),
      ],
      invoices: [invoice('A'), invoice('B')],
      segments: new Map([['C1', 'enterprise']]),
      dataEnd: '2024-09-01',
    });
    assert.equal(data.source, 'feature-log');
    assert.deepEqual(data.examples.map((e) => e.invoiceId), ['A', 'B', 'X']);
    assert.equal(data.notPointInTime, 1);
    assert.ok(Number.isNaN(data.examples[1]!.values[0]!), 'null (a store without NaN) reads back as missing');
    assert.deepEqual(data.examples[0]!.outcome, { status: 'SETTLED', dueDate: '2024-03-01', daysLate: 3 });
    assert.equal(data.examples[2]!.outcome, null);
    assert.equal(data.examples[0]!.segment, 'enterprise');
    assert.equal(data.examples[0]!.amountMinor, 500);
  });
});
