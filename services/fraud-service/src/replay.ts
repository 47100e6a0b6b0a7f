import type { FraudCheck, FraudCheckEvent } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, PartitionGroup, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import type { FraudValue } from './documents';
import { FraudProcessor, type FraudInputEvent, type FraudTopics } from './processor';
import { SIGNAL_CODES, type PublishedRuleSet, type SignalCode } from './rules/rule-set';

/** One input record of the retained history. */
export interface ReplayRecord {
  topic: string;
  partition: number;
  offset: number;
  event: FraudInputEvent;
}

/** A check the replay made. */
export interface ReplayedCheck {
  partition: number;
  customerId: string;
  eventId: string;
  /** Business time of the order (ms). */
  time: number;
  check: FraudCheck;
}

export interface ReplayOptions {
  topics: FraudTopics;
  /** The rule set in force before any published one (the service's initial rule set, or a candidate). */
  initial: PublishedRuleSet;
  /** Ignore the rule sets published on the rules topic: `initial` checks every order (a what-if candidate). */
  ignorePublished?: boolean;
}

/**
 * Replays one partition of the retained history through a fresh processor, in the order its task takes the records
 * (business time across topics, the topic order on ties, offset order within a topic), without side effects: the
 * checks it would make.
 */
export function replayPartition(partition: number, records: readonly ReplayRecord[], options: ReplayOptions): ReplayedCheck[] {
  const inputs = [options.topics.rules, options.topics.customers, options.topics.invoices, options.topics.payments, options.topics.orders, options.topics.clock];
  const group = new PartitionGroup<ReplayRecord>(inputs, 0);
  for (const topic of inputs) {
    const mine = records.filter((r) => r.partition === partition && r.topic === topic && !(options.ignorePublished && topic === options.topics.rules)).sort((a, b) => a.offset - b.offset);
    // Undecodable records are not in the history: the queue is numbered densely (only the order matters here).
    group.add(topic, mine.map((record, offset) => ({ offset, time: Date.parse((record.event as { eventTime: string }).eventTime), record })), mine.length);
  }
  const processor = new FraudProcessor({ partition, topics: options.topics, initial: options.initial });
  const out: ReplayedCheck[] = [];
  const ctx: ProcessorContext<FraudValue> = {
    partition,
    store: new KeyValueStore<FraudValue>(),
    clock: new PartitionClock(),
    forward: (_topic, _key, event) => {
      const e = event as FraudCheckEvent;
      out.push({ partition, customerId: e.customerId, eventId: e.eventId, time: Date.parse(e.eventTime), check: e.payload });
    },
    log: () => undefined,
    defer: (work) => {
      while (work(ctx));
    },
  };
  for (let next = group.next(0); next.kind === 'record'; next = group.next(0)) {
    const { record: r, time } = next.record;
    const task: TaskRecord<FraudInputEvent> = { topic: r.topic, partition, offset: r.offset, key: (r.event as { customerId: string }).customerId, time, event: r.event, message: { topic: r.topic, partition, offset: r.offset, key: null, value: null, headers: {}, timestamp: '0', event: r.event }, failure: null };
    processor.process(task, ctx);
  }
  return out;
}

/** Replays every partition of the history. */
export function replayAll(records: readonly ReplayRecord[], options: ReplayOptions): ReplayedCheck[] {
  const partitions = [...new Set(records.map((r) => r.partition))].sort((a, b) => a - b);
  return partitions.flatMap((p) => replayPartition(p, records, options));
}

/** An order whose outcome differs between two runs, and the signal that moved it most. */
export interface OutcomeChange {
  customerId: string;
  orderId: string;
  time: number;
  baseline: FraudCheck;
  candidate: FraudCheck;
  /** The signal whose contribution moved most towards the new outcome; `review-threshold` when none moved. */
  driver: SignalCode | 'review-threshold';
}

export interface WhatIf {
  orders: number;
  baselineReviews: number;
  candidateReviews: number;
  changes: OutcomeChange[];
  /** Per signal: orders it newly sends to review / newly clears (as their driver), and checks it contributed to in each run. */
  perSignal: Record<SignalCode | 'review-threshold', { newlyReviewed: number; newlyCleared: number; baseline: number; candidate: number }>;
}

const contribution = (c: FraudCheck, code: SignalCode) => c.reasons.find((r) => r.code === code)?.contribution ?? 0;

/**
 * Compares two runs over the same orders (by check id): the orders whose outcome changes, each attributed to the
 * signal whose contribution moved most towards its new outcome, and per-signal counts. `include` limits the orders
 * compared (e.g. a date range); both runs fold the whole history.
 */
export function compareRuns(baseline: readonly ReplayedCheck[], candidate: readonly ReplayedCheck[], include: (c: ReplayedCheck) => boolean = () => true): WhatIf {
  const byId = new Map(candidate.map((c) => [c.eventId, c]));
  const perSignal = Object.fromEntries([...SIGNAL_CODES, 'review-threshold'].map((s) => [s, { newlyReviewed: 0, newlyCleared: 0, baseline: 0, candidate: 0 }])) as WhatIf['perSignal'];
  const result: WhatIf = { orders: 0, baselineReviews: 0, candidateReviews: 0, changes: [], perSignal };
  for (const b of baseline) {
    if (!include(b)) continue;
    const c = byId.get(b.eventId);
    if (c === undefined) continue;
    result.orders += 1;
    if (b.check.outcome === 'REVIEW') result.baselineReviews += 1;
    if (c.check.outcome === 'REVIEW') result.candidateReviews += 1;
    for (const r of b.check.reasons) perSignal[r.code as SignalCode].baseline += 1;
    for (const r of c.check.reasons) perSignal[r.code as SignalCode].candidate += 1;
    if (b.check.outcome === c.check.outcome) continue;
    const towardsReview = c.check.outcome === 'REVIEW';
    let driver: SignalCode | 'review-threshold' = 'review-threshold';
    let moved = 0;
    for (const code of SIGNAL_CODES) {
      const delta = (contribution(c.check, code) - contribution(b.check, code)) * (towardsReview ? 1 : -1);
      if (delta > moved) {
        moved = delta;
        driver = code;
      }
    }
    if (towardsReview) perSignal[driver].newlyReviewed += 1;
    else perSignal[driver].newlyCleared += 1;
    result.changes.push({ customerId: b.customerId, orderId: b.check.orderId, time: b.time, baseline: b.check, candidate: c.check, driver });
  }
  return result;
}
