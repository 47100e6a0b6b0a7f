import { applyTick } from '@creditstream/features';
import type { BusinessDayTickEvent, CustomerEnvelope, FraudRuleSetPublishedEvent, InvoiceEnvelope, OrderEnvelope, OrderPlacedEvent, PaymentEnvelope } from '@creditstream/schemas';
import type { Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import { checkOrder, fraudCheckEvent, noteCheck } from './check/check';
import { applyCustomerEvent, applyInvoiceEvent, applyOrderPlaced, applyPaymentEvent, newHistory, recentOrderIndex, type CustomerHistory } from './check/history';
import { checkCustomerEvent, checkEnvelope, checkInvoiceEvent, checkOrderPlaced, checkPaymentEvent } from './check/validate';
import { RULE_BOOK_KEY, type CustomerFraudView, type FraudValue, type RuleBook, type RuleBookView } from './documents';
import { FraudRulesConflictError, FraudRulesInvalidError } from './errors';
import type { FraudMetrics } from './metrics';
import { sha256, validateRuleSet } from './rules/parse';
import { addRuleSet, ruleSetAt } from './rules/rule-book';
import type { PublishedRuleSet } from './rules/rule-set';

/** Every event the fraud service reads. */
export type FraudInputEvent = CustomerEnvelope | InvoiceEnvelope | PaymentEnvelope | OrderEnvelope | FraudRuleSetPublishedEvent | { type: 'BusinessDayTick'; eventId: string; eventTime: string; customerId: string };

/** The (prefixed) topic names a processor tells its records apart by. */
export interface FraudTopics {
  rules: string;
  customers: string;
  invoices: string;
  payments: string;
  orders: string;
  clock: string;
  checks: string;
}

export interface FraudProcessorOptions {
  partition: number;
  topics: FraudTopics;
  /** What checks orders before any published rule set is in force. */
  initial: PublishedRuleSet;
  metrics?: FraudMetrics;
}

/**
 * The fraud service's per-record logic, on one partition task. Customer, invoice and payment events fold into the
 * customer's compact history (account, limit, open balance, returned payments); each OrderPlaced is checked against
 * the history before it with the rule set in force at its business time and produces exactly one FraudCheck
 * (deterministic id `<customer>:fraud-check:<order>`), then joins the history. Rule sets come in the task's stream
 * from the rules topic and are kept in the store. Deterministic: the same records in the same order give the same
 * checks, so a replay repeats them.
 */
export class FraudProcessor implements Processor<FraudInputEvent, FraudValue> {
  constructor(private readonly options: FraudProcessorOptions) {}

  process(record: TaskRecord<FraudInputEvent>, ctx: ProcessorContext<FraudValue>): Rejection | void {
    const { topics } = this.options;
    // The checks read no business day, but a malformed tick is refused here as by every service that reads the clock.
    if (record.topic === topics.clock) return tickRejection(record);
    if (record.topic === topics.rules) return this.ruleSet(record as TaskRecord<FraudRuleSetPublishedEvent>, ctx);
    const e = record.event;
    const bad = checkEnvelope(e, record.key, record.time);
    if (bad) return bad;
    if (record.topic === topics.orders) {
      if (e.type === 'OrderPlaced') return this.order(e, record.time, ctx);
      return;
    }
    const rejection = record.topic === topics.customers ? checkCustomerEvent(e as CustomerEnvelope) : record.topic === topics.invoices ? checkInvoiceEvent(e as InvoiceEnvelope) : record.topic === topics.payments ? checkPaymentEvent(e as PaymentEnvelope) : null;
    if (rejection) return rejection;
    const h = this.history(e.customerId, record.time, ctx);
    if (record.topic === topics.customers) applyCustomerEvent(h, e as CustomerEnvelope);
    else if (record.topic === topics.invoices) applyInvoiceEvent(h, e as InvoiceEnvelope);
    else if (record.topic === topics.payments) applyPaymentEvent(h, e as PaymentEnvelope, record.time);
    ctx.store.put(e.customerId, h);
  }

  view(key: string, value: FraudValue): CustomerFraudView | RuleBookView {
    const partition = this.options.partition;
    if (value.kind === 'rules') return { kind: 'rules', customerId: '*', partition, ruleSets: value.published.map((r) => ({ version: r.version, effectiveAt: new Date(r.effectiveAt).toISOString(), sha256: r.sha256 })) };
    const c = value.lastCheck;
    return {
      kind: 'customer',
      customerId: key,
      partition,
      status: value.status,
      orders: value.orders,
      lastOrderAt: value.lastOrderAt === null ? null : new Date(value.lastOrderAt).toISOString(),
      checks: value.checks,
      reviews: value.reviews,
      lastCheck: c === null ? null : { ...c, at: new Date(c.at).toISOString() },
    };
  }

  /** After a restore: the rule sets the task kept are known again (metrics). */
  restored(ctx: ProcessorContext<FraudValue>): void {
    const book = ctx.store.get(RULE_BOOK_KEY);
    if (book?.kind === 'rules') for (const r of book.published) this.options.metrics?.ruleSets.set({ version: r.version }, r.effectiveAt / 1000);
  }

  /** The rule set that checks an order of this task placed at `time`. */
  ruleSetAt(time: number, ctx: ProcessorContext<FraudValue>): PublishedRuleSet {
    const book = ctx.store.get(RULE_BOOK_KEY) as RuleBook | undefined;
    return ruleSetAt(book?.published ?? [], this.options.initial, time);
  }

  private history(customerId: string, time: number, ctx: ProcessorContext<FraudValue>): CustomerHistory {
    const known = ctx.store.get(customerId);
    return known !== undefined && known.kind === 'customer' ? known : newHistory(time);
  }

  private order(e: OrderPlacedEvent, time: number, ctx: ProcessorContext<FraudValue>): Rejection | void {
    const bad = checkOrderPlaced(e);
    if (bad) return bad;
    const { orderId, amountMinor, currency } = e.payload;
    const h = this.history(e.customerId, time, ctx);
    const seen = recentOrderIndex(h, orderId);
    if (seen >= 0) {
      if (h.recent.a[seen] !== amountMinor) return { code: 'DUPLICATE_CONFLICT', message: `order ${orderId} was already placed for ${h.recent.a[seen]} (now ${amountMinor}): it was checked then` };
      this.options.metrics?.duplicateOrders.inc();
      return;
    }
    const { check } = checkOrder(h, { orderId, amountMinor, currency, time }, this.ruleSetAt(time, ctx));
    ctx.forward(this.options.topics.checks, e.customerId, fraudCheckEvent(e, check));
    applyOrderPlaced(h, orderId, amountMinor, time);
    noteCheck(h, check, time);
    ctx.store.put(e.customerId, h);
    const m = this.options.metrics;
    if (m) {
      m.checks.inc({ outcome: check.outcome.toLowerCase() });
      m.score.observe(check.score);
      for (const r of check.reasons) m.signals.inc({ signal: r.code });
    }
  }

  private ruleSet(record: TaskRecord<FraudRuleSetPublishedEvent>, ctx: ProcessorContext<FraudValue>): Rejection | void {
    const p = record.event.payload;
    if (!Number.isFinite(record.time)) return { code: 'INVALID_DATE', message: `eventTime must be a timestamp, got ${JSON.stringify(record.event.eventTime)}` };
    if (sha256(p.document) !== p.sha256) return { code: 'INVALID_EVENT', message: `fraud rule set ${p.version}: sha256 ${p.sha256} is not the digest of its document` };
    let entry: PublishedRuleSet;
    try {
      const rules = validateRuleSet(JSON.parse(p.document));
      if (rules.version !== p.version) return { code: 'INVALID_EVENT', message: `fraud rule set published as ${p.version} but its document says version ${rules.version}` };
      entry = { version: p.version, effectiveAt: record.time, sha256: p.sha256, rules };
    } catch (err) {
      if (err instanceof FraudRulesInvalidError) return { code: err.code, message: err.message };
      if (err instanceof SyntaxError) return { code: 'FRAUD_RULES_INVALID', message: `fraud rule set ${p.version}: the document is not JSON (${err.message})` };
      throw err;
    }
    const known = ctx.store.get(RULE_BOOK_KEY);
    const book: RuleBook = known !== undefined && known.kind === 'rules' ? known : { kind: 'rules', published: [] };
    try {
      if (!addRuleSet(book.published, entry)) return;
    } catch (err) {
      if (err instanceof FraudRulesConflictError) return { code: err.code, message: err.message };
      throw err;
    }
    ctx.store.put(RULE_BOOK_KEY, book);
    this.options.metrics?.ruleSets.set({ version: entry.version }, entry.effectiveAt / 1000);
  }
}

/** The feature fold's verdict on a tick (type, customer "*", dates, the partition it names), as a rejection. */
function tickRejection(record: TaskRecord<FraudInputEvent>): Rejection | void {
  const check = applyTick(null, record.event as unknown as BusinessDayTickEvent, { topic: record.topic, partition: record.partition, offset: record.offset });
  if (check.rejection) return { code: check.rejection.code, message: check.rejection.message };
}
