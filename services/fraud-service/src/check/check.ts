import type { FraudCheck, FraudCheckEvent, FraudReason, OrderPlacedEvent } from '@creditstream/schemas';
import type { PublishedRuleSet } from '../rules/rule-set';
import { round4 } from './format';
import type { CustomerHistory } from './history';
import { findSignals, type OrderFacts, type SignalFinding } from './signals';

/** A check with the findings behind it (the what-if replay compares findings; the event carries the reasons). */
export interface CheckResult {
  check: FraudCheck;
  findings: SignalFinding[];
}

/**
 * Checks an order against its customer's history before it, with one rule set: every signal's strength, the score
 * 1 − Π(1 − weight × strength), REVIEW at or above the review threshold, and the reasons (every signal that
 * contributed, strongest first, with its value, threshold, weight and contribution). Pure and deterministic.
 */
export function checkOrder(h: CustomerHistory, order: OrderFacts, ruleSet: PublishedRuleSet): CheckResult {
  const rules = ruleSet.rules;
  const findings = findSignals(h, order, rules);
  let clear = 1;
  const reasons: FraudReason[] = [];
  for (const f of findings) {
    const weight = rules.signals[f.code].weight;
    const contribution = weight * f.strength;
    if (!(contribution > 0)) continue;
    clear *= 1 - contribution;
    reasons.push({
      code: f.code,
      message: f.message,
      value: f.value === null || !Number.isFinite(f.value) ? null : round4(f.value),
      threshold: f.threshold === null || !Number.isFinite(f.threshold) ? null : round4(f.threshold),
      weight,
      contribution: round4(contribution),
    });
  }
  reasons.sort((a, b) => b.contribution - a.contribution || a.code.localeCompare(b.code));
  const score = round4(1 - clear);
  return {
    check: { orderId: order.orderId, outcome: score >= rules.reviewThreshold ? 'REVIEW' : 'CLEAR', score, reasons, ruleSetVersion: ruleSet.version, reviewThreshold: rules.reviewThreshold },
    findings,
  };
}

/** The id of an order's fraud check: one per order of a customer, so a replay or a redelivery repeats it. */
export function fraudCheckId(customerId: string, orderId: string): string {
  return `${customerId}:fraud-check:${orderId}`;
}

/** The fraud check event of an order: business time and key of the order, caused by it. */
export function fraudCheckEvent(order: OrderPlacedEvent, check: FraudCheck): FraudCheckEvent {
  return { eventId: fraudCheckId(order.customerId, order.payload.orderId), eventTime: order.eventTime, customerId: order.customerId, causationId: order.eventId, type: 'FraudCheck', payload: check };
}

/** Remembers a check in the customer's history (for the read model). */
export function noteCheck(h: CustomerHistory, check: FraudCheck, time: number): void {
  h.checks += 1;
  if (check.outcome === 'REVIEW') h.reviews += 1;
  h.lastCheck = { orderId: check.orderId, outcome: check.outcome, score: check.score, at: time, ruleSetVersion: check.ruleSetVersion };
}
