import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FraudCheckEvent } from '@creditstream/schemas';
import { BUILTIN_RULES, fraudCheckId } from '../src';
import { Harness, invoice, limit, order, registered, returned, status } from './helpers';

// Property-based tests (fast-check) of the fraud processor over arbitrary, adversarial but well-typed histories of
// three customers: orders with repeated ids, amounts from 1 minor unit to the largest accepted and beyond, invoices
// and returns of payments never received, dormancy and bursts, customers never registered. No exception escapes, and
// every order placed gets one check with a score in [0, 1] and the outcome its threshold gives.

const CUSTOMERS = ['c1', 'c2', 'c3'];
type Step = { topic: 'customers' | 'invoices' | 'payments' | 'orders'; event: (days: number) => Record<string, unknown> };
const customer = fc.constantFrom(...CUSTOMERS);
const amount = fc.oneof(fc.integer({ min: 1, max: 5_000_000 }), fc.constantFrom(1, 10 ** 13, 10 ** 13 + 1, 0, -5));
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(customer, fc.constantFrom('EUR', 'USD', 'ZZZ')).map(([c, currency]): Step => ({ topic: 'customers', event: (d) => registered(c, d, { currency }) })),
  fc.tuple(customer, amount, fc.boolean()).map(([c, a, unlimited]): Step => ({ topic: 'customers', event: (d) => limit(c, d, a, { unlimited }) })),
  fc.tuple(customer, fc.constantFrom<'ACTIVE' | 'BLOCKED' | 'CLOSED'>('ACTIVE', 'BLOCKED', 'CLOSED')).map(([c, s]): Step => ({ topic: 'customers', event: (d) => status(c, d, s) })),
  fc.tuple(customer, fc.constantFrom('i1', 'i2', 'i3'), amount).map(([c, i, a]): Step => ({ topic: 'invoices', event: (d) => invoice(c, d, i, a) })),
  fc.tuple(customer, fc.constantFrom('p1', 'p2')).map(([c, p]): Step => ({ topic: 'payments', event: (d) => returned(c, d, p) })),
  { arbitrary: fc.tuple(customer, fc.integer({ min: 1, max: 12 }), amount).map(([c, o, a]): Step => ({ topic: 'orders', event: (d) => order(c, d, `SO-${o}`, a, { eventId: `${c}-SO-${o}-${a}` }) })), weight: 5 },
);
/** A step and its business time in days after T0 (fractional: several a day, gaps for dormancy). */
const timed = fc.tuple(step, fc.double({ min: 0, max: 400, noNaN: true }));

describe('fraud processor: properties over adversarial histories (fast-check)', function () {
  this.timeout(120_000);

  it('no exception escapes; every order placed and not refused gets one check, its id deterministic, its score in [0, 1] and its outcome the threshold\'s', () => {
    let checked = 0;
    let reviewed = 0;
    fc.assert(
      fc.property(fc.array(timed, { minLength: 1, maxLength: 80 }), (items) => {
        const h = new Harness();
        const placed = new Map<string, Record<string, unknown>>();
        for (const [s, days] of [...items].sort((a, b) => a[1] - b[1])) {
          const event = s.event(days);
          const result = h.feed(s.topic, event);
          if (s.topic === 'orders' && !(result && 'code' in result)) {
            const p = event.payload as { orderId: string };
            const key = fraudCheckId(event.customerId as string, p.orderId);
            if (!placed.has(key)) placed.set(key, event);
          }
        }
        const byId = new Map<string, FraudCheckEvent[]>();
        for (const c of h.checks) byId.set(c.eventId, [...(byId.get(c.eventId) ?? []), c]);
        for (const [id, event] of placed) {
          const checks = byId.get(id) ?? [];
          assert.ok(checks.length >= 1, `${id}: checked`);
          // A repeated order id is checked again only as a redelivery would be: with the same content.
          for (const c of checks) assert.equal(JSON.stringify(c), JSON.stringify(checks[0]), `${id}: one check`);
          const c = checks[0] as FraudCheckEvent;
          assert.equal(c.causationId, event.eventId);
          assert.ok(Number.isFinite(c.payload.score) && c.payload.score >= 0 && c.payload.score <= 1, `${id}: score ${c.payload.score}`);
          assert.equal(c.payload.outcome, c.payload.score >= BUILTIN_RULES.reviewThreshold ? 'REVIEW' : 'CLEAR');
          checked += 1;
          if (c.payload.outcome === 'REVIEW') reviewed += 1;
        }
        assert.equal(byId.size, placed.size, 'no check of an order never placed');
      }),
      { numRuns: 400, seed: 31 },
    );
    assert.ok(checked > 500 && reviewed > 50 && checked - reviewed > 20, `the histories exercise both outcomes: ${reviewed} of ${checked} reviewed`);
  });

});
