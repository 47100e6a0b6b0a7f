import type { FraudCheckEvent, FraudRuleSetPublishedEvent } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, type ProcessorContext, type Rejection, type TaskRecord } from '@creditstream/streams';
import { BUILTIN_RULES, canonicalJson, FraudProcessor, initialRuleSet, sha256, type FraudInputEvent, type FraudRuleSet, type FraudTopics, type FraudValue } from '../src';

export const TOPICS: FraudTopics = { rules: 'rules', customers: 'customers', invoices: 'invoices', payments: 'payments', orders: 'orders', clock: 'clock', checks: 'checks' };

export const DAY = 86_400_000;
export const T0 = Date.parse('2024-03-01T09:00:00.000Z');

/** An ISO business time `days` (fractional) after T0. */
export function at(days: number): string {
  return new Date(T0 + days * DAY).toISOString();
}

/** A processor on an in-memory task context, fed records one at a time as the task would. */
export class Harness {
  readonly store = new KeyValueStore<FraudValue>();
  readonly checks: FraudCheckEvent[] = [];
  readonly rejections: { offset: number; rejection: Rejection }[] = [];
  readonly processor: FraudProcessor;
  private offset = 0;
  private readonly ctx: ProcessorContext<FraudValue>;

  constructor(initial: FraudRuleSet = BUILTIN_RULES) {
    this.processor = new FraudProcessor({ partition: 0, topics: TOPICS, initial: initialRuleSet(initial) });
    this.ctx = {
      partition: 0,
      store: this.store,
      clock: new PartitionClock(),
      forward: (_topic, _key, event) => void this.checks.push(event as FraudCheckEvent),
      log: () => undefined,
      defer: (work) => {
        while (work(this.ctx));
      },
    };
  }

  /** Processes one event of `topic`; returns the check it produced, if any. */
  feed(topic: keyof FraudTopics, event: FraudInputEvent | Record<string, unknown>, key?: string | null): FraudCheckEvent | Rejection | undefined {
    const e = event as FraudInputEvent;
    const offset = this.offset++;
    const time = Date.parse(e.eventTime);
    const record: TaskRecord<FraudInputEvent> = { topic: TOPICS[topic], partition: 0, offset, key: key === undefined ? e.customerId : key, time, event: e, message: { topic: TOPICS[topic], partition: 0, offset, key: null, value: null, headers: {}, timestamp: '0', event: e }, failure: null };
    const before = this.checks.length;
    const rejection = this.processor.process(record, this.ctx);
    if (rejection) {
      this.rejections.push({ offset, rejection });
      return rejection;
    }
    return this.checks.length > before ? this.checks[this.checks.length - 1] : undefined;
  }

  /** Loads a customer's store value through the checkpoint serde (what a restore does). */
  get ctxForTests(): ProcessorContext<FraudValue> {
    return this.ctx;
  }
}

let n = 0;
const id = () => `e${++n}`;

export function registered(customerId: string, days: number, o: { openedOn?: string; currency?: string } = {}) {
  return { eventId: id(), eventTime: at(days), customerId, causationId: null, type: 'CustomerRegistered', payload: { name: 'Acme', country: 'DE', segment: 'mid-market', currency: o.currency ?? 'EUR', groupId: null, paperless: true, openedOn: o.openedOn ?? at(days).slice(0, 10) } };
}

export function limit(customerId: string, days: number, amountMinor: number, o: { unlimited?: boolean; temporary?: boolean; expiresOn?: string | null } = {}) {
  return { eventId: id(), eventTime: at(days), customerId, causationId: null, type: 'CreditLimitSet', payload: { limitType: 'BALANCE', amountMinor, currency: 'EUR', unlimited: o.unlimited ?? false, expiresOn: o.expiresOn ?? null, temporary: o.temporary ?? false, reason: null } };
}

export function status(customerId: string, days: number, s: 'ACTIVE' | 'BLOCKED' | 'CLOSED') {
  return { eventId: id(), eventTime: at(days), customerId, causationId: null, type: 'AccountStatusChanged', payload: { status: s, previousStatus: null, reason: 'test', changedBy: 'test' } };
}

export function order(customerId: string, days: number, orderId: string, amountMinor: number, o: { eventId?: string; currency?: string } = {}) {
  return { eventId: o.eventId ?? id(), eventTime: at(days), customerId, causationId: null, type: 'OrderPlaced', payload: { orderId, amountMinor, currency: o.currency ?? 'EUR', lineCount: 1, orderDate: at(days).slice(0, 10), requestedShipDate: null } };
}

export function invoice(customerId: string, days: number, invoiceId: string, amountMinor: number) {
  return { eventId: id(), eventTime: at(days), customerId, causationId: null, type: 'InvoiceIssued', payload: { invoiceId, orderId: null, amountMinor, currency: 'EUR', invoiceDate: at(days).slice(0, 10), dueDate: at(days + 30).slice(0, 10), termsCode: 'NET30', netDays: 30 } };
}

export function returned(customerId: string, days: number, paymentId: string) {
  return { eventId: id(), eventTime: at(days), customerId, causationId: null, type: 'PaymentReturned', payload: { paymentId, amountMinor: 1000, currency: 'EUR', reason: 'NSF', returnedOn: at(days).slice(0, 10), reversedApplications: [], feeMinor: 2500 } };
}

/** A rule-set publication (one partition's copy) effective at `days`. */
export function published(rules: FraudRuleSet, days: number, o: { sha?: string } = {}): FraudRuleSetPublishedEvent {
  const document = canonicalJson(rules);
  return { eventId: `fraud-rules:${rules.version}:0`, eventTime: at(days), customerId: '*', causationId: null, type: 'FraudRuleSetPublished', payload: { version: rules.version, document, sha256: o.sha ?? sha256(document), publishedBy: 'test', partition: 0 } };
}

/** A copy of the built-in rules with changes. */
export function rulesWith(version: string, change: (r: FraudRuleSet) => void): FraudRuleSet {
  const r = structuredClone(BUILTIN_RULES);
  r.version = version;
  change(r);
  return r;
}

/** A customer with a steady history: registered long ago, a limit, an order of ~1,000.00 every 5 days for 200 days. */
export function steadyCustomer(h: Harness, customerId: string, o: { days?: number; every?: number; amount?: number; limitMinor?: number } = {}): number {
  const days = o.days ?? 200;
  const every = o.every ?? 5;
  h.feed('customers', registered(customerId, 0, { openedOn: '2019-01-01' }));
  h.feed('customers', limit(customerId, 0, o.limitMinor ?? 2_000_000));
  let k = 0;
  for (let d = 1; d < days; d += every) h.feed('orders', order(customerId, d, `${customerId}-SO-${++k}`, (o.amount ?? 100_000) + ((k * 7919) % 30_000) - 15_000));
  return k;
}
