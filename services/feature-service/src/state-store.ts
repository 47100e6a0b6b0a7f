import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { toStoreError, type IndexDefinition, type Store } from '@creditstream/store';
import type { CustomerState, InvoiceState, PaymentRecord } from '@creditstream/features';
import { childId, COLLECTIONS, type CustomerDocument, type FeatureLogDocument, type InvoiceDocument, type PartitionClockDocument, type PaymentDocument, type PendingChildren } from './documents';

/** Indexes the feature service needs; created at start-up. */
export const FEATURE_INDEXES: IndexDefinition[] = [
  { collection: COLLECTIONS.customers, keys: { partition: 1 } },
  { collection: COLLECTIONS.invoices, keys: { customerId: 1, status: 1 } },
  { collection: COLLECTIONS.payments, keys: { customerId: 1 } },
  { collection: COLLECTIONS.featureLog, keys: { customerId: 1, invoiceId: 1 } },
  { collection: COLLECTIONS.featureLog, keys: { asOf: 1 } },
];

/** A customer as the service holds it between batches. */
export interface LoadedCustomer {
  state: CustomerState;
  partition: number;
  version: number;
  features: Record<string, number>;
}

/** What one batch writes: per changed customer, its new state, outbox and the children the batch changed. */
export interface BatchWrite {
  customers: { customer: LoadedCustomer; outbox: CustomerFeaturesChangedEvent[]; pending: PendingChildren }[];
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * MongoDB persistence of the feature service. Every write is a replace guarded by the writer's version, so a
 * stale writer (a zombie after a rebalance) can never overwrite newer state, and replaying a batch writes the same
 * documents again. Round trips per batch: one load (three finds in parallel) for customers not cached, and at
 * most three bulk writes.
 */
export class StateStore {
  readonly customers: Collection<CustomerDocument>;
  readonly invoices: Collection<InvoiceDocument>;
  readonly payments: Collection<PaymentDocument>;
  readonly clocks: Collection<PartitionClockDocument>;
  readonly featureLog: Collection<FeatureLogDocument>;
  /** Round trips made so far. */
  get roundTrips(): number {
    return this.trips;
  }
  private trips = 0;

  /** @param onRoundTrip counts MongoDB requests (a metric). */
  constructor(store: Store, private readonly onRoundTrip: (n: number) => void = () => undefined) {
    this.customers = store.collection<CustomerDocument>(COLLECTIONS.customers);
    this.invoices = store.collection<InvoiceDocument>(COLLECTIONS.invoices);
    this.payments = store.collection<PaymentDocument>(COLLECTIONS.payments);
    this.clocks = store.collection<PartitionClockDocument>(COLLECTIONS.partitionClocks);
    this.featureLog = store.collection<FeatureLogDocument>(COLLECTIONS.featureLog);
  }

  /**
   * Loads customers with their invoices and payments reassembled into full states (pending children applied over
   * the child documents). Missing ids are absent. With `repair` (the service), children still pending from the
   * customer's last write are written; without (verify), nothing is written.
   */
  async load(customerIds: string[], options: { repair?: boolean } = {}): Promise<Map<string, LoadedCustomer>> {
    const out = new Map<string, LoadedCustomer>();
    if (customerIds.length === 0) return out;
    this.count(3);
    let docs: CustomerDocument[];
    let invoices: InvoiceDocument[];
    let payments: PaymentDocument[];
    try {
      [docs, invoices, payments] = await Promise.all([
        this.customers.find({ _id: { $in: customerIds } }).toArray(),
        this.invoices.find({ customerId: { $in: customerIds } }).toArray(),
        this.payments.find({ customerId: { $in: customerIds } }).toArray(),
      ]);
    } catch (err) {
      throw toStoreError(err, 'loading customers');
    }
    const invoicesBy = groupBy(invoices, (d) => d.customerId);
    const paymentsBy = groupBy(payments, (d) => d.customerId);
    const unfinished: BatchWrite['customers'] = [];
    for (const doc of docs) {
      const state = doc.state;
      const invoicesById = new Map((invoicesBy.get(doc._id) ?? []).map((d) => [d.invoiceId, stripInvoice(d)]));
      const paymentsById = new Map((paymentsBy.get(doc._id) ?? []).map((d) => [d.paymentId, stripPayment(d)]));
      for (const invoice of doc.pending.invoices) invoicesById.set(invoice.invoiceId, invoice);
      for (const payment of doc.pending.payments) paymentsById.set(payment.paymentId, payment);
      state.invoices = [...invoicesById.values()].sort((a, b) => byString(a.invoiceId, b.invoiceId));
      state.payments = [...paymentsById.values()].sort((a, b) => byString(a.paymentId, b.paymentId));
      const customer = { state, partition: doc.partition, version: doc.version, features: doc.features };
      out.set(doc._id, customer);
      if (doc.pending.invoices.length + doc.pending.payments.length + doc.pending.featureLog.length > 0) unfinished.push({ customer, outbox: doc.outbox, pending: doc.pending });
    }
    // Children of the last write may not have been written (a crash after the customer document): write them now.
    if (options.repair !== false) await this.writeChildren(unfinished);
    return out;
  }

  /**
   * Writes a batch: first every changed customer document (state, outbox and pending children: the atomic truth),
   * then the child documents (invoices, payments, feature log) — one bulk write per collection.
   */
  async write(batch: BatchWrite): Promise<void> {
    if (batch.customers.length === 0) return;
    await this.bulk(this.customers, batch.customers.map(({ customer, outbox, pending }) => {
      const state = { ...customer.state, invoices: [], payments: [] };
      return guardedReplace<CustomerDocument>(customer.state.customerId, 'version', customer.version, { partition: customer.partition, version: customer.version, state, features: customer.features, outbox, pending });
    }));
    await this.writeChildren(batch.customers);
  }

  /**
   * Writes complete states into a fresh database (`features rebuild`): children first, then the customers with
   * nothing pending, so that loading them later writes nothing.
   */
  async writeRebuilt(customers: BatchWrite['customers']): Promise<void> {
    if (customers.length === 0) return;
    await this.writeChildren(customers);
    await this.bulk(this.customers, customers.map(({ customer, outbox }) => {
      const state = { ...customer.state, invoices: [], payments: [] };
      return guardedReplace<CustomerDocument>(customer.state.customerId, 'version', customer.version, { partition: customer.partition, version: customer.version, state, features: customer.features, outbox, pending: { invoices: [], payments: [], featureLog: [] } });
    }));
  }

  private async writeChildren(customers: BatchWrite['customers']): Promise<void> {
    const invoices: AnyBulkWriteOperation<InvoiceDocument>[] = [];
    const payments: AnyBulkWriteOperation<PaymentDocument>[] = [];
    const featureLog: AnyBulkWriteOperation<FeatureLogDocument>[] = [];
    for (const { customer, pending } of customers) {
      const { partition, version: customerVersion } = customer;
      const customerId = customer.state.customerId;
      for (const invoice of pending.invoices) invoices.push(guardedReplace<InvoiceDocument>(childId(customerId, invoice.invoiceId), 'customerVersion', customerVersion, { ...invoice, partition, customerVersion }));
      for (const payment of pending.payments) payments.push(guardedReplace<PaymentDocument>(childId(customerId, payment.paymentId), 'customerVersion', customerVersion, { ...payment, customerId, partition, customerVersion }));
      for (const entry of pending.featureLog) featureLog.push({ replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } });
    }
    await Promise.all([
      invoices.length > 0 ? this.bulk(this.invoices, invoices) : undefined,
      payments.length > 0 ? this.bulk(this.payments, payments) : undefined,
      featureLog.length > 0 ? this.bulk(this.featureLog, featureLog) : undefined,
    ]);
  }

  /** The latest tick of each clock partition. */
  async loadClocks(): Promise<Map<number, PartitionClockDocument>> {
    this.count(1);
    const docs = await this.clocks.find().toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** Records the latest tick of a clock partition; an older tick never replaces a newer one. */
  async saveClock(clock: PartitionClockDocument): Promise<void> {
    await this.bulk(this.clocks, [guardedReplace<PartitionClockDocument>(clock._id, 'offset', clock.offset, { offset: clock.offset, businessDate: clock.businessDate, tick: clock.tick })]);
  }

  /** Outbox events of every customer of `partition`, to produce again after a restart or a rebalance. */
  async outboxOf(partition: number): Promise<CustomerFeaturesChangedEvent[]> {
    this.count(1);
    const docs = await this.customers.find({ partition, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } }).toArray();
    return docs.flatMap((d) => d.outbox);
  }

  private count(n: number): void {
    this.trips += n;
    this.onRoundTrip(n);
  }

  private async bulk<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<void> {
    this.count(1);
    try {
      await collection.bulkWrite(ops, { ordered: false });
    } catch (err) {
      // A guarded upsert that finds a newer version fails its insert with a duplicate key: the newer write wins.
      if (err instanceof MongoBulkWriteError) {
        const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        if (errors.length > 0 && errors.every((e) => e.code === 11000)) return;
      }
      throw toStoreError(err, `writing ${collection.collectionName}`);
    }
  }
}

/** Replace-or-insert unless the stored document has a higher `field` (version or offset). */
function guardedReplace<T extends Document>(id: unknown, field: string, value: number, replacement: Omit<T, '_id'>): AnyBulkWriteOperation<T> {
  return { replaceOne: { filter: { _id: id, [field]: { $lte: value } } as never, replacement: replacement as never, upsert: true } };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function stripInvoice(doc: InvoiceDocument): InvoiceState {
  const { _id, partition: _p, customerVersion: _v, ...invoice } = doc;
  void _id;
  return invoice;
}

function stripPayment(doc: PaymentDocument): PaymentRecord {
  const { _id, partition: _p, customerVersion: _v, customerId: _c, ...payment } = doc;
  void _id;
  return payment;
}
