import { createMetrics } from '@creditstream/metrics';
import type { CreditDecision, CreditDecisionEnvelope } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, PartitionGroup, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import type { CreditValue } from '../documents';
import { createCreditMetrics } from '../metrics';
import { CreditProcessor, type CreditInput, type CreditTopics, type FraudWait } from '../processor';
import type { RuleSet } from '../rules/rule-set';

/** One retained record of a credit input topic. */
export interface ReplayRecord {
  topic: string;
  partition: number;
  offset: number;
  event: CreditInput;
}

/** The life of one order's credit decision: what was decided, and when (business time) its hold ended. */
export interface OrderOutcome {
  orderId: string;
  customerId: string;
  /** Business time of the decision (the order's). */
  decidedAt: string;
  amountMinor: number;
  currency: string;
  decision: CreditDecision['decision'];
  /** Rule ids that held it (empty when approved). */
  rules: string[];
  /** When the hold ended (released or rejected), or null while held at the end of the history. */
  holdEndedAt: string | null;
  rejected: boolean;
}

/**
 * The outcome of every order in a stream of credit decision events (the decisions topic, or a replay's output):
 * the decision, the rules that held it, and when its hold ended.
 */
export function outcomesOf(events: Iterable<CreditDecisionEnvelope>): Map<string, OrderOutcome> {
  const out = new Map<string, OrderOutcome>();
  const key = (customerId: string, orderId: string) => `${customerId}\u0000${orderId}`;
  for (const e of events) {
    if (e.type === 'CreditDecision') {
      const k = key(e.customerId, e.payload.orderId);
      if (out.has(k)) continue;
      out.set(k, { orderId: e.payload.orderId, customerId: e.customerId, decidedAt: e.eventTime, amountMinor: e.payload.orderAmountMinor, currency: e.payload.currency, decision: e.payload.decision, rules: e.payload.rulesFired.map((r) => r.ruleId), holdEndedAt: null, rejected: false });
    } else if (e.type === 'CreditHoldReleased' || e.type === 'CreditHoldRejected') {
      const o = out.get(key(e.customerId, e.payload.orderId));
      if (o === undefined || o.holdEndedAt !== null) continue;
      o.holdEndedAt = e.eventTime;
      o.rejected = e.type === 'CreditHoldRejected';
    }
  }
  return out;
}

export interface WhatIfOptions {
  /** The credit input topics in the service's tie-break order (CREDIT_INPUTS with the run's prefix). */
  inputs: readonly string[];
  topics: CreditTopics;
  /** The candidate rule set: it replaces every rule set published on the rules topic. */
  ruleSet: RuleSet;
  fraud: FraudWait;
  approvalThresholdMinor: number;
}

function fakeContext(partition: number, sink: CreditDecisionEnvelope[], decisionsTopic: string): ProcessorContext<CreditValue> {
  const ctx: ProcessorContext<CreditValue> = {
    partition,
    store: new KeyValueStore<CreditValue>(),
    clock: new PartitionClock(),
    // Only the decisions are kept: what the replay would send elsewhere (account blocks, limits) has no effect.
    forward: (topic, _key, event) => {
      if (topic === decisionsTopic) sink.push(event as CreditDecisionEnvelope);
    },
    log: () => undefined,
    defer: (work) => {
      while (work(ctx));
    },
  };
  return ctx;
}

/**
 * Replays the retained history of one partition through the credit processor with a candidate rule set, in memory
 * and without side effects, merged across topics in business-time order exactly as a partition task merges them
 * (the runtime's PartitionGroup, the service's tie-break order). Returns the decision events the service would have
 * produced.
 */
export function replayPartition(partition: number, records: readonly ReplayRecord[], options: WhatIfOptions): CreditDecisionEnvelope[] {
  const out: CreditDecisionEnvelope[] = [];
  const registry = createMetrics({ service: 'credit-what-if' }).registry;
  const processor = new CreditProcessor({ partition, topics: options.topics, initialRuleSet: options.ruleSet, fraud: options.fraud, approvalThresholdMinor: options.approvalThresholdMinor, metrics: createCreditMetrics(registry, () => ({ rule: 0, forced: 0, fraud_review: 0 })) });
  const ctx = fakeContext(partition, out, options.topics.decisions);
  const group = new PartitionGroup<TaskRecord<CreditInput>>(options.inputs, 0);
  const byTopic = new Map<string, ReplayRecord[]>();
  for (const r of records) {
    if (r.partition !== partition || r.topic === options.topics.rules) continue;
    let list = byTopic.get(r.topic);
    if (list === undefined) byTopic.set(r.topic, (list = []));
    list.push(r);
  }
  for (const [topic, list] of byTopic) {
    list.sort((a, b) => a.offset - b.offset);
    // Queued by position in the list: offsets of undecodable records (dead-lettered by the service) leave gaps.
    group.add(
      topic,
      list.map((r, i) => {
        const time = Date.parse((r.event as { eventTime: string }).eventTime);
        const message = { topic, partition, offset: r.offset, key: null, value: null, headers: {}, timestamp: 'NaN', event: r.event };
        return { offset: i, time, record: { topic, partition, offset: r.offset, key: (r.event as { customerId?: string }).customerId ?? null, time, event: r.event, message, failure: null } };
      }),
      list.length,
    );
  }
  for (;;) {
    const next = group.next(0);
    if (next.kind !== 'record') break;
    processor.process(next.record.record, ctx);
  }
  return out;
}

/** How one order's decision differs between the decisions made and the candidate's. */
export interface OrderDifference {
  actual: OrderOutcome;
  candidate: OrderOutcome;
  change: 'newly-held' | 'newly-approved' | 'rules-changed';
}

/** Per rule and currency: the orders its presence or absence changed. */
export interface RuleImpact {
  ruleId: string;
  /** Currency of the orders counted here (amounts of different currencies are never added up). */
  currency: string;
  /** Orders the candidate holds with this rule that were approved. */
  newlyHeld: number;
  newlyHeldMinor: number;
  /** Orders this rule held that the candidate approves. */
  newlyApproved: number;
  newlyApprovedMinor: number;
}

export interface WhatIfReport {
  orders: number;
  actualHeld: number;
  candidateHeld: number;
  /** Held value (Σ order amounts held) per currency: actual and candidate. */
  heldMinor: Map<string, { actual: number; candidate: number }>;
  /** Mean business days an order stayed held (holds still open count until `end`): actual and candidate. */
  meanHoldDays: { actual: number; candidate: number };
  rules: RuleImpact[];
  differences: OrderDifference[];
}

const DAY_MS = 86_400_000;

/**
 * Compares the decisions made with a candidate's, order by order (orders decided in [from, to] when given; dates
 * YYYY-MM-DD, inclusive): per rule the orders newly held and newly approved, the change in held value and in hold
 * time, and every order whose outcome differs.
 */
export function compareOutcomes(actual: Map<string, OrderOutcome>, candidate: Map<string, OrderOutcome>, window: { from?: string; to?: string; end: string }): WhatIfReport {
  const report: WhatIfReport = { orders: 0, actualHeld: 0, candidateHeld: 0, heldMinor: new Map(), meanHoldDays: { actual: 0, candidate: 0 }, rules: [], differences: [] };
  const rules = new Map<string, RuleImpact>();
  const impact = (ruleId: string, currency: string) => {
    const key = `${ruleId}\u0000${currency}`;
    let r = rules.get(key);
    if (r === undefined) rules.set(key, (r = { ruleId, currency, newlyHeld: 0, newlyHeldMinor: 0, newlyApproved: 0, newlyApprovedMinor: 0 }));
    return r;
  };
  const holdDays = (o: OrderOutcome) => (Date.parse(o.holdEndedAt ?? window.end) - Date.parse(o.decidedAt)) / DAY_MS;
  let actualDays = 0;
  let candidateDays = 0;
  for (const [k, a] of actual) {
    const c = candidate.get(k);
    if (c === undefined) continue;
    const day = a.decidedAt.slice(0, 10);
    if ((window.from !== undefined && day < window.from) || (window.to !== undefined && day > window.to)) continue;
    report.orders += 1;
    const held = report.heldMinor.get(a.currency) ?? { actual: 0, candidate: 0 };
    report.heldMinor.set(a.currency, held);
    if (a.decision === 'HELD') {
      report.actualHeld += 1;
      held.actual += a.amountMinor;
      actualDays += holdDays(a);
    }
    if (c.decision === 'HELD') {
      report.candidateHeld += 1;
      held.candidate += c.amountMinor;
      candidateDays += holdDays(c);
    }
    if (a.decision === 'APPROVED' && c.decision === 'HELD') {
      report.differences.push({ actual: a, candidate: c, change: 'newly-held' });
      for (const id of c.rules) {
        const r = impact(id, c.currency);
        r.newlyHeld += 1;
        r.newlyHeldMinor += c.amountMinor;
      }
    } else if (a.decision === 'HELD' && c.decision === 'APPROVED') {
      report.differences.push({ actual: a, candidate: c, change: 'newly-approved' });
      for (const id of a.rules) {
        const r = impact(id, a.currency);
        r.newlyApproved += 1;
        r.newlyApprovedMinor += a.amountMinor;
      }
    } else if (a.rules.join() !== c.rules.join()) report.differences.push({ actual: a, candidate: c, change: 'rules-changed' });
  }
  report.meanHoldDays = { actual: report.actualHeld === 0 ? 0 : actualDays / report.actualHeld, candidate: report.candidateHeld === 0 ? 0 : candidateDays / report.candidateHeld };
  report.rules = [...rules.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.currency.localeCompare(b.currency));
  report.differences.sort((x, y) => x.actual.decidedAt.localeCompare(y.actual.decidedAt) || x.actual.orderId.localeCompare(y.actual.orderId));
  return report;
}
