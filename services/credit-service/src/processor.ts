import {
  applyEvent,
  applyTick,
  appliedOffset,
  checkOutlook,
  dayNumber,
  effectiveCreditLimit,
  overdueSummary,
  sourceKey,
  type CustomerState,
  type InputEvent,
} from '@creditstream/features';
import type {
  AccountStatus,
  AccountStatusChangedEvent,
  BusinessDayTickEvent,
  CreditCommandEnvelope,
  CreditDecisionEnvelope,
  CreditGroupMemberExposureEvent,
  CreditGroupPositionEvent,
  CreditLimitSet,
  CreditRuleSetPublishedEvent,
  CustomerPaymentOutlookEvent,
  FraudCheckEvent,
  RuleFired,
} from '@creditstream/schemas';
import type { Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import { PARTITION_KEY, type CreditGroupView, type CreditOrder, type CreditValue, type CreditView, type CustomerCredit, type FraudFacts, type PartitionCredit } from './documents';
import type { CreditMetrics } from './metrics';
import { creditFacts, groupFacts, memberExposure, type CreditFacts } from './rules/facts';
import { evaluate, SYSTEM_RULES, systemReason } from './rules/evaluate';
import { compileRuleSet, readsPredictions, type RuleSet } from './rules/rule-set';

/** Any record the credit service consumes. */
export type CreditInput = InputEvent | FraudCheckEvent | CustomerPaymentOutlookEvent | CreditCommandEnvelope | CreditRuleSetPublishedEvent | CreditGroupPositionEvent;

/**
 * Events that only add to a customer's exposure or risk: they cannot clear a hold, so they re-evaluate nothing.
 * Every other event of a customer with holds (payments, credit notes, resolved disputes, write-offs, limits, terms,
 * account status, registration, cancelled or shipped orders) re-evaluates them.
 */
const CANNOT_CLEAR = new Set(['InvoiceIssued', 'InvoiceDisputed', 'PaymentReturned', 'OrderPlaced']);

/** Commands remembered per customer for idempotence. */
const REMEMBERED_COMMANDS = 200;
/** Fraud checks of orders not seen yet kept per customer. */
const EARLY_CHECKS = 20;
/** Customers swept per turn of deferred work (business-day account rules, rule-set changes). */
const SWEEP_CHUNK = 100;

/** The topics of a credit task, by role. */
export interface CreditTopics {
  customers: string;
  orders: string;
  clock: string;
  fraudChecks: string;
  outlooks: string;
  commands: string;
  rules: string;
  decisions: string;
  /** Where a credit group member's exposure goes, keyed by group (the repartition to the group tasks). */
  groupExposure: string;
  /** The group tasks' positions, keyed by member: an input. */
  groupPositions: string;
}

/** How the service waits for the fraud check of an order. */
export interface FraudWait {
  /** `wait`: an order is decided once its fraud check is in (or the wait ended); `off`: at once, without one. */
  mode: 'wait' | 'off';
  /**
   * The wait ends when the fraud topic of the partition has moved on: a check of an order placed more than this
   * (business time, ms) after ours arrived, but not ours.
   */
  marginMs: number;
  /** ... or when a business-day tick is this many days after the order's date. */
  maxDays: number;
}

export interface CreditProcessorOptions {
  partition: number;
  topics: CreditTopics;
  /** The rule set in force until one is published on the rules topic. */
  initialRuleSet: RuleSet;
  fraud: FraudWait;
  /** Limit adjustments changing the limit by more than this (minor units) need a second person. */
  approvalThresholdMinor: number;
  metrics: CreditMetrics;
}

type Ctx = ProcessorContext<CreditValue>;
type Source = { topic: string; partition: number; offset: number };
interface Cause {
  eventId: string;
  eventTime: string;
  type: string;
  /** Said after the event in a release's reason (e.g. which credit group member's payment it was). */
  detail?: string;
}

const NONE: ReadonlySet<string> = new Set();

function emptyCustomer(state: CustomerState | null): CustomerCredit {
  return { kind: 'customer', state, statusOverride: null, outlook: null, orders: [], earlyChecks: [], adjustments: [], commandIds: [] };
}

function findOrder(value: CustomerCredit, orderId: string): CreditOrder | undefined {
  return value.orders.find((o) => o.orderId === orderId);
}

function insertOrder(value: CustomerCredit, order: CreditOrder): void {
  const i = value.orders.findIndex((o) => o.orderId > order.orderId);
  if (i < 0) value.orders.push(order);
  else value.orders.splice(i, 0, order);
}

/**
 * The credit service's per-record logic, on one partition task. Each customer's events are folded with the feature
 * fold (`@creditstream/features`) into balance, overdue, limits, terms, account and orders. An order placed is
 * checked against the rule set in force at once; its decision waits for its fraud check (see {@link FraudWait}) and
 * is emitted exactly once, with a deterministic id. Every event of a customer with holds re-evaluates them and
 * releases those no rule holds any more. Commands (release, reject, forced hold, limit adjustments, account blocks)
 * are carried out once per command id and answered by an event, or a refusal. Deterministic: the same records in the
 * same order give the same state and outputs.
 */
export class CreditProcessor implements Processor<CreditInput, CreditValue> {
  private ruleSet: RuleSet;
  /** Orders waiting for their fraud check, by `customerId\u0000orderId` (re-derived from the state after a restore). */
  private readonly pending = new Map<string, { customerId: string; orderId: string; time: number; orderDay: number }>();
  private openHolds = { rule: 0, forced: 0, fraud_review: 0 };

  constructor(private readonly options: CreditProcessorOptions) {
    this.ruleSet = options.initialRuleSet;
  }

  /** Orders on hold in this task, by kind (for the open-holds gauge). */
  get holdCounts(): Readonly<{ rule: number; forced: number; fraud_review: number }> {
    return this.openHolds;
  }

  /** The rule set this task applies now. */
  get rules(): RuleSet {
    return this.ruleSet;
  }

  process(record: TaskRecord<CreditInput>, ctx: Ctx): Rejection | void {
    const t = this.options.topics;
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    switch (record.topic) {
      case t.clock:
        return this.tick(record.event as BusinessDayTickEvent, source, ctx);
      case t.rules:
        return this.ruleSetPublished(record.event as CreditRuleSetPublishedEvent, record.partition, ctx);
      case t.fraudChecks:
        return this.fraudCheck(record.event as FraudCheckEvent, record.time, ctx);
      case t.outlooks:
        return this.outlook(record.event as CustomerPaymentOutlookEvent, ctx);
      case t.commands:
        return this.command(record.event as CreditCommandEnvelope, ctx);
      case t.groupPositions:
        return this.groupPosition(record.event as CreditGroupPositionEvent, ctx);
      default:
        return this.fold(record.event as InputEvent, source, record, ctx);
    }
  }

  view(key: string, value: CreditValue): CreditView | null {
    if (value.kind !== 'customer') return null;
    const s = value.state;
    const limit = s === null ? null : effectiveCreditLimit(s);
    const overdue = s === null ? { amountMinor: 0, maxDaysOverdue: 0 } : overdueSummary(s);
    let openOrders = 0;
    for (const o of s?.orders ?? []) if (o.status === 'OPEN' && o.currency === s?.registration?.currency && !this.isRejected(value, o.orderId)) openOrders += Math.max(0, o.amountMinor - o.shippedMinor);
    return {
      customerId: key,
      partition: this.options.partition,
      registered: s?.registration != null,
      currency: s?.registration?.currency ?? null,
      groupId: s?.registration?.groupId ?? null,
      accountStatus: this.statusOf(value),
      asOf: s?.asOf ?? null,
      limit: limit === null ? null : { limitType: limit.limitType, amountMinor: limit.amountMinor, unlimited: limit.amountMinor === null, temporary: limit.temporary, expiresOn: limit.expiresOn, expired: limit.expired },
      balanceMinor: s?.openSummary.amountMinor ?? 0,
      openOrdersMinor: openOrders,
      overdueMinor: overdue.amountMinor,
      maxDaysOverdue: overdue.maxDaysOverdue,
      holds: value.orders
        .filter((o) => o.status === 'HELD')
        .map((o) => ({ orderId: o.orderId, holdId: o.holdId as string, amountMinor: o.amountMinor, currency: o.currency, heldAt: o.heldAt as string, reasons: o.fired.map((f) => f.ruleType), rules: o.fired, forced: o.forced !== null, fraudCheckId: o.fraud?.eventId ?? null, creditGroupId: value.creditGroup?.creditGroupId ?? null })),
      pendingOrders: value.orders.filter((o) => o.status === 'PENDING').length,
      pendingAdjustments: value.adjustments,
      creditGroup: this.groupView(value, openOrders),
    };
  }

  private groupView(value: CustomerCredit, openOrdersMinor: number): CreditGroupView | null {
    const membership = value.creditGroup ?? null;
    const s = value.state;
    if (membership === null || s === null) return null;
    const g = groupFacts(membership, { balanceMinor: s.openSummary.amountMinor, openOrdersMinor, thisOrderMinor: 0 }, s.asOf);
    return {
      creditGroupId: g.creditGroupId,
      since: membership.since,
      positionKnown: g.known,
      currency: g.currency,
      limit: g.limit === null ? null : { limitType: g.limit.limitType, amountMinor: g.limit.amountMinor, unlimited: g.limit.amountMinor === null, temporary: g.limit.temporary, expiresOn: g.limit.expiresOn },
      members: g.members,
      othersBalanceMinor: g.othersBalanceMinor,
      othersOpenOrdersMinor: g.othersOpenOrdersMinor,
      exposureMinor: g.exposureMinor,
      positionAsOf: g.positionAsOf,
    };
  }

  /** After a restore: the rule set in force and the orders waiting for their fraud check are re-derived from the state. */
  restored(ctx: Ctx): void {
    const partition = ctx.store.get(PARTITION_KEY);
    if (partition?.kind === 'partition' && partition.ruleSet !== null) this.ruleSet = compileRuleSet(JSON.parse(partition.ruleSet));
    this.pending.clear();
    this.openHolds = { rule: 0, forced: 0, fraud_review: 0 };
    for (const [customerId, value] of ctx.store.entries()) {
      if (value.kind !== 'customer') continue;
      for (const o of value.orders) {
        if (o.status === 'PENDING') this.pending.set(`${customerId}\u0000${o.orderId}`, { customerId, orderId: o.orderId, time: o.time, orderDay: dayNumber(o.orderDate) });
        if (o.status === 'HELD') this.countHold(o, 1);
      }
    }
  }

  // ---- folding the customer's events ----

  private fold(event: InputEvent, source: Source, record: TaskRecord<CreditInput>, ctx: Ctx): Rejection | void {
    const customerId = event.customerId;
    const known = ctx.store.get(customerId);
    const value: CustomerCredit = known?.kind === 'customer' ? known : emptyCustomer(null);
    if (value.state !== null) this.catchUp(value.state, ctx);
    const newOrder = event.type === 'OrderPlaced' && (value.state === null || !value.state.orders.some((o) => o.orderId === event.payload.orderId)) && findOrder(value, event.payload.orderId) === undefined;
    const result = applyEvent(value.state, event, source);
    if (result.rejection) return { code: result.rejection.code, message: result.rejection.message };
    if (!result.changed) return;
    if (value.state === null) {
      value.state = result.state as CustomerState;
      this.catchUp(value.state, ctx);
    }
    ctx.store.put(customerId, value);
    if (event.type === 'AccountStatusChanged') value.statusOverride = null;
    if (event.type === 'OrderPlaced' && newOrder) {
      this.orderPlaced(value, event, record, ctx);
      this.syncGroup(value, event, ctx);
      return;
    }
    if (event.type === 'OrderCancelled') this.orderCancelled(value, event.payload.orderId);
    if (event.type === 'OrderShipped') this.shippedCheckpoint(value, event, ctx);
    if (event.type === 'PaymentReturned') this.returnedPaymentRule(value, event, ctx);
    this.overdueRule(value, event, ctx);
    if (!CANNOT_CLEAR.has(event.type)) this.reevaluate(value, event, ctx);
    // Only order events close orders (shipped, cancelled, forgotten by the fold).
    if (event.type === 'OrderShipped' || event.type === 'OrderCancelled') this.prune(value);
    this.syncGroup(value, event, ctx);
  }

  /** Brings a state to the partition clock's tick; returns whether it moved. */
  private catchUp(state: CustomerState, ctx: Ctx): boolean {
    const clock = ctx.clock.reading;
    if (clock === null) return false;
    const source = { topic: this.options.topics.clock, partition: ctx.partition, offset: clock.offset };
    if (appliedOffset(state, sourceKey(source)) >= clock.offset) return false;
    return applyTick(state, clock.tick as BusinessDayTickEvent, source).changed;
  }

  private statusOf(value: CustomerCredit): AccountStatus {
    return value.statusOverride?.status ?? value.state?.account.status ?? 'ACTIVE';
  }

  private isRejected(value: CustomerCredit, orderId: string): boolean {
    return findOrder(value, orderId)?.status === 'REJECTED';
  }

  private facts(value: CustomerCredit, order: CreditOrder): CreditFacts {
    const excluded = value.orders.some((o) => o.status === 'REJECTED') ? new Set(value.orders.filter((o) => o.status === 'REJECTED').map((o) => o.orderId)) : NONE;
    return creditFacts(value.state as CustomerState, order, { accountStatus: this.statusOf(value), outlook: value.outlook, excluded, creditGroup: value.creditGroup ?? null });
  }

  // ---- orders and their decision ----

  private orderPlaced(value: CustomerCredit, event: Extract<InputEvent, { type: 'OrderPlaced' }>, record: TaskRecord<CreditInput>, ctx: Ctx): void {
    const p = event.payload;
    const order: CreditOrder = {
      orderId: p.orderId,
      orderEventId: event.eventId,
      eventTime: event.eventTime,
      time: record.time,
      orderDate: p.orderDate,
      appendedAt: Number(record.message.timestamp),
      amountMinor: p.amountMinor,
      currency: p.currency,
      status: 'PENDING',
      basis: null,
      fraud: null,
      fraudMissing: false,
      forced: null,
      holdId: null,
      holds: 0,
      fired: [],
      heldAt: null,
    };
    insertOrder(value, order);
    const facts = this.facts(value, order);
    const evaluation = evaluate(this.ruleSet, facts);
    order.basis = {
      ...evaluation,
      ruleSetVersion: this.ruleSet.version,
      modelVersion: readsPredictions(this.ruleSet) ? (facts.outlook?.modelVersion ?? null) : null,
      balanceMinor: facts.balanceMinor,
      creditLimitMinor: facts.limit?.amountMinor ?? null,
      exposureMinor: facts.limit === null ? null : facts.exposureMinor,
    };
    const early = value.earlyChecks.findIndex((c) => c.orderId === p.orderId);
    if (early >= 0) {
      order.fraud = value.earlyChecks[early] as FraudFacts;
      value.earlyChecks.splice(early, 1);
    }
    if (this.options.fraud.mode === 'off' || order.fraud !== null || evaluation.rejected) this.decide(value, order, ctx);
    else this.pending.set(`${event.customerId}\u0000${order.orderId}`, { customerId: event.customerId, orderId: order.orderId, time: order.time, orderDay: dayNumber(order.orderDate) });
  }

  /** The reasons of the fraud check: a REVIEW holds until a person releases; a missing check until one comes. */
  private fraudReasons(order: CreditOrder): RuleFired[] {
    if (this.options.fraud.mode === 'off' && order.fraud === null) return [];
    if (order.fraud?.outcome === 'REVIEW') {
      return [systemReason(SYSTEM_RULES.fraudReview, `fraud check ${order.fraud.eventId} asks for a review (score ${order.fraud.score.toFixed(3)}${order.fraud.reasons.length > 0 ? `: ${order.fraud.reasons.join(', ')}` : ''})`, { fraudCheckId: order.fraud.eventId, score: String(order.fraud.score), reasons: order.fraud.reasons.join(',') })];
    }
    if (order.fraud === null && order.fraudMissing) return [systemReason(SYSTEM_RULES.fraudCheckMissing, `no fraud check of order ${order.orderId} arrived while the fraud service moved on`, { orderId: order.orderId })];
    return [];
  }

  private manualReasons(order: CreditOrder): RuleFired[] {
    return order.forced === null ? [] : [systemReason(SYSTEM_RULES.manualHold, `forced hold by ${order.forced.actor}: ${order.forced.reason}`, { actor: order.forced.actor, commandId: order.forced.commandId })];
  }

  /** Emits the order's one decision from its basis, its fraud check and any forced hold. */
  private decide(value: CustomerCredit, order: CreditOrder, ctx: Ctx): void {
    const basis = order.basis as NonNullable<CreditOrder['basis']>;
    const customerId = (value.state as CustomerState).customerId;
    this.pending.delete(`${customerId}\u0000${order.orderId}`);
    const fired = [...basis.fired, ...this.fraudReasons(order), ...this.manualReasons(order)];
    const held = fired.length > 0;
    const decision: CreditDecisionEnvelope = {
      eventId: `${order.orderEventId}:credit-decision`,
      eventTime: order.eventTime,
      customerId,
      causationId: order.orderEventId,
      type: 'CreditDecision',
      payload: {
        orderId: order.orderId,
        decision: held ? 'HELD' : 'APPROVED',
        holdId: held ? this.nextHoldId(customerId, order) : null,
        orderAmountMinor: order.amountMinor,
        currency: order.currency,
        balanceMinor: basis.balanceMinor,
        creditLimitMinor: basis.creditLimitMinor,
        rulesFired: fired,
        fraudCheckId: order.fraud?.eventId ?? null,
        ruleSetVersion: basis.ruleSetVersion,
        modelVersion: basis.modelVersion,
        exposureMinor: basis.exposureMinor,
        excludedBy: basis.excludedBy,
      },
    };
    ctx.forward(this.options.topics.decisions, customerId, decision);
    this.options.metrics.decisions.inc({ decision: held ? 'held' : 'approved' });
    if (Number.isFinite(order.appendedAt)) this.options.metrics.decisionSeconds.observe(Math.max(0, Date.now() - order.appendedAt) / 1000);
    order.basis = null;
    if (!held) {
      order.status = 'APPROVED';
      return;
    }
    this.hold(order, fired, order.eventTime);
    if (basis.rejected) this.reject(customerId, order, 'account is CLOSED: its orders are rejected', 'system', null, { eventId: order.orderEventId, eventTime: order.eventTime }, ctx);
  }

  private nextHoldId(customerId: string, order: CreditOrder): string {
    order.holds += 1;
    order.holdId = order.holds === 1 ? `${customerId}:hold:${order.orderId}` : `${customerId}:hold:${order.orderId}:${order.holds}`;
    return order.holdId;
  }

  private hold(order: CreditOrder, fired: RuleFired[], at: string): void {
    order.status = 'HELD';
    order.fired = fired;
    order.heldAt = at;
    this.countHold(order, 1);
  }

  private kindOf(order: CreditOrder): keyof CreditProcessor['openHolds'] {
    if (order.forced !== null) return 'forced';
    if (order.fired.some((f) => f.ruleType === SYSTEM_RULES.fraudReview)) return 'fraud_review';
    return 'rule';
  }

  private countHold(order: CreditOrder, delta: 1 | -1): void {
    this.openHolds[this.kindOf(order)] += delta;
  }

  private endHold(order: CreditOrder, status: 'RELEASED' | 'REJECTED'): void {
    this.countHold(order, -1);
    order.status = status;
    order.fired = [];
  }

  private reject(customerId: string, order: CreditOrder, reason: string, actor: string, commandId: string | null, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    this.emit(ctx, customerId, cause, `${order.holdId}:rejected`, { type: 'CreditHoldRejected', payload: { orderId: order.orderId, holdId: order.holdId as string, reason, actor, commandId } });
    this.endHold(order, 'REJECTED');
    this.options.metrics.holdsEnded.inc({ outcome: 'reject' });
  }

  private release(customerId: string, order: CreditOrder, how: { reason: string; actor: string; automatic: boolean; clearedBy: string | null; commandId: string | null; reviewDate: string | null; outcome: string }, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    this.emit(ctx, customerId, cause, `${order.holdId}:released`, { type: 'CreditHoldReleased', payload: { orderId: order.orderId, holdId: order.holdId as string, reason: how.reason, actor: how.actor, automatic: how.automatic, clearedBy: how.clearedBy, commandId: how.commandId, reviewDate: how.reviewDate } });
    this.endHold(order, 'RELEASED');
    this.options.metrics.holdsEnded.inc({ outcome: how.outcome });
  }

  private emit(ctx: Ctx, customerId: string, cause: { eventId: string; eventTime: string }, eventId: string, body: Pick<CreditDecisionEnvelope, 'type' | 'payload'>): void {
    ctx.forward(this.options.topics.decisions, customerId, { eventId, eventTime: cause.eventTime, customerId, causationId: cause.eventId, ...body });
  }

  /**
   * Re-evaluates every hold of the customer that is not forced: the rules in force on the current state, the fraud
   * check's standing. A hold no reason holds any more is released, naming the event that cleared it.
   */
  private reevaluate(value: CustomerCredit, cause: Cause, ctx: Ctx): void {
    if (value.state === null || !value.orders.some((o) => o.status === 'HELD' && o.forced === null)) return;
    const customerId = value.state.customerId;
    for (const order of value.orders) {
      if (order.status !== 'HELD' || order.forced !== null) continue;
      const evaluation = evaluate(this.ruleSet, this.facts(value, order));
      if (evaluation.rejected) {
        this.reject(customerId, order, 'account is CLOSED: its orders are rejected', 'system', null, cause, ctx);
        continue;
      }
      const fired = [...evaluation.fired, ...this.fraudReasons(order)];
      if (fired.length === 0) {
        this.release(customerId, order, { reason: `no rule holds it any more after ${cause.type} ${cause.eventId}${cause.detail === undefined ? '' : ` ${cause.detail}`}`, actor: 'system', automatic: true, clearedBy: cause.eventId, commandId: null, reviewDate: null, outcome: 'auto_release' }, cause, ctx);
        continue;
      }
      const before = this.kindOf(order);
      order.fired = fired;
      const after = this.kindOf(order);
      if (before !== after) {
        this.openHolds[before] -= 1;
        this.openHolds[after] += 1;
      }
    }
  }

  private orderCancelled(value: CustomerCredit, orderId: string): void {
    const order = findOrder(value, orderId);
    if (order === undefined) return;
    // A cancelled order needs no decision any more than a hold: a pending one is still decided when its check comes
    // (one decision per order placed); a held one leaves the hold list.
    if (order.status === 'HELD') this.endHold(order, 'REJECTED');
  }

  /**
   * The order-shipped checkpoint: when part of an approved order ships more than `graceDays` after its approval,
   * the rules run again; if any fires, its remaining shipments are held (CreditHoldPlaced, not forced).
   */
  private shippedCheckpoint(value: CustomerCredit, event: Extract<InputEvent, { type: 'OrderShipped' }>, ctx: Ctx): void {
    const checkpoint = this.ruleSet.checkpoints.orderShipped;
    const order = findOrder(value, event.payload.orderId);
    const state = value.state as CustomerState;
    const folded = state.orders.find((o) => o.orderId === event.payload.orderId);
    if (!checkpoint.enabled || order === undefined || (order.status !== 'APPROVED' && order.status !== 'RELEASED') || folded?.status !== 'OPEN') return;
    if (dayNumber(event.payload.shippedOn) - dayNumber(order.orderDate) <= checkpoint.graceDays) return;
    const evaluation = evaluate(this.ruleSet, this.facts(value, order));
    if (evaluation.fired.length === 0) return;
    const holdId = this.nextHoldId(state.customerId, order);
    this.hold(order, evaluation.fired, event.eventTime);
    const reason = `order-shipped checkpoint: ${evaluation.fired.map((f) => `${f.ruleId} (${f.message})`).join('; ')}`;
    this.emit(ctx, state.customerId, event, `${holdId}:placed:${event.eventId}`, { type: 'CreditHoldPlaced', payload: { orderId: order.orderId, holdId, reason, actor: 'system', forced: false, commandId: null } });
  }

  /** Forgets decided orders the fold no longer has open (shipped, cancelled, or forgotten). */
  private prune(value: CustomerCredit): void {
    const open = new Set((value.state?.orders ?? []).filter((o) => o.status === 'OPEN').map((o) => o.orderId));
    value.orders = value.orders.filter((o) => o.status === 'PENDING' || o.status === 'HELD' || open.has(o.orderId));
  }

  // ---- fraud checks ----

  private fraudCheck(event: FraudCheckEvent, time: number, ctx: Ctx): Rejection | void {
    const p = event.payload;
    if (typeof p?.orderId !== 'string' || p.orderId === '' || (p.outcome !== 'CLEAR' && p.outcome !== 'REVIEW')) return { code: 'INVALID_EVENT', message: `a fraud check needs an orderId and an outcome CLEAR or REVIEW, got ${JSON.stringify({ orderId: p?.orderId, outcome: p?.outcome })}` };
    const facts: FraudFacts = { eventId: event.eventId, orderId: p.orderId, outcome: p.outcome, score: p.score, reasons: (p.reasons ?? []).map((r) => r.code), time };
    // Orders the fraud service has moved past first (this check's own order, if pending, is decided by it below).
    this.expireWaits(ctx, (w) => w.time + this.options.fraud.marginMs < time);
    const known = ctx.store.get(event.customerId);
    const value = known?.kind === 'customer' ? known : emptyCustomer(null);
    const order = findOrder(value, p.orderId);
    if (order === undefined) {
      value.earlyChecks.push(facts);
      if (value.earlyChecks.length > EARLY_CHECKS) value.earlyChecks.shift();
    } else if (order.fraud === null || order.fraud.eventId !== facts.eventId) {
      order.fraud = facts;
      if (order.status === 'PENDING') this.decide(value, order, ctx);
      else if (order.status === 'HELD') {
        order.fraudMissing = false;
        if (order.forced === null) this.reevaluate(value, { eventId: event.eventId, eventTime: event.eventTime, type: 'FraudCheck' }, ctx);
      }
    }
    ctx.store.put(event.customerId, value);
  }

  /** Ends the wait of the pending orders `due` selects: they are decided without a fraud check (held). */
  private expireWaits(ctx: Ctx, due: (w: { time: number; orderDay: number }) => boolean): void {
    if (this.pending.size === 0) return;
    const expired = [...this.pending.values()].filter(due).sort((a, b) => a.time - b.time || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.orderId < b.orderId ? -1 : 1));
    for (const w of expired) {
      const value = ctx.store.get(w.customerId);
      const order = value?.kind === 'customer' ? findOrder(value, w.orderId) : undefined;
      if (value?.kind !== 'customer' || order === undefined || order.status !== 'PENDING') {
        this.pending.delete(`${w.customerId}\u0000${w.orderId}`);
        continue;
      }
      order.fraudMissing = true;
      this.options.metrics.fraudWaitsExpired.inc();
      this.decide(value, order, ctx);
      ctx.store.put(w.customerId, value);
    }
  }

  // ---- the clock ----

  private tick(tick: BusinessDayTickEvent, source: Source, ctx: Ctx): Rejection | void {
    const check = applyTick(null, tick, source);
    if (check.rejection) return { code: check.rejection.code, message: check.rejection.message };
    if (!ctx.clock.advance({ businessDate: tick.payload.businessDate, offset: source.offset, tick })) return;
    const today = dayNumber(tick.payload.businessDate);
    this.expireWaits(ctx, (w) => today - w.orderDay >= this.options.fraud.maxDays);
    if (this.ruleSet.accountRules.daysOverdue === null) return;
    // Days overdue grow with the business day: the account rule is checked for every customer with an open balance.
    const ids = [...ctx.store.keys()].sort();
    let i = 0;
    ctx.defer((c) => {
      for (const end = Math.min(ids.length, i + SWEEP_CHUNK); i < end; i++) {
        const value = c.store.get(ids[i] as string);
        if (value?.kind !== 'customer' || value.state === null || value.state.open.length === 0) continue;
        this.catchUp(value.state, c);
        this.overdueRule(value, tick, c);
      }
      return i < ids.length;
    });
  }

  // ---- account rules ----

  private block(value: CustomerCredit, status: AccountStatus, reason: string, changedBy: string, eventId: string, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    const state = value.state as CustomerState;
    const previous = this.statusOf(value);
    const event: AccountStatusChangedEvent = { eventId, eventTime: cause.eventTime, customerId: state.customerId, causationId: cause.eventId, type: 'AccountStatusChanged', payload: { status, previousStatus: previous, reason, changedBy } };
    ctx.forward(this.options.topics.customers, state.customerId, event);
    value.statusOverride = { status, eventId };
    ctx.store.put(state.customerId, value);
    this.options.metrics.accountChanges.inc({ status: status.toLowerCase(), by: changedBy === 'credit-service' ? 'rule' : 'command' });
  }

  private returnedPaymentRule(value: CustomerCredit, event: Extract<InputEvent, { type: 'PaymentReturned' }>, ctx: Ctx): void {
    const rule = this.ruleSet.accountRules.returnedPayments;
    const state = value.state as CustomerState;
    if (rule === null || this.statusOf(value) !== 'ACTIVE' || state.registration === null) return;
    const since = dayNumber(state.asOf) - rule.withinDays;
    const count = state.returns.filter((r) => dayNumber(r.returnedOn) > since && (!rule.nsfOnly || r.reason === 'NSF')).length;
    if (count < rule.count) return;
    this.block(value, 'BLOCKED', `${count} returned payments within ${rule.withinDays} days (rule set ${this.ruleSet.version})`, 'credit-service', `${event.eventId}:account-blocked`, event, ctx);
  }

  private overdueRule(value: CustomerCredit, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    const rule = this.ruleSet.accountRules.daysOverdue;
    const state = value.state as CustomerState;
    if (rule === null || this.statusOf(value) !== 'ACTIVE' || state.registration === null) return;
    const overdue = overdueSummary(state);
    if (overdue.maxDaysOverdue <= rule.days) return;
    this.block(value, 'BLOCKED', `an invoice is ${overdue.maxDaysOverdue} days overdue, more than ${rule.days} (rule set ${this.ruleSet.version})`, 'credit-service', `${state.customerId}:account-blocked:overdue:${state.asOf}`, cause, ctx);
  }

  // ---- predictions ----

  private outlook(event: CustomerPaymentOutlookEvent, ctx: Ctx): Rejection | void {
    const bad = checkOutlook(event);
    if (bad) return bad;
    const known = ctx.store.get(event.customerId);
    if (known?.kind !== 'customer') return;
    const p = event.payload;
    if (known.outlook !== null && known.outlook.businessDate > p.businessDate) return;
    known.outlook = { modelVersion: p.modelVersion, businessDate: p.businessDate, currency: p.currency, openBalanceMinor: p.openBalanceMinor, expectedOnTimeMinor: p.expectedOnTimeMinor, expectedLateMinor: p.expectedLateMinor, expectedVeryLateMinor: p.expectedVeryLateMinor };
    ctx.store.put(event.customerId, known);
    this.reevaluate(known, event, ctx);
  }

  // ---- rule sets ----

  private ruleSetPublished(event: CreditRuleSetPublishedEvent, partition: number, ctx: Ctx): Rejection | void {
    if (event.payload.partition !== partition) return { code: 'INVALID_EVENT', message: `rule set for partition ${event.payload.partition} consumed from partition ${partition}` };
    let next: RuleSet;
    try {
      next = compileRuleSet(JSON.parse(event.payload.document));
    } catch (err) {
      return { code: 'CREDIT_RULE_SET_INVALID', message: err instanceof Error ? err.message : String(err) };
    }
    if (next.sha256 === this.ruleSet.sha256) return;
    this.ruleSet = next;
    const value: PartitionCredit = { kind: 'partition', ruleSet: next.document };
    ctx.store.put(PARTITION_KEY, value);
    this.options.metrics.ruleSetChanges.inc();
    // A new rule set can clear holds: every customer with a hold is re-evaluated (in chunks, before the next record).
    const ids = [...ctx.store.keys()].filter((k) => k !== PARTITION_KEY).sort();
    let i = 0;
    const cause = { eventId: event.eventId, eventTime: event.eventTime, type: 'CreditRuleSetPublished' };
    ctx.defer((c) => {
      for (const end = Math.min(ids.length, i + SWEEP_CHUNK); i < end; i++) {
        const v = c.store.get(ids[i] as string);
        if (v?.kind !== 'customer' || !v.orders.some((o) => o.status === 'HELD')) continue;
        if (v.state !== null) this.catchUp(v.state, c);
        this.reevaluate(v, cause, c);
        this.syncGroup(v, cause, c);
        c.store.put(ids[i] as string, v);
      }
      return i < ids.length;
    });
  }

  // ---- commands ----

  private command(event: CreditCommandEnvelope, ctx: Ctx): Rejection | void {
    const p = event.payload as { commandId?: unknown; actor?: unknown };
    if (typeof p?.commandId !== 'string' || p.commandId.trim() === '' || typeof p.actor !== 'string' || p.actor.trim() === '') {
      return { code: 'INVALID_COMMAND', message: `${event.type} needs a non-empty commandId and actor, got ${JSON.stringify({ commandId: p?.commandId, actor: p?.actor })}` };
    }
    const known = ctx.store.get(event.customerId);
    const value = known?.kind === 'customer' ? known : null;
    const commandId = p.commandId;
    const cause = { eventId: event.eventId, eventTime: event.eventTime };
    const orderId = 'orderId' in event.payload ? event.payload.orderId : null;
    const refuse = (reasonCode: string, message: string) => {
      this.emit(ctx, event.customerId, cause, `${commandId}:refused`, { type: 'CreditCommandRefused', payload: { commandId, commandType: event.type, orderId, reasonCode, message, actor: p.actor as string } });
      this.options.metrics.commands.inc({ type: event.type, outcome: 'refused' });
    };
    if (value === null || value.state === null || value.state.registration === null) return refuse('UNKNOWN_CUSTOMER', `customer ${event.customerId} is not registered`);
    if (value.commandIds.includes(commandId)) {
      this.options.metrics.commands.inc({ type: event.type, outcome: 'duplicate' });
      return;
    }
    value.commandIds.push(commandId);
    if (value.commandIds.length > REMEMBERED_COMMANDS) value.commandIds.shift();
    ctx.store.put(event.customerId, value);
    this.catchUp(value.state, ctx);
    const refusal = this.carryOut(event, value, cause, ctx);
    if (refusal) refuse(refusal.code, refusal.message);
    else this.options.metrics.commands.inc({ type: event.type, outcome: 'done' });
    this.prune(value);
    this.syncGroup(value, { ...cause, type: event.type }, ctx);
  }

  /** Carries out a valid command of a registered customer; returns why it was refused, if it was. */
  private carryOut(event: CreditCommandEnvelope, value: CustomerCredit, cause: { eventId: string; eventTime: string }, ctx: Ctx): { code: string; message: string } | void {
    const state = value.state as CustomerState;
    const customerId = state.customerId;
    const orderOf = (orderId: string) => {
      const order = findOrder(value, orderId);
      if (order === undefined) return { refusal: { code: 'ORDER_NOT_FOUND', message: `order ${orderId} of customer ${customerId} is not open with the credit service` } };
      return { order };
    };
    switch (event.type) {
      case 'ReleaseCreditHold': {
        const c = event.payload;
        const { order, refusal } = orderOf(c.orderId);
        if (!order) return refusal;
        if (order.status === 'REJECTED') return { code: 'ORDER_REJECTED', message: `order ${c.orderId} was rejected; a rejected order cannot be released` };
        if (order.status === 'PENDING') return { code: 'NOT_DECIDED', message: `order ${c.orderId} is waiting for its fraud check; it has no hold yet` };
        if (order.status !== 'HELD') return { code: 'NOT_HELD', message: `order ${c.orderId} is not on hold (${order.status.toLowerCase()})` };
        if (c.recheck) {
          const evaluation = evaluate(this.ruleSet, this.facts(value, order));
          if (evaluation.fired.length > 0) return { code: 'RULES_STILL_FIRE', message: `re-check of order ${c.orderId}: ${evaluation.fired.map((f) => `${f.ruleId} (${f.message})`).join('; ')}` };
        }
        this.release(customerId, order, { reason: c.reason, actor: c.actor, automatic: false, clearedBy: null, commandId: c.commandId, reviewDate: c.reviewDate, outcome: c.recheck ? 'release_with_recheck' : 'release' }, cause, ctx);
        return;
      }
      case 'RejectCreditHold': {
        const c = event.payload;
        const { order, refusal } = orderOf(c.orderId);
        if (!order) return refusal;
        if (order.status === 'REJECTED') return { code: 'ORDER_REJECTED', message: `order ${c.orderId} was rejected already` };
        if (order.status !== 'HELD') return { code: 'NOT_HELD', message: `order ${c.orderId} is not on hold (${order.status.toLowerCase()}); only a held order can be rejected` };
        this.reject(customerId, order, c.reason, c.actor, c.commandId, cause, ctx);
        return;
      }
      case 'PlaceCreditHold': {
        const c = event.payload;
        const { order, refusal } = orderOf(c.orderId);
        if (!order) return refusal;
        if (order.status === 'REJECTED') return { code: 'ORDER_REJECTED', message: `order ${c.orderId} was rejected; it cannot be held` };
        const wasHeld = order.status === 'HELD';
        if (wasHeld) this.countHold(order, -1);
        order.forced = { reason: c.reason, actor: c.actor, commandId: c.commandId };
        // A pending order is held by its decision (with a manual-hold reason) once its fraud check is in.
        if (order.status === 'PENDING') return;
        if (wasHeld) {
          order.fired = [...order.fired.filter((f) => f.ruleType !== SYSTEM_RULES.manualHold), ...this.manualReasons(order)];
          this.countHold(order, 1);
        } else this.hold(order, this.manualReasons(order), cause.eventTime);
        const holdId = wasHeld ? (order.holdId as string) : this.nextHoldId(customerId, order);
        this.emit(ctx, customerId, cause, `${holdId}:placed:${c.commandId}`, { type: 'CreditHoldPlaced', payload: { orderId: order.orderId, holdId, reason: c.reason, actor: c.actor, forced: true, commandId: c.commandId } });
        return;
      }
      case 'BlockAccount':
      case 'CloseAccount':
      case 'ReactivateAccount': {
        const c = event.payload;
        const current = this.statusOf(value);
        const target: AccountStatus = event.type === 'BlockAccount' ? 'BLOCKED' : event.type === 'CloseAccount' ? 'CLOSED' : 'ACTIVE';
        if (current === 'CLOSED') return { code: 'ACCOUNT_CLOSED', message: `account ${customerId} is closed; a closed account stays closed` };
        if (current === target) return { code: 'ALREADY_IN_STATUS', message: `account ${customerId} is ${current} already` };
        this.block(value, target, c.reason, c.actor, `${c.commandId}:account-status`, cause, ctx);
        // A closed account's holds are rejected; a reactivated one's may be cleared.
        this.reevaluate(value, { ...cause, type: event.type }, ctx);
        return;
      }
      case 'RequestCreditLimitAdjustment':
        return this.requestAdjustment(event.payload, value, cause, ctx);
      case 'SetCreditGroup':
        return this.setCreditGroup(event.payload, value, { ...cause, type: event.type }, ctx);
      case 'ApproveCreditLimitAdjustment': {
        const c = event.payload;
        const i = value.adjustments.findIndex((a) => a.adjustmentId === c.adjustmentId);
        const adjustment = value.adjustments[i];
        if (adjustment === undefined) return { code: 'ADJUSTMENT_NOT_FOUND', message: `no limit adjustment ${c.adjustmentId} of customer ${customerId} waits for approval` };
        if (adjustment.requestedBy === c.actor) return { code: 'SAME_APPROVER', message: `${c.actor} requested adjustment ${c.adjustmentId}; a second person must approve it (four eyes)` };
        value.adjustments.splice(i, 1);
        this.setLimit(customerId, { limitType: adjustment.limitType, amountMinor: adjustment.newLimitMinor, currency: adjustment.currency, unlimited: false, expiresOn: adjustment.expiresOn, temporary: adjustment.temporary, reason: `${adjustment.reason} (adjustment ${adjustment.adjustmentId} requested by ${adjustment.requestedBy}, approved by ${c.actor})` }, `${c.commandId}:limit-set`, cause, ctx);
        return;
      }
    }
  }

  private requestAdjustment(c: Extract<CreditCommandEnvelope, { type: 'RequestCreditLimitAdjustment' }>['payload'], value: CustomerCredit, cause: { eventId: string; eventTime: string }, ctx: Ctx): { code: string; message: string } | void {
    const state = value.state as CustomerState;
    const registration = state.registration as NonNullable<CustomerState['registration']>;
    if ((c.changeMinor === null) === (c.changePercent === null)) return { code: 'INVALID_ADJUSTMENT', message: `adjustment ${c.adjustmentId} needs exactly one of changeMinor and changePercent` };
    if (c.currency !== registration.currency) return { code: 'CURRENCY_MISMATCH', message: `adjustment ${c.adjustmentId} is in ${c.currency}, the customer's currency is ${registration.currency}` };
    if (c.temporary && c.expiresOn === null) return { code: 'INVALID_ADJUSTMENT', message: `temporary adjustment ${c.adjustmentId} needs expiresOn` };
    if (value.adjustments.some((a) => a.adjustmentId === c.adjustmentId)) return { code: 'DUPLICATE_ADJUSTMENT', message: `adjustment ${c.adjustmentId} already waits for approval` };
    const current = c.temporary ? effectiveCreditLimit(state) : state.creditLimits.permanent === null ? null : { amountMinor: state.creditLimits.permanent.unlimited ? null : state.creditLimits.permanent.amountMinor, limitType: state.creditLimits.permanent.limitType };
    if (current !== null && current.amountMinor === null) return { code: 'LIMIT_UNLIMITED', message: `customer ${state.customerId} has no credit limit (unlimited); nothing to adjust` };
    const base = current?.amountMinor ?? 0;
    const change = c.changeMinor ?? Math.round((base * (c.changePercent as number)) / 100);
    const next = Math.max(0, base + change);
    const limit = { limitType: current?.limitType ?? 'BALANCE', amountMinor: next, currency: registration.currency, unlimited: false, expiresOn: c.temporary ? c.expiresOn : null, temporary: c.temporary, reason: c.reason } as const;
    if (Math.abs(next - base) <= this.options.approvalThresholdMinor) {
      this.setLimit(state.customerId, { ...limit, reason: `${c.reason} (adjustment ${c.adjustmentId} by ${c.actor})` }, `${c.commandId}:limit-set`, cause, ctx);
      return;
    }
    value.adjustments.push({ adjustmentId: c.adjustmentId, commandId: c.commandId, requestedBy: c.actor, temporary: c.temporary, previousLimitMinor: current?.amountMinor ?? null, newLimitMinor: next, currency: registration.currency, expiresOn: limit.expiresOn, reason: c.reason, limitType: limit.limitType });
    this.emit(ctx, state.customerId, cause, `${c.commandId}:adjustment-requested`, { type: 'CreditLimitAdjustmentRequested', payload: { adjustmentId: c.adjustmentId, commandId: c.commandId, requestedBy: c.actor, temporary: c.temporary, previousLimitMinor: current?.amountMinor ?? null, newLimitMinor: next, currency: registration.currency, expiresOn: limit.expiresOn, reason: c.reason } });
  }

  /** A limit change is an event on the customers topic: the fold applies it when it comes back, and re-evaluates the holds then. */
  private setLimit(customerId: string, limit: CreditLimitSet, eventId: string, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    ctx.forward(this.options.topics.customers, customerId, { eventId, eventTime: cause.eventTime, customerId, causationId: cause.eventId, type: 'CreditLimitSet', payload: limit });
    this.options.metrics.limitChanges.inc();
  }

  // ---- credit groups ----

  /** Joins, moves to or leaves a credit group: the old group is told the customer left, the new one its exposure. */
  private setCreditGroup(c: Extract<CreditCommandEnvelope, { type: 'SetCreditGroup' }>['payload'], value: CustomerCredit, cause: Cause, ctx: Ctx): { code: string; message: string } | void {
    const state = value.state as CustomerState;
    const target = c.creditGroupId;
    if (target !== null && (target.trim() === '' || target === PARTITION_KEY)) return { code: 'INVALID_GROUP', message: `credit group id ${JSON.stringify(target)} is not valid: a non-empty id other than "*"` };
    const previous = value.creditGroup?.creditGroupId ?? null;
    if (previous === target) return { code: 'ALREADY_IN_GROUP', message: target === null ? `customer ${state.customerId} is in no credit group` : `customer ${state.customerId} is a member of credit group ${target} already` };
    if (previous !== null) this.sendExposure(value, previous, false, cause, ctx);
    value.creditGroup = target === null ? null : { creditGroupId: target, since: cause.eventTime, position: null };
    value.groupSent = null;
    if (target !== null) this.sendExposure(value, target, true, cause, ctx);
    this.emit(ctx, state.customerId, cause, `${c.commandId}:credit-group`, { type: 'CreditGroupMembershipChanged', payload: { commandId: c.commandId, actor: c.actor, creditGroupId: target, previousCreditGroupId: previous, reason: c.reason } });
    // Leaving a group can clear a group-limit hold.
    this.reevaluate(value, cause, ctx);
  }

  private excluded(value: CustomerCredit): ReadonlySet<string> {
    return value.orders.some((o) => o.status === 'REJECTED') ? new Set(value.orders.filter((o) => o.status === 'REJECTED').map((o) => o.orderId)) : NONE;
  }

  /** Sends the customer's own exposure to its credit group's task when it changed since the last one sent. */
  private syncGroup(value: CustomerCredit, cause: Cause, ctx: Ctx): void {
    const membership = value.creditGroup ?? null;
    if (membership === null || value.state === null || value.state.registration === null) return;
    const e = memberExposure(value.state, this.excluded(value));
    const last = value.groupSent ?? null;
    if (last !== null && last.creditGroupId === membership.creditGroupId && last.currency === e.currency && last.balanceMinor === e.balanceMinor && last.openOrdersMinor === e.openOrdersMinor) return;
    this.sendExposure(value, membership.creditGroupId, true, cause, ctx);
  }

  /**
   * A CreditGroupMemberExposure to the group's task (keyed by the group: the repartition), with a per-customer
   * sequence so that the group task applies each once and never an older one after a newer one.
   */
  private sendExposure(value: CustomerCredit, creditGroupId: string, member: boolean, cause: Cause, ctx: Ctx): void {
    const state = value.state as CustomerState;
    const e = memberExposure(state, this.excluded(value));
    const currency = e.currency as string;
    const sequence = (value.groupSequence ?? 0) + 1;
    value.groupSequence = sequence;
    const event: CreditGroupMemberExposureEvent = {
      eventId: `${state.customerId}:group-exposure:${sequence}`,
      eventTime: cause.eventTime,
      customerId: creditGroupId,
      causationId: cause.eventId,
      type: 'CreditGroupMemberExposure',
      payload: { memberId: state.customerId, member, sequence, currency, balanceMinor: e.balanceMinor, openOrdersMinor: e.openOrdersMinor, originEventId: cause.eventId, originType: cause.type },
    };
    ctx.forward(this.options.topics.groupExposure, creditGroupId, event);
    if (member) value.groupSent = { creditGroupId, currency, balanceMinor: e.balanceMinor, openOrdersMinor: e.openOrdersMinor };
    ctx.store.put(state.customerId, value);
  }

  /**
   * The group's position (its limit, the other members' exposure) from the group task: applied when it is for the
   * customer's current group and newer than the last one; the customer's holds are re-evaluated, so that a payment
   * of another member (or a raised group limit) releases the orders the group limit held, naming that event.
   */
  private groupPosition(event: CreditGroupPositionEvent, ctx: Ctx): Rejection | void {
    const p = event.payload;
    if (typeof p?.creditGroupId !== 'string' || p.creditGroupId === '' || !Number.isSafeInteger(p.sequence) || !Number.isSafeInteger(p.othersBalanceMinor) || !Number.isSafeInteger(p.othersOpenOrdersMinor)) {
      return { code: 'INVALID_EVENT', message: `a credit group position needs a creditGroupId, a sequence and integer sums, got ${JSON.stringify({ creditGroupId: p?.creditGroupId, sequence: p?.sequence, othersBalanceMinor: p?.othersBalanceMinor, othersOpenOrdersMinor: p?.othersOpenOrdersMinor })}` };
    }
    const known = ctx.store.get(event.customerId);
    if (known?.kind !== 'customer') return;
    const membership = known.creditGroup ?? null;
    // A position of a group the customer left (or not yet joined in this stream), or an old one: nothing to apply.
    if (membership === null || membership.creditGroupId !== p.creditGroupId) return;
    if (membership.position !== null && membership.position.sequence >= p.sequence) return;
    if (known.state !== null) this.catchUp(known.state, ctx);
    membership.position = { sequence: p.sequence, currency: p.currency, permanentLimit: p.permanentLimit, temporaryLimit: p.temporaryLimit, members: p.members, othersBalanceMinor: p.othersBalanceMinor, othersOpenOrdersMinor: p.othersOpenOrdersMinor, asOf: event.eventTime, originEventId: p.originEventId };
    ctx.store.put(event.customerId, known);
    const by = p.originCustomerId === null ? `(credit group ${p.creditGroupId})` : `of member ${p.originCustomerId} of credit group ${p.creditGroupId}`;
    this.reevaluate(known, { eventId: p.originEventId, eventTime: event.eventTime, type: p.originType, detail: by }, ctx);
  }
}
