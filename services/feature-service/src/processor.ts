import {
  applyEvent,
  applyTick,
  appliedOffset,
  CUSTOMER_FEATURE_NAMES,
  FEATURE_SET_VERSION,
  findInvoice,
  invoiceFeatures,
  predictionInputs,
  sourceKey,
  type CustomerState,
  type InputEvent,
} from '@creditstream/features';
import type { BusinessDayTickEvent, CustomerFeaturesChangedEvent, OpenInvoiceFeatures } from '@creditstream/schemas';
import type { ClockReading, Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import { childId, COLLECTIONS, featuresEventId, storedFeatureLogEntry, versionOf, type CustomerValue, type CustomerView, type FeatureLogEntry } from './documents';
import type { FeatureMetrics } from './metrics';

/** Customers brought to a new business day per turn of deferred work. */
const TICK_CHUNK = 50;

/** The read-model view of one customer. */
export function customerView(customerId: string, value: CustomerValue, partition: number): CustomerView {
  const s = value.state;
  return {
    customerId,
    partition,
    version: versionOf(s),
    asOf: s.asOf,
    segment: s.registration?.segment ?? null,
    currency: s.registration?.currency ?? null,
    accountStatus: s.account.status,
    features: value.features,
    openInvoices: s.invoices.filter((i) => i.status === 'OPEN').map((i) => ({ invoiceId: i.invoiceId, invoiceDate: i.invoiceDate, dueDate: i.dueDate, currency: i.currency, amountMinor: i.amountMinor, openMinor: i.openMinor, disputed: i.disputedNow })),
  };
}

export interface FeatureProcessorOptions {
  /** The task's partition. */
  partition: number;
  /** Output topic of `customer features changed`. */
  outputTopic: string;
  /** The clock topic (ticks are told apart by topic). */
  clockTopic: string;
  metrics: FeatureMetrics;
}

/**
 * The feature service's per-record logic, on one partition task: folds each event into its customer's state in
 * memory and, when a feature or an invoice changed, produces `customer features changed` with the customer's
 * features and every open invoice's features. A business-day tick moves the partition clock; every customer with an
 * open invoice is brought to the new day at once (days to due and overdue change daily) and announced, the others
 * catch up lazily when next touched. Deterministic: the same records in the same order give the same states and
 * outputs.
 */
export class FeatureProcessor implements Processor<InputEvent, CustomerValue> {
  /**
   * Values may leave memory beyond the state budget: what a tick changes in place without marking it (a customer
   * brought to the new day) is re-derived by {@link loaded}.
   */
  readonly evictable = true;
  /** The business-day sweep in progress: the customers in its order, how far it is, and the clock before its tick. */
  private sweep: { ids: string[]; done: () => number; previous: ClockReading | null } | null = null;

  constructor(private readonly options: FeatureProcessorOptions) {}

  process(record: TaskRecord<InputEvent>, ctx: ProcessorContext<CustomerValue>): Rejection | void {
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.topic === this.options.clockTopic) return this.tick(record.event as BusinessDayTickEvent, source, ctx);
    const event = record.event;
    const customerId = event.customerId;
    const known = ctx.store.get(customerId);
    if (known) this.catchUp(known.state, ctx);
    const result = applyEvent(known?.state ?? null, event, source);
    if (result.rejection) return { code: result.rejection.code, message: result.rejection.message };
    if (!result.changed) {
      this.options.metrics.redeliveries.inc();
      return;
    }
    for (const a of result.anomalies ?? []) this.options.metrics.anomalies.inc({ code: a.code });
    const value: CustomerValue = known ?? { state: result.state as CustomerState, features: {} };
    if (!known) this.catchUp(value.state, ctx);
    ctx.store.put(customerId, value);
    const changedInvoiceIds = new Set(result.changedInvoiceIds);
    this.announce(value, changedInvoiceIds, event, ctx);
    if (event.type === 'InvoiceIssued' && changedInvoiceIds.has(event.payload.invoiceId)) this.logIssued(value.state, event.payload.invoiceId, ctx);
  }

  view(customerId: string, value: CustomerValue): CustomerView {
    return customerView(customerId, value, this.options.partition);
  }

  private tick(tick: BusinessDayTickEvent, source: { topic: string; partition: number; offset: number }, ctx: ProcessorContext<CustomerValue>): Rejection | void {
    const check = applyTick(null, tick, source);
    if (check.rejection) return { code: check.rejection.code, message: check.rejection.message };
    const previous = ctx.clock.reading;
    if (!ctx.clock.advance({ businessDate: tick.payload.businessDate, offset: source.offset, tick })) return;
    this.options.metrics.businessDate.set({ partition: String(source.partition) }, Date.parse(`${tick.payload.businessDate}T00:00:00Z`) / 1000);
    // Every customer, in id order, a chunk per turn (deferred: it runs before the next record, without blocking the
    // event loop). Not marked changed for the checkpoint: a customer no event touched since its last checkpoint is
    // that state brought to the partition clock, which `loaded` re-derives. A tick thus costs no checkpoint write.
    const ids = [...ctx.store.keys()].sort();
    let i = 0;
    this.sweep = { ids, done: () => i, previous };
    ctx.defer((c) => {
      for (const end = Math.min(ids.length, i + TICK_CHUNK); i < end; i++) {
        const value = c.store.get(ids[i] as string);
        if (value === undefined || value.state.open.length === 0) continue;
        if (this.catchUp(value.state, c)) this.announce(value, new Set(), tick, c);
      }
      if (i < ids.length) return true;
      this.sweep = null;
      return false;
    });
  }

  /**
   * A customer's value read back from its checkpoint (after a restore, or after it had left memory): brought where it
   * was in memory — to the partition clock, or, while a tick's sweep has not reached it yet, to the day before (the
   * sweep then announces it as it would have). Every customer with an open invoice that is behind the clock was
   * announced at each tick since its checkpoint (ticks announce exactly those, and no event touched it, or it would
   * have been checkpointed), so its state in memory was its checkpointed state brought to the clock, with the
   * features of that day: re-derived here without producing anything.
   */
  loaded(customerId: string, value: CustomerValue, ctx: ProcessorContext<CustomerValue>): void {
    if (value.state.open.length === 0) return;
    const sweep = this.sweep;
    const pending = sweep !== null && sweep.done() < sweep.ids.length && customerId >= (sweep.ids[sweep.done()] as string);
    if (this.catchUpTo(value.state, pending ? (sweep as { previous: ClockReading | null }).previous : ctx.clock.reading, ctx.partition)) value.features = predictionInputs(value.state).features;
  }

  /** Brings a state to the partition clock's tick; returns whether it moved. */
  private catchUp(state: CustomerState, ctx: ProcessorContext<CustomerValue>): boolean {
    return this.catchUpTo(state, ctx.clock.reading, ctx.partition);
  }

  private catchUpTo(state: CustomerState, clock: ClockReading | null, partition: number): boolean {
    if (clock === null) return false;
    const source = { topic: this.options.clockTopic, partition, offset: clock.offset };
    if (appliedOffset(state, sourceKey(source)) >= clock.offset) return false;
    return applyTick(state, clock.tick as BusinessDayTickEvent, source).changed;
  }

  /**
   * Recomputes the customer's features and produces `customer features changed` when a feature or an invoice
   * changed: re-scoring is needed for every open invoice when a customer feature changed, else for the changed ones.
   */
  private announce(value: CustomerValue, changedInvoiceIds: Set<string>, cause: { eventId: string; eventTime: string }, ctx: ProcessorContext<CustomerValue>): void {
    const state = value.state;
    const inputs = predictionInputs(state);
    const changedFeatures = CUSTOMER_FEATURE_NAMES.filter((n) => value.features[n] !== inputs.features[n]);
    value.features = inputs.features;
    if (changedFeatures.length === 0 && changedInvoiceIds.size === 0) return;
    const openInvoices: OpenInvoiceFeatures[] = inputs.openInvoices;
    const openInvoiceIds = openInvoices.filter((i) => changedFeatures.length > 0 || changedInvoiceIds.has(i.invoiceId)).map((i) => i.invoiceId);
    const features = inputs.features;
    const version = versionOf(state);
    const event: CustomerFeaturesChangedEvent = {
      eventId: featuresEventId(state, cause.eventId),
      eventTime: cause.eventTime,
      customerId: state.customerId,
      causationId: cause.eventId,
      type: 'CustomerFeaturesChanged',
      payload: { version, featureSetVersion: FEATURE_SET_VERSION, businessDate: state.asOf, changedFeatures, features, openInvoiceIds, currency: state.registration?.currency ?? null, openInvoices },
    };
    ctx.forward(this.options.outputTopic, state.customerId, event);
    this.options.metrics.featuresChanged.inc();
  }

  /** Logs the feature vector of a just-issued invoice, as of the customer's business date (point in time). */
  private logIssued(state: CustomerState, invoiceId: string, ctx: ProcessorContext<CustomerValue>): void {
    const invoice = findInvoice(state, invoiceId);
    if (!invoice) return;
    const id = childId(state.customerId, `${invoiceId}:issued`);
    const entry: FeatureLogEntry = {
      _id: id,
      id,
      customerId: state.customerId,
      invoiceId,
      kind: 'issued',
      asOf: state.asOf,
      invoiceDate: invoice.invoiceDate,
      dueDate: invoice.dueDate,
      featureSetVersion: FEATURE_SET_VERSION,
      customerVersion: versionOf(state),
      values: Array.from(invoiceFeatures(state, invoice), (x) => (Number.isNaN(x) ? null : x)),
    };
    ctx.log(COLLECTIONS.featureLog, storedFeatureLogEntry(entry));
  }
}
