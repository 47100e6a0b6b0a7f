import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TaskRecord } from '@creditstream/streams';
import type { CreditInput } from '../src';
import { decisions, fakeContext, processor, Records, TOPICS } from './support';

// Property-based tests (fast-check) of the credit processor (rules, holds, fraud waits, commands) over arbitrary,
// adversarial but well-typed record sequences of three customers: orders with colliding ids, fraud checks before,
// after or without their order, payments to invoices never issued, limits of 0, releases, rejections and forced holds
// of any order, business days jumping. No exception escapes, and every order placed gets exactly one decision.

const CUSTOMERS = ['c1', 'c2', 'c3'];
const ORDERS = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
const T0 = Date.parse('2024-01-02T08:00:00.000Z');
const HOUR = 3_600_000;

type Gen = (r: Records, time: string) => TaskRecord<CreditInput>;

function withEventId(record: TaskRecord<CreditInput>, eventId: string): TaskRecord<CreditInput> {
  const event = { ...record.event, eventId } as CreditInput;
  return { ...record, event, message: { ...record.message, event } };
}
const customer = fc.constantFrom(...CUSTOMERS);
const orderId = fc.constantFrom(...ORDERS);
const amount = fc.oneof(fc.integer({ min: 1, max: 2_000_000 }), fc.constantFrom(1, 10_000_000_000_000));
const gen: fc.Arbitrary<Gen> = fc.oneof(
  customer.map((c): Gen => (r, t) => r.registered(c, t)),
  fc.tuple(customer, fc.oneof(fc.constant(0), amount), fc.boolean(), fc.constantFrom<'BALANCE' | 'BALANCE_AND_OPEN_ORDERS'>('BALANCE', 'BALANCE_AND_OPEN_ORDERS')).map(([c, a, unlimited, limitType]): Gen => (r, t) => r.limit(a, { customerId: c, time: t, unlimited, limitType })),
  fc.tuple(customer, fc.constantFrom<'ACTIVE' | 'BLOCKED' | 'CLOSED'>('ACTIVE', 'BLOCKED', 'CLOSED')).map(([c, s]): Gen => (r, t) => r.status(s, t, c)),
  fc.tuple(customer, fc.constantFrom('i1', 'i2', 'i3'), amount, fc.integer({ min: -40, max: 30 })).map(([c, i, a, due]): Gen => (r, t) => r.invoice(i, a, t.slice(0, 10), new Date(Date.parse(t) + due * 86_400_000).toISOString().slice(0, 10), c)),
  fc.tuple(customer, fc.constantFrom('p1', 'p2', 'p3'), fc.constantFrom('i1', 'i2', 'i3', 'i9'), amount).map(([c, p, i, a]): Gen => (r, t) => r.payment(p, i, a, t.slice(0, 10), c)),
  // Event ids are unique per customer and order, as producers guarantee (output ids derive from them).
  { arbitrary: fc.tuple(customer, orderId, amount).map(([c, o, a]): Gen => (r, t) => withEventId(r.order(o, a, t, c), `order-${c}-${o}`)), weight: 4 },
  { arbitrary: fc.tuple(customer, orderId, fc.constantFrom<'CLEAR' | 'REVIEW'>('CLEAR', 'REVIEW')).map(([c, o, outcome]): Gen => (r, t) => withEventId(r.fraud(o, outcome, t, c), `fraud-${c}-${o}`)), weight: 3 },
  fc.constant<Gen>((r, t) => r.tick(t.slice(0, 10))),
  fc.tuple(customer, orderId, fc.constantFrom('ReleaseCreditHold', 'RejectCreditHold', 'PlaceCreditHold'), fc.integer({ min: 1, max: 5 }), fc.boolean()).map(([c, o, type, n, recheck]): Gen => (r, t) => r.command(type, { commandId: `cmd-${type}-${o}-${n}`, actor: 'tester', orderId: o, reason: 'property', ...(type === 'ReleaseCreditHold' ? { recheck, reviewDate: null } : {}) }, t, c)),
);
/** A record and its business time: hours after T0, so several land on one business day. */
const timed = fc.tuple(gen, fc.integer({ min: 0, max: 24 * 40 }));

function run(items: readonly (readonly [Gen, number])[], fraudChecks: 'wait' | 'off' = 'wait') {
  const r = new Records();
  // Registered customers with a limit first (other registrations and limits follow among the generated records).
  const start = CUSTOMERS.flatMap((c) => [r.registered(c, new Date(T0 - 2 * HOUR).toISOString()), r.limit(5_000_000, { customerId: c, time: new Date(T0 - HOUR).toISOString() })]);
  // The task hands records over in business-time order (stable for equal times).
  const records = [...start, ...[...items].sort((a, b) => a[1] - b[1]).map(([g, h]) => g(r, new Date(T0 + h * HOUR).toISOString()))];
  const p = processor({ fraud: { mode: fraudChecks, maxDays: 3 } });
  const { ctx, forwarded } = fakeContext();
  const rejected = new Set<TaskRecord<CreditInput>>();
  for (const rec of records) if (p.process(rec, ctx)) rejected.add(rec);
  // Business days long after the last record: every fraud wait has ended.
  const last = records.reduce((m, rec) => Math.max(m, rec.time), T0);
  for (let d = 1; d <= 5; d++) p.process(r.tick(new Date(last + d * 86_400_000).toISOString().slice(0, 10)), ctx);
  return { records, rejected, forwarded };
}

describe('credit processor: properties over adversarial record sequences (fast-check)', function () {
  this.timeout(120_000);

  it('no exception escapes, and every order placed (and not refused) gets exactly one decision, with a unique id and a hold id when held', () => {
    const seen = { APPROVED: 0, HELD: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(timed, { minLength: 1, maxLength: 80 }), fc.constantFrom<'wait' | 'off'>('wait', 'off'), (items, fraudChecks) => {
        const { records, rejected, forwarded } = run(items, fraudChecks);
        const placed = new Set<string>();
        for (const rec of records) {
          if (rec.topic !== TOPICS.orders || rejected.has(rec)) continue;
          const e = rec.event as { customerId: string; type: string; payload: { orderId: string } };
          if (e.type === 'OrderPlaced') placed.add(`${e.customerId}/${e.payload.orderId}`);
        }
        const made = decisions(forwarded);
        const byOrder = new Map<string, number>();
        seen.refused += rejected.size;
        for (const d of made) {
          seen[d.payload.decision] += 1;
          const key = `${d.customerId}/${d.payload.orderId}`;
          byOrder.set(key, (byOrder.get(key) ?? 0) + 1);
          if (d.payload.decision === 'HELD') assert.ok(d.payload.holdId, `${key}: a held decision names its hold`);
        }
        assert.equal(new Set(made.map((d) => d.eventId)).size, made.length, 'decision ids are unique');
        for (const key of placed) assert.equal(byOrder.get(key), 1, `${key}: exactly one decision`);
        for (const key of byOrder.keys()) assert.ok(placed.has(key), `${key}: a decision only for an order placed`);
      }),
      { numRuns: 500, seed: 2024 },
    );
    assert.ok(seen.APPROVED > 100 && seen.HELD > 100 && seen.refused > 100, `the sequences exercise approvals, holds and refusals: ${JSON.stringify(seen)}`);
  });

  it('is deterministic: the same records give the same outputs, ids and content', () => {
    fc.assert(
      fc.property(fc.array(timed, { minLength: 1, maxLength: 60 }), (items) => {
        assert.deepStrictEqual(run(items).forwarded, run(items).forwarded);
      }),
      { numRuns: 100, seed: 2025 },
    );
  });
});
