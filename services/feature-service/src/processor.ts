import {
  applyEvent,
  applyTick,
  appliedOffset,
  customerFeatures,
  diffFeatures,
  FEATURE_SET_VERSION,
  findInvoice,
  invoiceFeatures,
  sourceKey,
  type CustomerState,
  type InputEvent,
  type InvoiceState,
  type PaymentRecord,
} from '@creditstream/features';
import type { BatchOutcome, EventProducer, InboundMessage } from '@creditstream/kafka';
import { PoisonMessageError } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';
import { type BusinessDayTickEvent, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { childId, versionOf, type FeatureLogEntry, type PartitionClockDocument, type PendingChildren } from './documents';
import { Lru } from './lru';
import { PartitionLocks } from '@creditstream/kafka';
import type { BatchWrite, LoadedCustomer, StateStore } from './state-store';
import type { FeatureMetrics } from './metrics';

export interface ProcessorOptions {
  store: StateStore;
  producer: EventProducer;
  /** Output topic of `customer features changed`. */
  outputTopic: string;
  /** The clock topic (ticks are told apart by topic). */
  clockTopic: string;
  cacheCustomers: number;
  logger: Logger;
  metrics: FeatureMetrics;
}

/** What folding one customer's events of a batch produced. */
interface Touched {
  customer: LoadedCustomer;
  before: Record<string, number>;
  changed: boolean;
  changedInvoiceIds: Set<string>;
  changedPaymentIds: Set<string>;
  featureLog: FeatureLogEntry[];
  last: InboundMessage<InputEvent>;
}

/**
 * The feature service's batch logic: folds a batch of one topic-partition into the customers it touches, writes
 * the new state (invoices, payments and the feature log first, then each customer with its outbox), then produces
 * the `customer features changed` events and returns the rejected messages for the dead-letter topic.
 *
 * Clock ticks are lazy: a tick only records the partition's latest business date; each customer catches up with
 * it the next time it is loaded or touched. Days overdue and aging are derived from that date, never stored.
 */
export class FeatureProcessor {
  private readonly cache: Lru<string, LoadedCustomer>;
  private readonly locks = new PartitionLocks();
  private readonly clocks = new Map<number, PartitionClockDocument>();
  private readonly flushed = new Set<number>();
  private clocksLoaded = false;

  constructor(private readonly options: ProcessorOptions) {
    this.cache = new Lru(options.cacheCustomers);
  }

  /** Forget everything partition-bound: after a rebalance another instance may have written these customers. */
  reset(): void {
    this.cache.clear();
    this.flushed.clear();
    this.clocksLoaded = false;
  }

  /** Handles one batch of one topic-partition. */
  async handle(messages: InboundMessage<InputEvent>[]): Promise<BatchOutcome<InputEvent>> {
    const first = messages[0];
    if (!first) return {};
    return this.locks.run(first.partition, async () => {
      if (!this.clocksLoaded) {
        const clocks = await this.options.store.loadClocks();
        this.clocks.clear();
        for (const [p, c] of clocks) this.clocks.set(p, c);
        this.clocksLoaded = true;
      }
      if (!this.flushed.has(first.partition)) await this.flushOutbox(first.partition);
      if (first.topic === this.options.clockTopic) return this.handleTicks(messages as InboundMessage<BusinessDayTickEvent>[]);
      try {
        return await this.handleEvents(messages);
      } catch (err) {
        // The cached states were mutated by a batch that was not written: drop them, the retry reloads.
        for (const m of messages) this.cache.delete(m.event?.customerId);
        throw err;
      }
    });
  }

  private async flushOutbox(partition: number): Promise<void> {
    const events = await this.options.store.outboxOf(partition);
    if (events.length > 0) {
      await this.options.producer.send(this.options.outputTopic, events.map((event) => ({ key: event.customerId, event })));
      this.options.logger.info({ partition, events: events.length }, 'outbox produced again after (re)assignment');
    }
    this.flushed.add(partition);
  }

  private async handleTicks(messages: InboundMessage<BusinessDayTickEvent>[]): Promise<BatchOutcome<InputEvent>> {
    const rejected: NonNullable<BatchOutcome<InputEvent>['rejected']> = [];
    let latest: PartitionClockDocument | null = null;
    for (const m of messages) {
      const source = { topic: m.topic, partition: m.partition, offset: m.offset };
      const check = applyTick(null, m.event, source);
      if (check.rejection) {
        rejected.push({ message: m as InboundMessage<InputEvent>, error: new PoisonMessageError(check.rejection.code, check.rejection.message) });
        continue;
      }
      latest = { _id: m.partition, offset: m.offset, businessDate: m.event.payload.businessDate, tick: m.event };
    }
    if (latest) {
      const known = this.clocks.get(latest._id);
      if (!known || known.offset < latest.offset) {
        await this.options.store.saveClock(latest);
        this.clocks.set(latest._id, latest);
        this.options.metrics.businessDate.set({ partition: String(latest._id) }, Date.parse(`${latest.businessDate}T00:00:00Z`) / 1000);
      }
    }
    return { rejected };
  }

  /** Brings a customer up to its partition's latest tick (ticks are applied lazily). */
  private catchUp(customer: LoadedCustomer): void {
    const clock = this.clocks.get(customer.partition);
    if (!clock) return;
    const source = { topic: this.options.clockTopic, partition: clock._id, offset: clock.offset };
    if (appliedOffset(customer.state, sourceKey(source)) >= clock.offset) return;
    applyTick(customer.state, clock.tick as BusinessDayTickEvent, source);
  }

  private async handleEvents(messages: InboundMessage<InputEvent>[]): Promise<BatchOutcome<InputEvent>> {
    const { store, metrics } = this.options;
    const partition = (messages[0] as InboundMessage<InputEvent>).partition;
    const ids = [...new Set(messages.map((m) => m.event.customerId))];
    const missing = ids.filter((id) => this.cache.get(id) === undefined);
    const loaded = await store.load(missing);
    metrics.cacheMisses.inc(missing.length);
    metrics.cacheHits.inc(ids.length - missing.length);

    const touched = new Map<string, Touched>();
    const rejected: NonNullable<BatchOutcome<InputEvent>['rejected']> = [];

    for (const m of messages) {
      const customerId = m.event.customerId;
      let t = touched.get(customerId);
      if (!t) {
        const customer = this.cache.get(customerId) ?? loaded.get(customerId) ?? null;
        if (customer) this.catchUp(customer);
        t = { customer: customer as LoadedCustomer, before: customer?.features ?? {}, changed: false, changedInvoiceIds: new Set(), changedPaymentIds: new Set(), featureLog: [], last: m };
        touched.set(customerId, t);
      }
      const source = { topic: m.topic, partition: m.partition, offset: m.offset };
      const result = applyEvent(t.customer?.state ?? null, m.event, source);
      if (result.rejection) {
        rejected.push({ message: m, error: new PoisonMessageError(result.rejection.code, result.rejection.message) });
        continue;
      }
      if (!result.changed) {
        metrics.redeliveries.inc();
        continue;
      }
      for (const a of result.anomalies ?? []) metrics.anomalies.inc({ code: a.code });
      if (!t.customer) {
        t.customer = { state: result.state as CustomerState, partition, version: 0, features: {} };
        this.catchUp(t.customer);
      }
      t.changed = true;
      t.last = m;
      for (const id of result.changedInvoiceIds) t.changedInvoiceIds.add(id);
      if (m.event.type === 'PaymentReceived' || m.event.type === 'PaymentReturned') t.changedPaymentIds.add(m.event.payload.paymentId);
      if (m.event.type === 'InvoiceIssued' && result.changedInvoiceIds.length > 0) {
        const entry = this.issuedVector(t.customer, m.event.payload.invoiceId);
        if (entry) t.featureLog.push(entry);
      }
    }

    const write: BatchWrite = { customers: [] };
    const outputs: CustomerFeaturesChangedEvent[] = [];
    let invoicesWritten = 0;
    for (const t of touched.values()) {
      if (!t.changed) continue;
      const c = t.customer;
      c.version = versionOf(c.state);
      const after = customerFeatures(c.state);
      const changedFeatures = diffFeatures(t.before, after);
      c.features = after;
      const outbox: CustomerFeaturesChangedEvent[] = [];
      const event = this.featuresChanged(c, t, changedFeatures);
      if (event) {
        outbox.push(event);
        outputs.push(event);
      }
      const pending: PendingChildren = { invoices: [], payments: [], featureLog: t.featureLog };
      for (const id of t.changedInvoiceIds) {
        const invoice = findInvoice(c.state, id);
        if (invoice) pending.invoices.push(invoice);
      }
      for (const id of t.changedPaymentIds) {
        const payment = c.state.payments.find((p: PaymentRecord) => p.paymentId === id);
        if (payment) pending.payments.push(payment);
      }
      invoicesWritten += pending.invoices.length;
      write.customers.push({ customer: c, outbox, pending });
    }

    await store.write(write);
    for (const t of touched.values()) if (t.customer) this.cache.set(t.customer.state.customerId, t.customer);
    if (outputs.length > 0) {
      await this.options.producer.send(this.options.outputTopic, outputs.map((event) => ({ key: event.customerId, event })));
      metrics.featuresChanged.inc(outputs.length);
    }
    metrics.invoicesWritten.inc(invoicesWritten);
    return { rejected };
  }

  /** The feature vector of a just-issued invoice, as of the customer's business date, for the feature log. */
  private issuedVector(customer: LoadedCustomer, invoiceId: string): FeatureLogEntry | null {
    const invoice = findInvoice(customer.state, invoiceId);
    if (!invoice) return null;
    const values = Array.from(invoiceFeatures(customer.state, invoice));
    return {
      id: childId(customer.state.customerId, `${invoiceId}:issued`),
      customerId: customer.state.customerId,
      invoiceId,
      kind: 'issued',
      asOf: customer.state.asOf,
      invoiceDate: invoice.invoiceDate,
      dueDate: invoice.dueDate,
      featureSetVersion: FEATURE_SET_VERSION,
      customerVersion: versionOf(customer.state),
      values,
    };
  }

  /**
   * The `customer features changed` event of a customer after a batch, or null when nothing a consumer cares
   * about changed (only offsets moved, e.g. an identical duplicate). Re-scoring: every open invoice when a
   * customer feature changed, otherwise the open ones among the invoices that changed.
   */
  private featuresChanged(c: LoadedCustomer, t: Touched, changedFeatures: string[]): CustomerFeaturesChangedEvent | null {
    if (changedFeatures.length === 0 && t.changedInvoiceIds.size === 0) return null;
    const open = c.state.invoices.filter((i: InvoiceState) => i.status === 'OPEN').map((i: InvoiceState) => i.invoiceId);
    const openInvoiceIds = changedFeatures.length > 0 ? open : open.filter((id: string) => t.changedInvoiceIds.has(id));
    return {
      eventId: `${c.state.customerId}:features:${c.version}`,
      eventTime: t.last.event.eventTime,
      customerId: c.state.customerId,
      causationId: t.last.event.eventId,
      type: 'CustomerFeaturesChanged',
      payload: {
        version: c.version,
        featureSetVersion: FEATURE_SET_VERSION,
        businessDate: c.state.asOf,
        changedFeatures,
        features: c.features,
        openInvoiceIds,
      },
    };
  }
}
