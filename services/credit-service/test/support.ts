import { createMetrics } from '@creditstream/metrics';
import type { Document } from 'mongodb';
import { KeyValueStore, PartitionClock, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import type { CreditDecisionEnvelope, CreditDecisionEvent } from '@creditstream/schemas';
import { compileRuleSet, CreditProcessor, createCreditMetrics, DEFAULT_RULE_SET_DOCUMENT, type CreditInput, type CreditValue, type FraudWait, type RuleSetDocument } from '../src';

export const TOPICS = {
  customers: 'customers',
  invoices: 'invoices',
  payments: 'payments',
  orders: 'orders',
  clock: 'clock',
  fraudChecks: 'fraud',
  outlooks: 'outlook',
  commands: 'commands',
  rules: 'rules',
  decisions: 'decisions',
  groupExposure: 'group-exposure',
  groupPositions: 'group-positions',
};

export interface Forwarded {
  topic: string;
  key: string;
  event: CreditDecisionEnvelope | { type: string; eventId: string; payload: Record<string, unknown> };
}

/** An in-memory task context: the store, the clock, and what was forwarded. */
export function fakeContext(partition = 0) {
  const forwarded: Forwarded[] = [];
  const logged: { collection: string; document: Document }[] = [];
  const ctx: ProcessorContext<CreditValue> = {
    partition,
    store: new KeyValueStore<CreditValue>(),
    clock: new PartitionClock(),
    forward: (topic, key, event) => void forwarded.push({ topic, key, event: event as Forwarded['event'] }),
    log: (collection, document) => void logged.push({ collection, document }),
    defer: (work) => {
      while (work(ctx));
    },
  };
  return { ctx, forwarded, logged };
}

export function processor(options: { rules?: RuleSetDocument; fraud?: Partial<FraudWait>; approvalThresholdMinor?: number } = {}): CreditProcessor {
  return new CreditProcessor({
    partition: 0,
    topics: TOPICS,
    initialRuleSet: compileRuleSet(options.rules ?? DEFAULT_RULE_SET_DOCUMENT),
    fraud: { mode: 'wait', marginMs: 60_000, maxDays: 3, ...options.fraud },
    approvalThresholdMinor: options.approvalThresholdMinor ?? 1_000_000,
    metrics: createCreditMetrics(createMetrics({ service: 'test' }).registry, () => ({ rule: 0, forced: 0, fraud_review: 0 })),
  });
}

/** Builds the records of one partition, with offsets per topic and business times. */
export class Records {
  private readonly offsets: Record<string, number> = {};
  private n = 0;

  record(topic: string, type: string, time: string, payload: object, customerId = 'c1', eventId?: string): TaskRecord<CreditInput> {
    const offset = this.offsets[topic] ?? 0;
    this.offsets[topic] = offset + 1;
    const event = { eventId: eventId ?? `${topic}-${offset}-${++this.n}`, eventTime: time, customerId, causationId: null, type, payload } as unknown as CreditInput;
    return { topic, partition: 0, offset, key: customerId, time: Date.parse(time), event, message: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: String(Date.now()), event }, failure: null };
  }

  /** The same record again (a redelivery: same offset). */
  again(r: TaskRecord<CreditInput>): TaskRecord<CreditInput> {
    return { ...r };
  }

  registered(customerId = 'c1', time = '2024-01-02T08:00:00.000Z', groupId: string | null = null) {
    return this.record(TOPICS.customers, 'CustomerRegistered', time, { name: 'Acme', country: 'DE', segment: 'smb', currency: 'EUR', groupId, paperless: true, openedOn: '2020-01-01' }, customerId);
  }

  limit(amountMinor: number, options: { customerId?: string; time?: string; limitType?: 'BALANCE' | 'BALANCE_AND_OPEN_ORDERS'; unlimited?: boolean; expiresOn?: string | null; temporary?: boolean } = {}) {
    return this.record(TOPICS.customers, 'CreditLimitSet', options.time ?? '2024-01-02T08:00:01.000Z', { limitType: options.limitType ?? 'BALANCE', amountMinor, currency: 'EUR', unlimited: options.unlimited ?? false, expiresOn: options.expiresOn ?? null, temporary: options.temporary ?? false, reason: null }, options.customerId ?? 'c1');
  }

  status(status: 'ACTIVE' | 'BLOCKED' | 'CLOSED', time = '2024-01-03T08:00:00.000Z', customerId = 'c1') {
    return this.record(TOPICS.customers, 'AccountStatusChanged', time, { status, previousStatus: null, reason: 'test', changedBy: 'test' }, customerId);
  }

  invoice(invoiceId: string, amountMinor: number, date: string, due: string, customerId = 'c1') {
    return this.record(TOPICS.invoices, 'InvoiceIssued', `${date}T09:00:00.000Z`, { invoiceId, orderId: null, amountMinor, currency: 'EUR', invoiceDate: date, dueDate: due, termsCode: 'NET30', netDays: 30 }, customerId);
  }

  payment(paymentId: string, invoiceId: string, amountMinor: number, date: string, customerId = 'c1') {
    return this.record(TOPICS.payments, 'PaymentReceived', `${date}T14:00:00.000Z`, { paymentId, amountMinor, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: date, applications: [{ invoiceId, amountMinor }], unappliedMinor: 0 }, customerId);
  }

  order(orderId: string, amountMinor: number, time: string, customerId = 'c1', currency = 'EUR') {
    return this.record(TOPICS.orders, 'OrderPlaced', time, { orderId, amountMinor, currency, lineCount: 1, orderDate: time.slice(0, 10), requestedShipDate: null }, customerId, `order-event-${orderId}`);
  }

  fraud(orderId: string, outcome: 'CLEAR' | 'REVIEW', time: string, customerId = 'c1') {
    return this.record(TOPICS.fraudChecks, 'FraudCheck', time, { orderId, outcome, score: outcome === 'REVIEW' ? 0.9 : 0.1, reasons: outcome === 'REVIEW' ? [{ code: 'velocity', message: 'many orders', value: 5, threshold: 3 }] : [] }, customerId, `fraud-${orderId}`);
  }

  tick(date: string) {
    return { ...this.record(TOPICS.clock, 'BusinessDayTick', `${date}T00:00:00.000Z`, { businessDate: date, previousBusinessDate: null, partition: 0 }, '*'), key: null };
  }

  command(type: string, payload: object, time = '2024-01-10T10:00:00.000Z', customerId = 'c1') {
    return this.record(TOPICS.commands, type, time, payload, customerId);
  }
}

/** The credit decisions forwarded. */
export function decisions(forwarded: Forwarded[]): CreditDecisionEvent[] {
  return outputs<CreditDecisionEvent['payload']>(forwarded, 'CreditDecision') as CreditDecisionEvent[];
}

/** The events of one type forwarded to the decisions topic (payload typed by the caller). */
export function outputs<P = Record<string, unknown>>(forwarded: Forwarded[], type: string): { eventId: string; causationId: string | null; payload: P }[] {
  return forwarded.filter((f) => f.topic === TOPICS.decisions && f.event.type === type).map((f) => f.event as unknown as { eventId: string; causationId: string | null; payload: P });
}
