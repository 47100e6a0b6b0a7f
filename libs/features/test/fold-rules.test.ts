import * as assert from 'node:assert/strict';
import {
  applyEvent,
  applyTick,
  createFolder,
  CustomerMismatchError,
  customerFeatures,
  findInvoice,
  MAX_AMOUNT_MINOR,
  InvalidSourceError,
  type ApplyResult,
  type CustomerState,
  type InvoiceState,
} from '../src';
import type { BusinessDayTickEvent } from '@creditstream/schemas';
import { scenario, type Built } from './support/events';

/** Folds `items` in order into one customer's state, returning the state and every result. */
function fold(items: Built[], start: CustomerState | null = null): { state: CustomerState; results: ApplyResult<CustomerState | null>[] } {
  let state = start;
  const results: ApplyResult<CustomerState | null>[] = [];
  for (const { event, source } of items) {
    const r = event.type === 'BusinessDayTick' ? applyTick(state, event, source) : applyEvent(state, event, source);
    results.push(r);
    state = r.state;
  }
  if (state === null) throw new Error('no state was created');
  return { state, results };
}

function invoice(state: CustomerState, id: string): InvoiceState {
  const inv = findInvoice(state, id);
  if (inv === undefined) throw new Error(`no invoice ${id}`);
  return inv;
}

/** Applies one more event to a copy of `state` and expects a rejection with `code` that changes nothing. */
function expectRejected(state: CustomerState | null, item: Built, code: string): ApplyResult<CustomerState | null> {
  const before = structuredClone(state);
  const r = applyEvent(state, item.event, item.source);
  assert.equal(r.rejection?.code, code, `expected ${code}, got ${JSON.stringify(r.rejection)}`);
  assert.equal(r.changed, false);
  assert.deepEqual(r.changedInvoiceIds, []);
  assert.deepStrictEqual(r.state, before, 'a rejection leaves the state untouched, applied offsets included');
  return r;
}

describe('fold: invoices, payments and settlement', () => {
  it('settles an invoice on the date its applications reach the amount, with days late and the buckets', () => {
    const s = scenario();
    const { state, results } = fold([
      s.registered('2024-01-01'),
      s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'),
      s.payment('2024-02-01', 'p1', [['A', 4_000]]),
      s.payment('2024-02-10', 'p2', [['A', 6_000]]),
    ]);
    const a = invoice(state, 'A');
    assert.equal(a.status, 'SETTLED');
    assert.equal(a.settledOn, '2024-02-10');
    assert.equal(a.daysLate, 6);
    assert.equal(a.appliedMinor, 10_000);
    assert.equal(a.openMinor, 0);
    assert.deepEqual(results[3]?.changedInvoiceIds, ['A']);
    const f = customerFeatures(state);
    assert.equal(f.settled_count, 1);
    assert.equal(f.share_late_all, 1);
    assert.equal(f.share_very_late_all, 0);
    assert.equal(f.mean_days_late_all, 6);
    assert.equal(f.open_count, 0);
    assert.equal(state.asOf, '2024-02-10');
  });

  it('counts credit notes towards settlement on their own date', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'), s.payment('2024-02-01', 'p1', [['A', 8_000]]), s.credit('2024-03-01', 'A', 'cn1', 2_000)]);
    const a = invoice(state, 'A');
    assert.equal(a.status, 'SETTLED');
    assert.equal(a.settledOn, '2024-03-01');
    assert.equal(a.creditedMinor, 2_000);
    assert.equal(a.daysLate, 26);
  });

  it('keeps an application to an invoice not seen yet pending, and merges it when the invoice arrives', () => {
    const s = scenario();
    const reg = s.registered('2024-01-01');
    const inv = s.invoice('2024-01-05', 'A', 10_000, '2024-02-04');
    const pay = s.payment('2024-02-01', 'p1', [['A', 10_000]]);
    const early = fold([reg, pay]);
    assert.equal(early.state.pendingApplications.length, 1);
    assert.equal(early.results[1]?.anomalies?.[0]?.code, 'PENDING_APPLICATION');
    const invoiceFirst = fold([reg, inv, pay]).state;
    const paymentFirst = fold([inv], early.state).state;
    assert.equal(paymentFirst.pendingApplications.length, 0);
    assert.equal(invoice(paymentFirst, 'A').settledOn, '2024-02-01');
    assert.deepStrictEqual(paymentFirst, invoiceFirst);
  });

  it('reverses a returned payment: the invoice reopens, NSF counts, and a later payment settles it late', () => {
    const s = scenario();
    const base = [s.registered('2024-01-01'), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'), s.payment('2024-02-01', 'p1', [['A', 10_000]], { method: 'CHECK' })];
    const settled = fold(base).state;
    assert.equal(customerFeatures(settled).settled_count, 1);
    const nsf = s.returned('2024-02-08', 'p1', 10_000);
    const reopened = fold([nsf], structuredClone(settled)).state;
    const a = invoice(reopened, 'A');
    assert.equal(a.status, 'OPEN');
    assert.equal(a.openMinor, 10_000);
    assert.equal(a.payments[0]?.reversedOn, '2024-02-08');
    const f = customerFeatures(reopened);
    assert.equal(f.settled_count, 0);
    assert.equal(f.nsf_count, 1);
    assert.equal(f.days_since_last_nsf, 0);
    assert.equal(f.overdue_amount, 10_000);
    assert.equal(f.max_days_overdue, 4);
    assert.equal(reopened.returnSummary.feesMinor, 1500);
    const repaid = fold([s.payment('2024-03-20', 'p2', [['A', 10_000]])], reopened).state;
    assert.equal(invoice(repaid, 'A').daysLate, 45);
    assert.equal(customerFeatures(repaid).share_very_late_all, 1);
    assert.equal(customerFeatures(repaid).days_since_last_nsf, 41);
  });

  it('reverses a pending application too, so the invoice arrives open', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.payment('2024-02-01', 'p1', [['A', 10_000]]), s.returned('2024-02-03', 'p1', 10_000), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04')]);
    assert.equal(invoice(state, 'A').status, 'OPEN');
    assert.equal(invoice(state, 'A').payments[0]?.reversedOn, '2024-02-03');
  });

  it('keeps what is applied beyond the amount as over-applied', () => {
    const s = scenario();
    const { state, results } = fold([s.registered('2024-01-01'), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'), s.payment('2024-02-01', 'p1', [['A', 15_000]])]);
    assert.equal(invoice(state, 'A').status, 'SETTLED');
    assert.equal(invoice(state, 'A').overAppliedMinor, 5_000);
    assert.equal(results[2]?.anomalies?.[0]?.code, 'OVER_APPLIED');
  });

  it('tracks disputes and write-offs', () => {
    const s = scenario();
    const { state } = fold([
      s.registered('2024-01-01'),
      s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'),
      s.invoice('2024-01-06', 'B', 5_000, '2024-02-05'),
      s.dispute('2024-01-10', 'A', 'd1', 3_000),
      s.dispute('2024-01-11', 'B', 'd2', 1_000),
      s.resolve('2024-01-20', 'B', 'd2', 'WITHDRAWN'),
      s.writeOff('2024-07-01', 'B', 5_000),
    ]);
    assert.equal(invoice(state, 'A').disputedNow, true);
    assert.equal(invoice(state, 'B').disputedNow, false);
    assert.equal(invoice(state, 'B').status, 'WRITTEN_OFF');
    const f = customerFeatures(state);
    assert.equal(f.dispute_count, 2);
    assert.equal(f.open_dispute_count, 1);
    assert.equal(f.written_off_count, 1);
    assert.equal(f.written_off_amount, 5_000);
    assert.equal(f.open_count, 1);
    assert.equal(f.open_amount, 10_000);
  });

  it('lists every invoice a payment changed, sorted and once', () => {
    const s = scenario();
    const { results } = fold([s.registered('2024-01-01'), s.invoice('2024-01-05', 'B', 100, '2024-02-04'), s.invoice('2024-01-05', 'A', 100, '2024-02-04'), s.payment('2024-02-01', 'p1', [['B', 100], ['A', 50], ['Z', 10]])]);
    assert.deepEqual(results[3]?.changedInvoiceIds, ['A', 'B']);
  });
});

describe('fold: redelivery, idempotence and the clock', () => {
  it('ignores an event at or below the applied offset of its topic-partition', () => {
    const s = scenario();
    const reg = s.registered('2024-01-01');
    const inv = s.invoice('2024-01-05', 'A', 10_000, '2024-02-04');
    const { state } = fold([reg, inv]);
    const snapshot = structuredClone(state);
    for (const again of [reg, inv]) {
      const r = applyEvent(state, again.event, again.source);
      assert.equal(r.changed, false);
      assert.equal(r.rejection, undefined);
    }
    assert.deepStrictEqual(state, snapshot);
    assert.deepEqual(state.appliedOffsets, [
      { source: 'test.customers.events:0', offset: 0 },
      { source: 'test.invoices.events:0', offset: 0 },
    ]);
  });

  it('treats a repeated id with identical content as a no-op that only records the offset', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04')]);
    const before = structuredClone(state);
    const again = s.invoice('2024-01-05', 'A', 10_000, '2024-02-04');
    const r = applyEvent(state, again.event, again.source);
    assert.equal(r.rejection, undefined);
    assert.equal(r.changed, true);
    assert.deepEqual(r.changedInvoiceIds, []);
    assert.deepStrictEqual(state.invoices, before.invoices);
    assert.equal(state.appliedOffsets.find((o) => o.source === 'test.invoices.events:0')?.offset, 1);
  });

  it('advances the business date on ticks, expiring windows, and ignores a redelivered tick', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.invoice('2024-01-01', 'A', 100, '2024-01-31'), s.payment('2024-01-31', 'p', [['A', 100]])]);
    assert.equal(customerFeatures(state).settled_count_90d, 1);
    const t1 = s.tick('2024-04-29');
    const r1 = applyTick(state, t1.event as BusinessDayTickEvent, t1.source);
    assert.equal(r1.changed, true);
    assert.equal(state.asOf, '2024-04-29');
    assert.equal(customerFeatures(state).settled_count_90d, 1, 'settled 89 days ago: still inside 90 days');
    const t2 = s.tick('2024-04-30', '2024-04-29');
    applyTick(state, t2.event as BusinessDayTickEvent, t2.source);
    assert.equal(customerFeatures(state).settled_count_90d, 0, '90 days ago: out');
    assert.equal(customerFeatures(state).settled_count_180d, 1);
    const snapshot = structuredClone(state);
    assert.equal(applyTick(state, t1.event as BusinessDayTickEvent, t1.source).changed, false);
    assert.deepStrictEqual(state, snapshot);
  });

  it('never moves the business date back, and folds an older event where it belongs in business time', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.invoice('2023-01-10', 'OLD', 100, '2023-02-09'), s.invoice('2024-03-01', 'NEW', 100, '2024-03-31'), s.tick('2025-01-01')]);
    const old = fold([s.payment('2023-03-01', 'p-old', [['OLD', 100]])], state).state;
    assert.equal(old.asOf, '2025-01-01');
    assert.equal(invoice(old, 'OLD').daysLate, 20);
    const f = customerFeatures(old);
    assert.equal(f.settled_count, 1, 'counted all-time');
    assert.equal(f.settled_count_365d, 0, 'settled more than 365 days before asOf');
    const recent = fold([s.payment('2024-12-01', 'p-new', [['NEW', 100]])], old).state;
    assert.equal(customerFeatures(recent).settled_count_90d, 1);
    assert.equal(customerFeatures(recent).last_days_late, 245);
  });

  it('seeds a customer created after a tick with the latest tick of its partition', () => {
    const s = scenario();
    const folder = createFolder();
    const t = s.tick('2024-06-01');
    folder.apply(t.event, t.source);
    const inv = s.invoice('2024-01-05', 'A', 100, '2024-02-04');
    folder.apply(inv.event, inv.source);
    const state = folder.customers.get('c.1$') as CustomerState;
    assert.equal(state.asOf, '2024-06-01');
    assert.deepEqual(state.appliedOffsets.map((o) => o.source), ['test.clock.ticks:0', 'test.invoices.events:0']);
  });

  it('leaves a null state null on a tick, and refuses a tick for a customer or another partition', () => {
    const s = scenario();
    const t = s.tick('2024-06-01');
    assert.equal(applyTick(null, t.event as BusinessDayTickEvent, t.source).state, null);
    const { state } = fold([s.registered('2024-01-01')]);
    const forCustomer = { ...t.event, customerId: 'c.1$' } as BusinessDayTickEvent;
    assert.equal(applyTick(state, forCustomer, t.source).rejection?.code, 'INVALID_EVENT');
    assert.equal(applyTick(state, t.event as BusinessDayTickEvent, { ...t.source, partition: 3 }).rejection?.code, 'INVALID_EVENT');
  });
});

describe('fold: bad input', () => {
  const s = scenario();
  const registered = () => fold([s.registered('2024-01-01'), s.invoice('2024-01-05', 'A', 10_000, '2024-02-04'), s.payment('2024-01-20', 'p1', [['A', 1_000]]), s.order('2024-01-02', 'o1', 5_000)]).state;

  it('INVALID_AMOUNT: zero, negative, fractional or unsafe amounts, and payments that do not add up', () => {
    const state = registered();
    expectRejected(state, s.invoice('2024-01-05', 'Z', 0, '2024-02-04'), 'INVALID_AMOUNT');
    expectRejected(state, s.invoice('2024-01-05', 'Z', -5, '2024-02-04'), 'INVALID_AMOUNT');
    expectRejected(state, s.invoice('2024-01-05', 'Z', 10.5, '2024-02-04'), 'INVALID_AMOUNT');
    expectRejected(state, s.invoice('2024-01-05', 'Z', 2 ** 60, '2024-02-04'), 'INVALID_AMOUNT');
    expectRejected(state, s.payment('2024-01-20', 'p9', [['A', 0]]), 'INVALID_AMOUNT');
    expectRejected(state, s.payment('2024-01-20', 'p9', [['A', 100]], { amountMinor: 150 }), 'INVALID_AMOUNT');
    expectRejected(state, s.credit('2024-01-21', 'A', 'cn', 10_001), 'INVALID_AMOUNT');
    expectRejected(state, s.order('2024-01-02', 'o9', 0), 'INVALID_AMOUNT');
    expectRejected(state, s.returned('2024-01-22', 'p1', 999), 'INVALID_AMOUNT');
    // Also when it would be the customer's first event: the state stays null.
    assert.equal(expectRejected(null, s.invoice('2024-01-05', 'Z', 0, '2024-02-04'), 'INVALID_AMOUNT').state, null);
  });

  it('INVALID_AMOUNT: a safe integer above MAX_AMOUNT_MINOR (issue 17 fuzzing: 2^53 - 1 was accepted and made every later balance of its customer inexact)', () => {
    const state = registered();
    const huge = Number.MAX_SAFE_INTEGER;
    const r = expectRejected(state, s.invoice('2024-01-05', 'Z', huge, '2024-02-04'), 'INVALID_AMOUNT');
    assert.equal(r.rejection?.message, `InvoiceIssued.amountMinor is ${huge}, above the largest amount accepted (${MAX_AMOUNT_MINOR} minor units)`);
    expectRejected(state, s.order('2024-01-02', 'o9', MAX_AMOUNT_MINOR + 1), 'INVALID_AMOUNT');
    expectRejected(state, s.limit('2024-01-03', { amountMinor: MAX_AMOUNT_MINOR + 1 }), 'INVALID_AMOUNT');
    assert.equal(applyEvent(state, s.order('2024-01-02', 'o9', MAX_AMOUNT_MINOR).event, s.order('2024-01-02', 'o9', MAX_AMOUNT_MINOR).source).rejection, undefined, 'the largest amount itself is accepted');
  });

  it('CURRENCY_MISMATCH against the invoice, payment, order or customer of the same topic', () => {
    const state = registered();
    expectRejected(state, s.credit('2024-01-21', 'A', 'cn', 100, { currency: 'USD' }), 'CURRENCY_MISMATCH');
    expectRejected(state, s.returned('2024-01-22', 'p1', 1_000, { currency: 'USD' }), 'CURRENCY_MISMATCH');
    expectRejected(state, s.ship('2024-01-03', 'o1', 'sh', 5_000, true, { currency: 'USD' }), 'CURRENCY_MISMATCH');
    expectRejected(state, s.limit('2024-01-03', { currency: 'USD' }), 'CURRENCY_MISMATCH');
  });

  it('INVALID_CURRENCY and INVALID_DATE', () => {
    const state = registered();
    expectRejected(state, s.invoice('2024-01-05', 'Z', 100, '2024-02-04', { currency: 'EURO' }), 'INVALID_CURRENCY');
    expectRejected(state, s.invoice('2024-01-05', 'Z', 100, '2024-02-30'), 'INVALID_DATE');
    expectRejected(state, s.invoice('2024-01-05', 'Z', 100, '2024-01-04'), 'INVALID_DATE');
    expectRejected(state, s.returned('2024-01-19', 'p1', 1_000), 'INVALID_DATE');
    const badTime = s.dispute('2024-01-06', 'A', 'd', 10);
    expectRejected(state, { ...badTime, event: { ...badTime.event, eventTime: '2024-01-06T09:00:00+02:00' } }, 'INVALID_DATE');
  });

  it('DUPLICATE_CONFLICT: an id seen before with different content', () => {
    const state = registered();
    expectRejected(state, s.invoice('2024-01-05', 'A', 10_001, '2024-02-04'), 'DUPLICATE_CONFLICT');
    expectRejected(state, s.payment('2024-01-20', 'p1', [['A', 1_001]]), 'DUPLICATE_CONFLICT');
    expectRejected(state, s.order('2024-01-02', 'o1', 5_001), 'DUPLICATE_CONFLICT');
    expectRejected(state, s.registered('2024-01-01', { currency: 'USD' }), 'DUPLICATE_CONFLICT');
  });

  it('UNKNOWN_*: follow-ups of entities never created on the same topic', () => {
    const state = registered();
    expectRejected(state, s.credit('2024-01-21', 'NOPE', 'cn', 100), 'UNKNOWN_INVOICE');
    expectRejected(state, s.writeOff('2024-01-21', 'NOPE', 100), 'UNKNOWN_INVOICE');
    expectRejected(state, s.returned('2024-01-22', 'NOPE', 100), 'UNKNOWN_PAYMENT');
    expectRejected(state, s.cancel('2024-01-03', 'NOPE'), 'UNKNOWN_ORDER');
    expectRejected(state, s.resolve('2024-01-21', 'A', 'NOPE'), 'UNKNOWN_DISPUTE');
    const fresh = scenario('new-customer');
    assert.equal(expectRejected(null, fresh.limit('2024-01-03'), 'UNKNOWN_CUSTOMER').state, null);
  });

  it('INVALID_TRANSITION and INVALID_EVENT', () => {
    const base = registered();
    const shipped = fold([s.ship('2024-01-04', 'o1', 'sh1', 5_000)], base).state;
    expectRejected(shipped, s.cancel('2024-01-05', 'o1'), 'INVALID_TRANSITION');
    expectRejected(shipped, s.ship('2024-01-05', 'o1', 'sh2', 5_000), 'INVALID_TRANSITION');
    expectRejected(shipped, s.payment('2024-01-20', 'p9', [['A', 1], ['A', 2]]), 'INVALID_EVENT');
    expectRejected(shipped, s.status('2024-01-20', 'FROZEN'), 'INVALID_EVENT');
    const star = s.invoice('2024-01-05', 'Z', 100, '2024-02-04');
    expectRejected(null, { ...star, event: { ...star.event, customerId: '*' } }, 'INVALID_EVENT');
    const unknown = s.invoice('2024-01-05', 'Z', 100, '2024-02-04');
    expectRejected(shipped, { ...unknown, event: { ...unknown.event, type: 'InvoiceVanished' } as never }, 'INVALID_EVENT');
  });

  it('accepts events of an unregistered customer and counts them once registered in the same currency', () => {
    const t = scenario('late.reg');
    const { state } = fold([t.invoice('2024-01-05', 'A', 10_000, '2024-02-04'), t.order('2024-01-02', 'o1', 5_000)]);
    assert.equal(state.registration, null);
    const f = customerFeatures(state);
    assert.equal(f.open_amount, 10_000);
    assert.equal(f.tenure_days, undefined, 'tenure is not defined before the registration');
    assert.equal(f.credit_limit, undefined);
    const after = fold([t.registered('2024-01-10')], state).state;
    assert.equal(customerFeatures(after).open_amount, 10_000);
    assert.equal(customerFeatures(after).tenure_days, 1470);
  });

  it('keeps cross-topic currency mismatches out of the aggregates, whichever side arrives first', () => {
    const t = scenario('fx');
    const reg = t.registered('2024-01-01');
    const usd = t.invoice('2024-01-05', 'U', 7_000, '2024-02-04', { currency: 'USD' });
    const eur = t.invoice('2024-01-05', 'E', 3_000, '2024-02-04');
    const chf = t.payment('2024-01-20', 'pc', [['E', 3_000]], { currency: 'CHF' });
    const a = fold([reg, usd, eur, chf]);
    const b = fold([usd, eur, chf, reg]);
    assert.deepStrictEqual(b.state, a.state);
    assert.equal(invoice(a.state, 'U').currencyMismatch, true);
    assert.equal(invoice(a.state, 'E').status, 'OPEN', 'the CHF application does not count on a EUR invoice');
    assert.equal(customerFeatures(a.state).open_amount, 3_000);
    assert.ok(a.results[3]?.anomalies?.some((x) => x.code === 'CURRENCY_MISMATCH'));
    assert.ok(b.results[3]?.anomalies?.some((x) => x.code === 'CURRENCY_MISMATCH'), 'the late registration reports the foreign invoice');
  });

  it('throws on contract violations by the caller', () => {
    const state = registered();
    const other = scenario('someone-else').invoice('2024-01-05', 'Z', 100, '2024-02-04');
    assert.throws(() => applyEvent(state, other.event, other.source), CustomerMismatchError);
    const inv = s.invoice('2024-01-05', 'Z', 100, '2024-02-04');
    assert.throws(() => applyEvent(state, inv.event, { ...inv.source, offset: -1 }), InvalidSourceError);
    assert.throws(() => applyEvent(state, inv.event, { ...inv.source, topic: '' }), /invalid event source/);
  });
});

describe('fold: customer master data and orders', () => {
  it('applies a temporary credit limit until its expiry, then the permanent one', () => {
    const s = scenario();
    const { state } = fold([
      s.registered('2024-01-01'),
      s.limit('2024-01-01', { amountMinor: 50_000, expiresOn: '2024-03-31', limitType: 'BALANCE_AND_OPEN_ORDERS' }),
      s.limit('2024-01-10', { amountMinor: 80_000, temporary: true, expiresOn: '2024-01-31' }),
      s.invoice('2024-01-12', 'A', 20_000, '2024-02-11'),
      s.order('2024-01-15', 'o1', 10_000),
    ]);
    let f = customerFeatures(state);
    assert.equal(f.credit_limit, 80_000);
    assert.equal(f.credit_limit_temporary, 1);
    assert.equal(f.credit_utilisation, 0.25, 'a temporary limit of type BALANCE counts the open balance only');
    f = customerFeatures(state, '2024-02-01');
    assert.equal(f.credit_limit, 50_000);
    assert.equal(f.credit_limit_temporary, 0);
    assert.equal(f.credit_utilisation, 0.6, 'balance and open orders');
    assert.equal(customerFeatures(state, '2024-04-01').credit_limit_expired, 1);
    const unlimited = fold([s.limit('2024-02-01', { unlimited: true })], structuredClone(state)).state;
    assert.equal(customerFeatures(unlimited, '2024-02-01').credit_limit_unlimited, 1);
    assert.equal(customerFeatures(unlimited, '2024-02-01').credit_limit, undefined);
  });

  it('computes order values over 30 and 90 days and the open order amount, and forgets long-closed orders', () => {
    const s = scenario();
    const { state } = fold([
      s.registered('2024-01-01'),
      s.order('2024-01-01', 'o1', 1_000),
      s.order('2024-02-20', 'o2', 2_000),
      s.order('2024-03-10', 'o3', 4_000),
      s.ship('2024-03-11', 'o3', 'sh1', 1_500, false),
      s.order('2024-03-12', 'o4', 8_000),
      s.cancel('2024-03-13', 'o4'),
    ]);
    const f = customerFeatures(state);
    assert.equal(state.asOf, '2024-03-13');
    assert.equal(f.order_value_30d, 6_000);
    assert.equal(f.order_value_90d, 7_000);
    assert.equal(f.open_orders_amount, 1_000 + 2_000 + 2_500);
    const later = fold([s.ship('2024-06-01', 'o1', 'sh2', 1_000), s.order('2024-08-01', 'o5', 10)], state).state;
    assert.deepEqual(
      later.orders.map((o) => o.orderId),
      ['o2', 'o3', 'o5'],
      'o1 (closed, placed > 120 days before) and o4 (cancelled) are forgotten',
    );
  });

  it('changes the account status and the terms', () => {
    const s = scenario();
    const { state } = fold([s.registered('2024-01-01'), s.terms('2024-01-01', 45), s.status('2024-02-01', 'BLOCKED')]);
    assert.equal(customerFeatures(state).customer_terms_days, 45);
    assert.equal(customerFeatures(state).account_status, 1);
    assert.equal(state.account.changedOn, '2024-02-01');
  });
});
