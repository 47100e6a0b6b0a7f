import assert from 'node:assert/strict';
import type { CreditView } from '@creditstream/credit-service';
import type { CustomerView } from '@creditstream/feature-service';
import { applyEvent, type CustomerState, type InputEvent } from '@creditstream/features';
import type { CurrentPrediction, CustomerPredictions } from '@creditstream/scoring-service';
import { buildSnapshot } from '../src/read-models';

/** A real folded state: registered, invoice A settled 5 days late, invoices B and C open. */
function state(customerId: string): CustomerState {
  let s: CustomerState | null = null;
  const events = [
    { type: 'CustomerRegistered', eventTime: '2024-01-01T09:00:00.000Z', payload: { name: `Name of ${customerId}`, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2024-01-01' } },
    { type: 'InvoiceIssued', eventTime: '2024-01-10T09:00:00.000Z', payload: { invoiceId: 'A', orderId: null, amountMinor: 10_000, currency: 'EUR', invoiceDate: '2024-01-10', dueDate: '2024-02-09', termsCode: 'NET30', netDays: 30 } },
    { type: 'PaymentReceived', eventTime: '2024-02-14T09:00:00.000Z', payload: { paymentId: 'P1', amountMinor: 10_000, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-02-14', applications: [{ invoiceId: 'A', amountMinor: 10_000 }], unappliedMinor: 0 } },
  ];
  events.forEach((e, offset) => {
    const event = { eventId: `${customerId}:e${offset}`, customerId, causationId: null, ...e } as unknown as InputEvent;
    s = applyEvent(s, event, { topic: 'in', partition: 0, offset }).state as CustomerState;
  });
  return s as unknown as CustomerState;
}

function view(customerId: string, open: { invoiceId: string; openMinor: number; currency?: string }[], features: Record<string, number> = {}): CustomerView {
  return {
    customerId,
    partition: 0,
    version: 1,
    asOf: '2024-03-01',
    segment: 'smb',
    currency: 'EUR',
    accountStatus: 'ACTIVE',
    features: { overdue_amount: 0, credit_limit: NaN, ...features },
    openInvoices: open.map((o) => ({ invoiceId: o.invoiceId, invoiceDate: '2024-02-01', dueDate: '2024-03-02', currency: o.currency ?? 'EUR', amountMinor: o.openMinor, openMinor: o.openMinor, disputed: false })),
  };
}

function prediction(invoiceId: string, pOnTime: number, pLate: number, atRisk = pOnTime < 0.5): CurrentPrediction {
  return { invoiceId, pOnTime, pLate, pVeryLate: 1 - pOnTime - pLate, predictedBucket: pOnTime >= 0.5 ? 'ON_TIME' : 'LATE', atRisk, topFactors: [{ feature: 'share_late_all', value: 0.4, contribution: 0.3 }], modelId: 'm', modelVersion: 'v2', businessDate: '2024-03-01', featureVectorId: 'x', eventId: 'e', openAmountMinor: 0, currency: 'EUR', inOutlook: true };
}

const predictions = (customerId: string, ps: CurrentPrediction[]): [string, CustomerPredictions] => [customerId, { customerId, partition: 0, scored: null, predictions: ps, outlook: null }];

describe('read-model snapshot', () => {
  const views = [view('C2', [{ invoiceId: 'X', openMinor: 5_000 }]), view('C1', [{ invoiceId: 'B', openMinor: 20_000 }, { invoiceId: 'C', openMinor: 10_000 }, { invoiceId: 'D', openMinor: 999, currency: 'USD' }], { credit_limit: 50_000, overdue_amount: 1_234 })];
  const states = new Map([['C1', { state: state('C1') }]]);
  const preds = new Map([predictions('C1', [prediction('B', 0.5, 0.3), prediction('C', 0.2, 0.5), prediction('D', 0.1, 0.1)]), predictions('C2', [prediction('X', 0.3, 0.3)]), predictions('C9', [prediction('Z', 0.1, 0.1)])]);
  const hold = (orderId: string, heldAt: string) => ({ orderId, holdId: `h-${orderId}`, amountMinor: 100, currency: 'EUR', heldAt, reasons: ['credit-limit-exceeded'], rules: [], forced: false, fraudCheckId: null });
  const credit = (customerId: string, holds: ReturnType<typeof hold>[]): CreditView => ({ customerId, partition: 0, registered: true, currency: 'EUR', groupId: null, accountStatus: 'ACTIVE', asOf: '2024-03-01', limit: null, balanceMinor: 0, openOrdersMinor: 0, overdueMinor: 0, maxDaysOverdue: 0, holds, pendingOrders: 0, pendingAdjustments: [] });
  const s = buildSnapshot(views, states, preds, 0, [credit('C2', [hold('O3', '2024-02-01T00:00:00.000Z')]), credit('C1', [hold('O1', '2024-02-01T00:00:00.000Z'), hold('O2', '2024-02-20T00:00:00.000Z')])]);

  it('sums expected payments per bucket as open amount × probability, per currency', () => {
    const c1 = s.details.get('C1');
    assert.deepEqual(c1?.expectedPayments, { currency: 'EUR', openBalanceMinor: 30_000, onTimeMinor: 12_000, lateMinor: 11_000, veryLateMinor: 7_000, openInvoiceCount: 2, atRiskInvoiceCount: 1 });
    assert.deepEqual(s.expectedPayments.map((e) => [e.currency, e.openBalanceMinor, e.onTimeMinor]), [['EUR', 35_000, 13_500], ['USD', 999, 100]]);
  });

  it('lists customers by id, with predictions joined only to customers the feature service has a view of', () => {
    assert.deepEqual(s.customers.map((c) => c.customerId), ['C1', 'C2']);
    assert.equal(s.invoices.some((i) => i.invoiceId === 'Z'), false);
    assert.equal(s.customers[0]?.name, 'Name of C1');
    assert.equal(s.customers[1]?.name, null, 'no committed state yet: no name');
  });

  it('orders the at-risk list by P(on time), lowest first', () => {
    assert.deepEqual(s.atRisk.map((i) => `${i.customerId}/${i.invoiceId}`), ['C1/D', 'C1/C', 'C2/X']);
  });

  it('gives the customer page its state of business and payment history from the folded state', () => {
    const c1 = s.details.get('C1');
    assert.equal(c1?.stateOfBusiness.creditLimitMinor, 50_000);
    assert.equal(c1?.stateOfBusiness.overdueMinor, 1_234);
    assert.deepEqual(c1?.paymentHistory.recentSettled.map((x) => [x.invoiceId, x.settledOn, x.daysLate]), [['A', '2024-02-14', 5]]);
    assert.equal(s.details.get('C2')?.stateOfBusiness.creditLimitMinor, null, 'a missing limit is null, not NaN');
  });

  it('lists the credit holds latest first, and gives the customer page its credit view', () => {
    assert.deepEqual(s.holds.map((h) => `${h.customerId}/${h.orderId}`), ['C1/O2', 'C1/O1', 'C2/O3']);
    assert.equal(s.holds[0]?.customerName, 'Name of C1');
    assert.deepEqual(s.details.get('C1')?.credit?.holds.map((h) => h.orderId), ['O1', 'O2']);
    assert.equal(buildSnapshot(views, states, preds, 0).details.get('C1')?.credit, null, 'no credit view: null');
  });
});
