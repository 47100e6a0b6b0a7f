import assert from 'node:assert/strict';
import { compileRuleSet, compareOutcomes, DEFAULT_RULE_SET_DOCUMENT, outcomesOf, replayPartition, type ReplayRecord } from '../src';
import { Records, TOPICS } from './support';

const INPUTS = [TOPICS.customers, TOPICS.invoices, TOPICS.payments, TOPICS.outlooks, TOPICS.rules, TOPICS.orders, TOPICS.fraudChecks, TOPICS.commands, TOPICS.clock];

function history(): ReplayRecord[] {
  const r = new Records();
  const recs = [
    r.registered(),
    r.limit(10_000),
    r.invoice('I1', 8_000, '2024-01-03', '2024-02-02'),
    r.order('SO1', 5_000, '2024-01-04T10:00:00.000Z'),
    r.order('SO2', 500, '2024-01-04T11:00:00.000Z'),
    r.payment('P1', 'I1', 8_000, '2024-01-08'),
    // A rule set published in the history is replaced by the candidate.
    r.record(TOPICS.rules, 'CreditRuleSetPublished', '2024-01-05T00:00:00.000Z', { version: 'x', document: '{"version":"x","rules":[]}', sha256: 'x', publishedBy: 'a', partition: 0 }, '*'),
  ];
  // Delivered topic by topic, out of business-time order: the replay merges them as a task does.
  return recs.reverse().map((x) => ({ topic: x.topic, partition: 0, offset: x.offset, event: x.event }));
}

describe('what-if replay', () => {
  const options = (rules: object) => ({ inputs: INPUTS, topics: TOPICS, ruleSet: compileRuleSet(rules), fraud: { mode: 'off' as const, marginMs: 60_000, maxDays: 3 }, approvalThresholdMinor: 1_000_000 });

  it('a rule\'s impact is counted per currency: amounts of different currencies are never added up', () => {
    const outcome = (orderId: string, currency: string, decision: 'HELD' | 'APPROVED', rules: string[]) => ({ orderId, customerId: 'C', decidedAt: '2024-01-02T10:00:00.000Z', amountMinor: currency === 'EUR' ? 1_000 : 70_000, currency, decision, rules, holdEndedAt: null, rejected: false });
    const actual = new Map([['A', outcome('A', 'EUR', 'APPROVED', [])], ['B', outcome('B', 'JPY', 'APPROVED', [])]]);
    const candidate = new Map([['A', outcome('A', 'EUR', 'HELD', ['r'])], ['B', outcome('B', 'JPY', 'HELD', ['r'])]]);
    const report = compareOutcomes(actual, candidate, { end: '2024-01-31T00:00:00.000Z' });
    assert.deepEqual(report.rules.map((r) => [r.ruleId, r.currency, r.newlyHeld, r.newlyHeldMinor]), [['r', 'EUR', 1, 1_000], ['r', 'JPY', 1, 70_000]]);
  });

  it('replays in business-time order and compares per rule: newly held, newly approved, held value and hold time', () => {
    const actual = outcomesOf(replayPartition(0, history(), options(DEFAULT_RULE_SET_DOCUMENT)));
    assert.deepEqual([...actual.values()].map((o) => [o.orderId, o.decision, o.rules.join(), o.holdEndedAt]), [['SO1', 'HELD', 'credit-limit', '2024-01-08T14:00:00.000Z'], ['SO2', 'APPROVED', '', null]]);
    const strict = { version: 'strict', rules: [{ id: 'big-orders', type: 'order-amount', amountMinor: 100 }] };
    const candidate = outcomesOf(replayPartition(0, history(), options(strict)));
    const report = compareOutcomes(actual, candidate, { end: '2024-01-31T00:00:00.000Z' });
    assert.equal(report.orders, 2);
    assert.deepEqual(report.rules, [
      { ruleId: 'big-orders', currency: 'EUR', newlyHeld: 1, newlyHeldMinor: 500, newlyApproved: 0, newlyApprovedMinor: 0 },
    ]);
    assert.deepEqual(report.differences.map((d) => [d.actual.orderId, d.change]), [['SO1', 'rules-changed'], ['SO2', 'newly-held']]);
    assert.deepEqual(report.heldMinor.get('EUR'), { actual: 5_000, candidate: 5_500 });
    assert.ok(report.meanHoldDays.candidate > report.meanHoldDays.actual, 'order-amount holds are never cleared by a payment');
    const windowed = compareOutcomes(actual, candidate, { from: '2024-01-05', end: '2024-01-31T00:00:00.000Z' });
    assert.equal(windowed.orders, 0);
  });
});
