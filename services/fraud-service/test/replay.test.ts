import assert from 'node:assert/strict';
import { BUILTIN_RULES, compareRuns, evaluateChecks, initialRuleSet, replayAll, type FraudInputEvent, type ReplayRecord } from '../src';
import { limit, order, published, registered, rulesWith, status, TOPICS } from './helpers';

/** A history on two partitions: a blocked account ordering, a new account ordering large, a rule set published on day 10. */
function history(): ReplayRecord[] {
  const out: ReplayRecord[] = [];
  const offsets = new Map<string, number>();
  const add = (topic: keyof typeof TOPICS, partition: number, event: unknown) => {
    const k = `${topic}:${partition}`;
    const offset = offsets.get(k) ?? 0;
    offsets.set(k, offset + 1);
    out.push({ topic: TOPICS[topic], partition, offset, event: event as FraudInputEvent });
  };
  add('customers', 0, registered('B', 0, { openedOn: '2019-01-01' }));
  add('customers', 0, limit('B', 0, 10_000_000));
  add('customers', 0, status('B', 1, 'BLOCKED'));
  for (let d = 2; d < 20; d++) add('orders', 0, order('B', d, `B-${d}`, 100_000));
  add('customers', 1, registered('N', 0));
  add('customers', 1, limit('N', 0, 100_000));
  for (let d = 2; d < 20; d++) add('orders', 1, order('N', d, `N-${d}`, 60_000));
  // Published on day 10 on both partitions (one copy each), but listed before the orders: the replay must order by time.
  const strict = published(rulesWith('strict-1', (r) => (r.signals['account-status'].blocked = 1)), 10);
  out.unshift({ topic: TOPICS.rules, partition: 0, offset: 0, event: strict as unknown as FraudInputEvent }, { topic: TOPICS.rules, partition: 1, offset: 0, event: { ...strict, payload: { ...strict.payload, partition: 1 } } as unknown as FraudInputEvent });
  return out;
}

describe('fraud what-if replay', () => {
  it('replays each partition in business-time order: a published rule set checks the orders from its business time on', () => {
    const checks = replayAll(history(), { topics: TOPICS, initial: initialRuleSet(BUILTIN_RULES) });
    assert.equal(checks.length, 36);
    const blocked = checks.filter((c) => c.customerId === 'B');
    assert.ok(blocked.filter((c) => c.time < Date.parse('2024-03-11T09:00:00Z')).every((c) => c.check.ruleSetVersion === 'builtin-1' && c.check.outcome === 'CLEAR'));
    assert.ok(blocked.filter((c) => c.time >= Date.parse('2024-03-11T09:00:00Z')).every((c) => c.check.ruleSetVersion === 'strict-1' && c.check.outcome === 'REVIEW'));
  });

  it('compares a candidate with the baseline: per signal the orders newly reviewed and newly cleared', () => {
    const records = history();
    const baseline = replayAll(records, { topics: TOPICS, initial: initialRuleSet(BUILTIN_RULES) });
    const lenient = rulesWith('lenient-1', (r) => {
      r.signals['account-status'].blocked = 0.4;
      r.reviewThreshold = 0.99;
    });
    const candidate = replayAll(records, { topics: TOPICS, initial: initialRuleSet(lenient), ignorePublished: true });
    assert.ok(candidate.every((c) => c.check.ruleSetVersion === 'lenient-1'));
    const whatIf = compareRuns(baseline, candidate);
    assert.equal(whatIf.orders, 36);
    assert.equal(whatIf.candidateReviews, 0);
    assert.equal(whatIf.changes.length, whatIf.baselineReviews);
    assert.ok(whatIf.changes.every((c) => c.candidate.outcome === 'CLEAR'));
    // The blocked account's reviews came from the strict account-status weight, which the candidate lowers.
    const blocked = whatIf.changes.filter((c) => c.customerId === 'B');
    assert.ok(blocked.length > 0 && blocked.every((c) => c.driver === 'account-status'), JSON.stringify(blocked.map((c) => c.driver)));
    assert.equal(whatIf.perSignal['account-status'].newlyCleared, blocked.length);
    // The new account's reviews only cross a higher threshold: the driver is the threshold.
    const young = whatIf.changes.filter((c) => c.customerId === 'N');
    assert.ok(young.length > 0 && young.every((c) => c.driver === 'review-threshold'), JSON.stringify(young.map((c) => c.driver)));
    // A date range limits what is compared, not what is folded.
    assert.equal(compareRuns(baseline, candidate, (c) => c.time < Date.parse('2024-03-05T00:00:00Z')).orders, 4, 'days 2 and 3 of both customers');
  });

  it('evaluates checks against the ground truth: recall, precision, review rate, PR AUC', () => {
    const c = (orderId: string, score: number, review: boolean) => ({ customerId: 'C', orderId, score, review });
    const checks = [c('a', 0.9, true), c('b', 0.8, true), c('c', 0.6, true), c('d', 0.3, false), c('e', 0.1, false)];
    const e = evaluateChecks(checks, new Set(['C/a', 'C/c', 'C/e']));
    assert.deepEqual({ orders: e.orders, fraudulent: e.fraudulent, reviewed: e.reviewed, caught: e.caught }, { orders: 5, fraudulent: 3, reviewed: 3, caught: 2 });
    assert.equal(e.recall, 2 / 3);
    assert.equal(e.precision, 2 / 3);
    assert.equal(e.reviewRate, 0.6);
    // Average precision: (1/3)(1/1) + (1/3)(2/3) + (1/3)(3/5).
    assert.ok(Math.abs(e.prAuc - (1 + 2 / 3 + 3 / 5) / 3) < 1e-12);
  });
});
