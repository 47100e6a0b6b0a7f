import assert from 'node:assert/strict';
import type { FraudCheckEvent } from '@creditstream/schemas';
import { compressedJsonSerde } from '@creditstream/streams';
import { BUILTIN_RULES, fraudCheckId, type FraudValue } from '../src';
import { at, Harness, invoice, limit, order, published, registered, returned, rulesWith, status, steadyCustomer } from './helpers';

const codes = (c: FraudCheckEvent) => c.payload.reasons.map((r) => r.code);

describe('fraud processor (against an in-memory task context)', () => {
  it('gives every order placed exactly one check: deterministic id, the order as causation, the rule-set version, a score in [0, 1]', () => {
    const h = new Harness();
    h.feed('customers', registered('C1', 0, { openedOn: '2020-01-01' }));
    h.feed('customers', limit('C1', 0, 5_000_000));
    const placed = order('C1', 1, 'SO-1', 120_000, { eventId: 'order-event-1' });
    const check = h.feed('orders', placed) as FraudCheckEvent;
    assert.equal(check.eventId, fraudCheckId('C1', 'SO-1'));
    assert.equal(check.eventId, 'C1:fraud-check:SO-1');
    assert.equal(check.causationId, 'order-event-1');
    assert.equal(check.eventTime, placed.eventTime);
    assert.equal(check.customerId, 'C1');
    assert.equal(check.payload.orderId, 'SO-1');
    assert.equal(check.payload.ruleSetVersion, BUILTIN_RULES.version);
    assert.equal(check.payload.reviewThreshold, BUILTIN_RULES.reviewThreshold);
    assert.ok(check.payload.score >= 0 && check.payload.score <= 1);
    assert.equal(h.checks.length, 1);
    // Shipments and cancellations are not checked.
    h.feed('orders', { ...placed, eventId: 'ship', type: 'OrderShipped', payload: { orderId: 'SO-1', shipmentId: 'SH-1', amountMinor: 120_000, currency: 'EUR', shippedOn: at(2).slice(0, 10), finalShipment: true } });
    assert.equal(h.checks.length, 1);
  });

  it('clears a customer ordering as usual, with no reasons', () => {
    const h = new Harness();
    steadyCustomer(h, 'C1');
    const last = h.checks.slice(-20);
    assert.ok(last.every((c) => c.payload.outcome === 'CLEAR'), JSON.stringify(last.filter((c) => c.payload.outcome !== 'CLEAR').map((c) => c.payload)));
    assert.deepEqual(h.checks[h.checks.length - 1]?.payload.reasons, []);
    assert.equal(h.checks[h.checks.length - 1]?.payload.score, 0);
  });

  it('checks an order of a customer never registered, with the new-account signal, and never throws', () => {
    const h = new Harness();
    const check = h.feed('orders', order('NOBODY', 0, 'SO-1', 50_000)) as FraudCheckEvent;
    assert.deepEqual(codes(check), ['new-account-large-order']);
    assert.equal(check.payload.outcome, 'REVIEW');
    assert.match(check.payload.reasons[0]?.message ?? '', /never registered/);
    assert.equal(check.payload.reasons[0]?.weight, BUILTIN_RULES.signals['new-account-large-order'].weight);
  });

  it('flags a new account ordering far beyond its credit limit in its first days', () => {
    const h = new Harness();
    h.feed('customers', registered('C2', 0));
    h.feed('customers', limit('C2', 0, 300_000));
    const small = h.feed('orders', order('C2', 1, 'SO-1', 60_000)) as FraudCheckEvent;
    assert.equal(small.payload.outcome, 'CLEAR', JSON.stringify(small.payload));
    const big = h.feed('orders', order('C2', 2, 'SO-2', 450_000)) as FraudCheckEvent;
    assert.equal(big.payload.outcome, 'REVIEW', JSON.stringify(big.payload));
    const reason = big.payload.reasons.find((r) => r.code === 'new-account-large-order');
    assert.ok(reason);
    assert.equal(reason.value, 1.5);
    assert.equal(reason.threshold, BUILTIN_RULES.signals['new-account-large-order'].orderShareOfLimit.threshold);
    assert.match(reason.message, /150% of its credit limit 3,000.00 EUR/);
  });

  it('flags a burst of large orders right after a returned payment (bust-out), with its reasons strongest first', () => {
    const h = new Harness();
    steadyCustomer(h, 'C3');
    h.feed('payments', returned('C3', 200, 'PAY-9'));
    let check: FraudCheckEvent | undefined;
    for (let i = 0; i < 4; i++) check = h.feed('orders', order('C3', 200.5 + i * 0.2, `BURST-${i}`, 600_000)) as FraudCheckEvent;
    assert.ok(check);
    assert.equal(check.payload.outcome, 'REVIEW', JSON.stringify(check.payload));
    assert.ok(codes(check).includes('recent-nsf'));
    assert.ok(codes(check).includes('velocity'));
    const contributions = check.payload.reasons.map((r) => r.contribution);
    assert.deepEqual(contributions, [...contributions].sort((a, b) => b - a));
    const expected = 1 - check.payload.reasons.reduce((p, r) => p * (1 - r.contribution), 1);
    assert.ok(Math.abs(check.payload.score - expected) < 1e-3, `score ${check.payload.score} is 1 − Π(1 − contribution) = ${expected}`);
  });

  it('flags a dormant account waking up with a large order, and not one that wakes up as usual', () => {
    const h = new Harness();
    const n = steadyCustomer(h, 'C4', { days: 100 });
    const usual = h.feed('orders', order('C4', 200, 'WAKE-USUAL', 110_000)) as FraudCheckEvent;
    assert.ok(!codes(usual).includes('dormancy-large-order'), JSON.stringify(usual.payload));
    const h2 = new Harness();
    steadyCustomer(h2, 'C4', { days: 100 });
    const large = h2.feed('orders', order('C4', 200, 'WAKE-LARGE', 1_000_000)) as FraudCheckEvent;
    assert.ok(codes(large).includes('dormancy-large-order'), JSON.stringify(large.payload));
    const reason = large.payload.reasons.find((r) => r.code === 'dormancy-large-order');
    assert.match(reason?.message ?? '', /as it wakes from \d+ days without orders/);
    // Days later, still within the wake window, another large order is flagged too.
    const next = h2.feed('orders', order('C4', 203, 'WAKE-LARGE-2', 900_000)) as FraudCheckEvent;
    assert.ok(codes(next).includes('dormancy-large-order'), JSON.stringify(next.payload));
    assert.ok(n > 10);
  });

  it('flags orders from a blocked or closed account, and far above the credit limit', () => {
    const h = new Harness();
    steadyCustomer(h, 'C5', { limitMinor: 500_000 });
    h.feed('customers', status('C5', 200, 'BLOCKED'));
    const blocked = h.feed('orders', order('C5', 201, 'B-1', 100_000)) as FraudCheckEvent;
    assert.deepEqual(codes(blocked), ['account-status']);
    assert.equal(blocked.payload.reasons[0]?.message, 'order from a blocked account');
    h.feed('customers', status('C5', 202, 'CLOSED'));
    const closed = h.feed('orders', order('C5', 203, 'B-2', 100_000)) as FraudCheckEvent;
    assert.equal(closed.payload.outcome, 'REVIEW');
    h.feed('customers', status('C5', 204, 'ACTIVE'));
    h.feed('invoices', invoice('C5', 204, 'INV-1', 900_000));
    const over = h.feed('orders', order('C5', 205, 'B-3', 400_000)) as FraudCheckEvent;
    const reason = over.payload.reasons.find((r) => r.code === 'over-credit-limit');
    assert.ok(reason, JSON.stringify(over.payload));
    assert.equal(reason.value, 2.6);
  });

  it('checks an order placed again with the same id and amount once, and dead-letters one with another amount', () => {
    const h = new Harness();
    h.feed('customers', registered('C6', 0));
    h.feed('orders', order('C6', 1, 'SO-1', 10_000));
    assert.equal(h.feed('orders', order('C6', 1.1, 'SO-1', 10_000)), undefined);
    const conflict = h.feed('orders', order('C6', 1.2, 'SO-1', 20_000));
    assert.deepEqual((conflict as { code: string }).code, 'DUPLICATE_CONFLICT');
    assert.equal(h.checks.length, 1);
  });

  it('dead-letters an invalid order with a reason naming the value, and goes on', () => {
    const h = new Harness();
    const negative = h.feed('orders', order('C7', 1, 'SO-1', -5));
    assert.deepEqual(negative, { code: 'INVALID_AMOUNT', message: 'OrderPlaced.amountMinor must be a positive integer of minor units, got -5' });
    const currency = h.feed('orders', order('C7', 1, 'SO-2', 5, { currency: 'EURO' }));
    assert.equal((currency as { code: string }).code, 'INVALID_CURRENCY');
    const wrongKey = h.feed('orders', order('C7', 1, 'SO-3', 5), 'C8');
    assert.equal((wrongKey as { code: string }).code, 'INVALID_EVENT');
    assert.equal(h.checks.length, 0);
    assert.ok((h.feed('orders', order('C7', 2, 'SO-4', 5)) as FraudCheckEvent).eventId);
  });

  it('applies a published rule set from its business time on, and names its version', () => {
    const h = new Harness();
    h.feed('customers', registered('C9', 0, { openedOn: '2020-01-01' }));
    const strict = rulesWith('strict-1', (r) => {
      r.reviewThreshold = 0.01;
      r.signals['account-status'].blocked = 1;
    });
    h.feed('rules', published(strict, 10));
    const before = h.feed('orders', order('C9', 9, 'SO-1', 10_000)) as FraudCheckEvent;
    assert.equal(before.payload.ruleSetVersion, BUILTIN_RULES.version, 'an order before the rule set is effective: the earlier one');
    const after = h.feed('orders', order('C9', 10, 'SO-2', 10_000)) as FraudCheckEvent;
    assert.equal(after.payload.ruleSetVersion, 'strict-1');
    assert.equal(after.payload.reviewThreshold, 0.01);
    // The same publication read again (a replay) changes nothing; another document under the version is refused.
    assert.equal(h.feed('rules', published(strict, 10)), undefined);
    const conflicting = rulesWith('strict-1', (r) => (r.reviewThreshold = 0.9));
    assert.equal((h.feed('rules', published(conflicting, 11)) as { code: string }).code, 'FRAUD_RULES_CONFLICT');
  });

  it('dead-letters an invalid rule set, naming the path, and one whose digest does not match', () => {
    const h = new Harness();
    const bad = published(rulesWith('bad-1', (r) => ((r.signals.velocity as { weight: number }).weight = 2)), 0);
    const rejection = h.feed('rules', bad) as { code: string; message: string };
    assert.equal(rejection.code, 'FRAUD_RULES_INVALID');
    assert.match(rejection.message, /\/signals\/velocity\/weight must be <= 1/);
    const tampered = published(rulesWith('ok-1', () => undefined), 0, { sha: 'f'.repeat(64) });
    assert.equal((h.feed('rules', tampered) as { code: string }).code, 'INVALID_EVENT');
  });

  it('gives identical checks when replayed from a checkpointed state (restore through the serde)', () => {
    const events: [Parameters<Harness['feed']>[0], Record<string, unknown>][] = [];
    const record = (topic: Parameters<Harness['feed']>[0], e: Record<string, unknown>) => events.push([topic, e]);
    record('customers', registered('R1', 0));
    record('customers', limit('R1', 0, 400_000));
    record('rules', published(rulesWith('r-2', (r) => (r.reviewThreshold = 0.4)), 3) as unknown as Record<string, unknown>);
    for (let i = 0; i < 12; i++) {
      record('orders', order('R1', i * 0.7, `SO-${i}`, 50_000 + i * 40_000));
      if (i === 5) record('payments', returned('R1', i * 0.7 + 0.1, 'P-1'));
    }
    const straight = new Harness();
    for (const [t, e] of events) straight.feed(t, e);
    // Crash after 8 events: a new task restores the serialised state and replays the rest.
    const first = new Harness();
    for (const [t, e] of events.slice(0, 8)) first.feed(t, e);
    const serde = compressedJsonSerde<FraudValue>();
    const second = new Harness();
    second.store.load([...first.store.entries()].map(([k, v]) => [k, serde.deserialize(serde.serialize(v))]));
    for (const [t, e] of events.slice(8)) second.feed(t, e);
    assert.deepEqual([...first.checks, ...second.checks], straight.checks);
    assert.equal(straight.checks.length, 12);
  });
});
