import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, agingOf, applyEvent, type ApplyResult, applyTick, customerFeatureVector, effectiveCreditLimit, invoiceFeatures, MAX_AMOUNT_MINOR, overdueSummary, predictionInputs, type CustomerState } from '../src';
import type { BusinessDayTickEvent } from '@creditstream/schemas';
import { scenario, type Built } from './support/events';

// Property-based tests (fast-check) of the per-customer fold over arbitrary, adversarial but well-typed event
// sequences: a small pool of ids so that events collide (payments to invoices never issued, returns of payments
// never received, duplicates with other content), amounts from 0 to MAX_AMOUNT_MINOR and beyond, foreign and
// unknown currencies, dates out of order. No exception escapes, and the state's invariants hold after every event.

const START = '2024-01-01';
const INVOICES = ['I1', 'I2', 'I3', 'I4'];
const PAYMENTS = ['P1', 'P2', 'P3'];
const ORDERS = ['O1', 'O2', 'O3'];
const DISPUTES = ['D1', 'D2'];

const day = fc.integer({ min: 0, max: 200 }).map((d) => addDays(START, d));
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 500_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR + 1, 1.5) },
);
const currency = fc.oneof({ weight: 10, arbitrary: fc.constant('EUR') }, { weight: 1, arbitrary: fc.constantFrom('USD', 'ZZZ') });
const invoiceId = fc.constantFrom(...INVOICES);

type Step = (s: ReturnType<typeof scenario>) => Built;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(day, currency).map(([d, c]): Step => (s) => s.registered(d, { currency: c })),
  fc.tuple(day, amount, fc.boolean(), fc.option(day)).map(([d, a, temporary, expiresOn]): Step => (s) => s.limit(d, { amountMinor: a, temporary, expiresOn })),
  fc.tuple(day, fc.integer({ min: 0, max: 120 })).map(([d, n]): Step => (s) => s.terms(d, n)),
  fc.tuple(day, fc.constantFrom('ACTIVE', 'BLOCKED', 'CLOSED')).map(([d, st]): Step => (s) => s.status(d, st)),
  fc.tuple(day, invoiceId, amount, fc.integer({ min: -5, max: 90 }), currency).map(([d, id, a, terms, c]): Step => (s) => s.invoice(d, id, a, addDays(d, terms), { currency: c })),
  fc.tuple(day, invoiceId, fc.constantFrom('CN1', 'CN2'), amount).map(([d, id, cn, a]): Step => (s) => s.credit(d, id, cn, a)),
  fc.tuple(day, invoiceId, fc.constantFrom(...DISPUTES), amount).map(([d, id, dsp, a]): Step => (s) => s.dispute(d, id, dsp, a)),
  fc.tuple(day, invoiceId, fc.constantFrom(...DISPUTES), fc.constantFrom('UPHELD', 'CREDITED', 'PARTIALLY_CREDITED', 'WITHDRAWN'), fc.integer({ min: 0, max: 300_000 })).map(([d, id, dsp, o, cr]): Step => (s) => s.resolve(d, id, dsp, o, cr)),
  fc.tuple(day, invoiceId, amount).map(([d, id, a]): Step => (s) => s.writeOff(d, id, a)),
  fc
    .tuple(day, fc.constantFrom(...PAYMENTS), fc.array(fc.tuple(invoiceId, amount), { maxLength: 3 }), fc.integer({ min: 0, max: 10_000 }), currency, fc.constantFrom('BANK_TRANSFER', 'CARD', 'CHECK', 'DIRECT_DEBIT', 'OTHER'))
    .map(([d, id, apps, unappliedMinor, c, method]): Step => (s) => s.payment(d, id, apps, { unappliedMinor, currency: c, method })),
  fc.tuple(day, fc.constantFrom(...PAYMENTS), amount, fc.array(fc.tuple(invoiceId, amount), { maxLength: 2 })).map(([d, id, a, rev]): Step => (s) => s.returned(d, id, a, { reversedApplications: rev.map(([invoiceId, amountMinor]) => ({ invoiceId, amountMinor })) })),
  fc.tuple(day, fc.constantFrom(...ORDERS), amount, currency).map(([d, id, a, c]): Step => (s) => s.order(d, id, a, { currency: c })),
  fc.tuple(day, fc.constantFrom(...ORDERS)).map(([d, id]): Step => (s) => s.cancel(d, id)),
  fc.tuple(day, fc.constantFrom(...ORDERS), fc.constantFrom('SH1', 'SH2'), amount, fc.boolean()).map(([d, id, sh, a, fin]): Step => (s) => s.ship(d, id, sh, a, fin)),
  day.map((d): Step => (s) => s.tick(d)),
);

/** Folds the steps one by one, checking after each that a rejection changed nothing and the invariants hold. */
function foldChecked(steps: readonly Step[]): { state: CustomerState | null; rejected: number } {
  const s = scenario();
  let state: CustomerState | null = null;
  let rejected = 0;
  for (const make of steps) {
    const { event, source } = make(s);
    const before: CustomerState | null = structuredClone(state);
    const r: ApplyResult<CustomerState | null> = event.type === 'BusinessDayTick' ? applyTick(state, event as BusinessDayTickEvent, source) : applyEvent(state, event, source);
    if (r.rejection) {
      rejected += 1;
      assert.match(r.rejection.code, /^[A-Z_]+$/);
      assert.ok(r.rejection.message.length > 0);
      assert.deepStrictEqual(r.state, before, `a rejected ${event.type} (${r.rejection.code}) leaves the state untouched`);
    }
    state = r.state;
    if (state !== null) checkInvariants(state);
  }
  return { state, rejected };
}

function checkInvariants(state: CustomerState): void {
  let open = 0;
  let count = 0;
  for (const inv of state.invoices) {
    for (const [k, v] of Object.entries({ openMinor: inv.openMinor, appliedMinor: inv.appliedMinor, creditedMinor: inv.creditedMinor, overAppliedMinor: inv.overAppliedMinor })) {
      assert.ok(Number.isSafeInteger(v) && v >= 0, `${inv.invoiceId}.${k} = ${v}: a safe integer, never negative`);
    }
    assert.ok(inv.openMinor <= inv.amountMinor, `${inv.invoiceId}: open ${inv.openMinor} within its amount ${inv.amountMinor}`);
    if (inv.status !== 'OPEN') assert.equal(inv.openMinor, 0, `${inv.invoiceId} is ${inv.status} with ${inv.openMinor} open`);
    if (inv.status === 'OPEN' && !inv.currencyMismatch) {
      open += inv.openMinor;
      count += 1;
    }
  }
  assert.equal(state.openSummary.amountMinor, open, 'the open summary is the sum of the counted open invoices');
  assert.equal(state.openSummary.count, count);
  assert.ok(state.writtenOff.amountMinor >= 0 && state.returnSummary.feesMinor >= 0);
  for (const o of state.orders) assert.ok(o.shippedMinor >= 0 && o.amountMinor > 0, `order ${o.orderId}`);
  // The readers of the state never throw and give finite numbers (NaN marks a feature with no data).
  const asOf = state.asOf;
  for (const x of customerFeatureVector(state, asOf)) assert.ok(!Number.isFinite(x) ? Number.isNaN(x) : true, `feature ${x}`);
  const overdue = overdueSummary(state, asOf);
  assert.ok(overdue.amountMinor >= 0 && overdue.amountMinor <= state.openSummary.amountMinor);
  const aging = agingOf(state, asOf);
  assert.equal(aging.reduce((sum, b) => sum + b.amountMinor, 0), state.openSummary.amountMinor, 'aging buckets add up to the open balance');
  effectiveCreditLimit(state, asOf);
  for (const inv of state.invoices) if (inv.status === 'OPEN') for (const x of invoiceFeatures(state, inv, asOf)) assert.ok(!Number.isFinite(x) ? Number.isNaN(x) : true);
  predictionInputs(state);
}

describe('fold: properties over adversarial event sequences (fast-check)', function () {
  this.timeout(120_000);

  it('no exception escapes; rejections change nothing; balances are never negative and add up after every event', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        foldChecked(steps);
      }),
      { numRuns: 1_000, seed: 1717 },
    );
  });

  it('the fold is deterministic: the same sequence twice gives deep-equal states', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        assert.deepStrictEqual(foldChecked(steps).state, foldChecked(steps).state);
      }),
      { numRuns: 100, seed: 1718 },
    );
  });

  it('the generated sequences exercise both acceptance and refusal', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 60 }), (steps) => {
        const r = foldChecked(steps);
        rejected += r.rejected;
        accepted += steps.length - r.rejected;
      }),
      { numRuns: 50, seed: 1719 },
    );
    assert.ok(accepted > 200 && rejected > 200, `accepted ${accepted}, rejected ${rejected}`);
  });
});
