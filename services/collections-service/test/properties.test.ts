import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays } from '@creditstream/features';
import { Harness } from './harness';

// Property-based tests (fast-check) of the collections processor (default policy) over arbitrary, adversarial but
// well-typed histories of two customers: invoices with any terms, partial, full and over-payments, payments to
// invoices never issued, predictions of any probability, promises to pay of any amount and date, business days
// ticking with gaps. No exception escapes; dunning never skips or repeats a level; fees and interest never negative;
// action ids unique; every invoice the engine knows has an open amount between 0 and its amount.

const START = '2024-01-01';
const CUSTOMERS = ['c1', 'c2'];
const INVOICES = ['i1', 'i2', 'i3'];

type Step = (h: Harness, date: string) => void;
const customer = fc.constantFrom(...CUSTOMERS);
const invoiceId = fc.constantFrom(...INVOICES);
const amount = fc.oneof(fc.integer({ min: 1, max: 500_000 }), fc.constantFrom(1, 10 ** 13));
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.tuple(customer, invoiceId, amount, fc.integer({ min: 0, max: 60 })).map(([c, i, a, terms]): Step => (h, d) => h.issue(i, d, addDays(d, terms), a, c)), weight: 3 },
  { arbitrary: fc.tuple(customer, fc.integer({ min: 1, max: 9 }), fc.array(fc.tuple(invoiceId, amount), { minLength: 1, maxLength: 2 })).map(([c, p, apps]): Step => (h, d) => h.pay(`p${p}-${c}-${d}`, d, apps.filter(([i], k) => apps.findIndex(([j]) => j === i) === k).map(([invoiceId, amountMinor]) => ({ invoiceId, amountMinor })), c)), weight: 2 },
  fc.tuple(customer, invoiceId, fc.double({ min: 0, max: 1, noNaN: true })).map(([c, i, p]): Step => (h, d) => h.predict(i, d, p, c, (1 - p) / 2)),
  fc.tuple(customer, fc.subarray(INVOICES, { minLength: 1 }), amount, fc.integer({ min: -3, max: 30 }), fc.integer({ min: 1, max: 1e6 })).map(([c, ids, a, days, n]): Step => (h, d) => void h.command('PromiseToPay', d, { commandId: `ptp-${c}-${n}`, actor: 'tester', invoiceIds: ids, amountMinor: a, currency: 'EUR', promisedDate: addDays(d, days) }, c)),
);
/** A step on a business day (days after START, with gaps: days without a tick). */
const timed = fc.tuple(step, fc.integer({ min: 0, max: 240 }));

describe('collections processor: properties over adversarial histories (fast-check)', function () {
  this.timeout(120_000);

  it('no exception escapes; letters climb one level at a time per invoice; fees, interest and open amounts stay in range; action ids unique', () => {
    let letters = 0;
    fc.assert(
      fc.property(fc.array(timed, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (items, tickEvery) => {
        const h = new Harness();
        for (const c of CUSTOMERS) h.register(c, 'smb', addDays(START, -1));
        const byDay = new Map<number, Step[]>();
        for (const [s, d] of items) byDay.set(d, [...(byDay.get(d) ?? []), s]);
        for (let d = 0; d <= 300; d++) {
          const date = addDays(START, d);
          if (d % tickEvery === 0) h.tick(date);
          for (const s of byDay.get(d) ?? []) s(h, date);
        }
        const ids = h.forwarded.map((f) => f.event.eventId);
        assert.equal(new Set(ids).size, ids.length, 'action ids are unique');
        const levels = new Map<string, number>();
        for (const l of h.actions('CollectionLetterIssued')) {
          letters += 1;
          for (const i of l.payload.invoiceIds) {
            const before = levels.get(`${l.customerId}/${i}`) ?? 0;
            assert.ok(l.payload.level <= before + 1, `${l.customerId}/${i}: letter level ${l.payload.level} after ${before} (a level skipped)`);
            levels.set(`${l.customerId}/${i}`, Math.max(before, l.payload.level));
          }
          assert.ok(l.payload.overdueMinor > 0, 'a letter is about an overdue amount');
        }
        for (const c of CUSTOMERS) {
          const v = h.value(c);
          assert.ok(v.c.feesMinor >= 0 && v.c.interestMinor >= 0, `${c}: fees ${v.c.feesMinor}, interest ${v.c.interestMinor}`);
          for (const inv of v.fold.invoices) assert.ok(inv.openMinor >= 0 && inv.openMinor <= inv.amountMinor, `${c}/${inv.invoiceId}: open ${inv.openMinor} of ${inv.amountMinor}`);
        }
      }),
      { numRuns: 150, seed: 41 },
    );
    assert.ok(letters > 100, `the histories lead to letters (${letters})`);
  });
});
