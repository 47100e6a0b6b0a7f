import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { toStoreError, type IndexDefinition, type Store } from '@creditstream/store';
import type { CustomerState, InvoiceState, PaymentRecord } from '@creditstream/features';
import { childId, COLLECTIONS, type CustomerDocument, type FeatureLogDocument, type InvoiceDocument, type PartitionClockDocument, type PaymentDocument } from './documents';

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

/** What one batch writes. */
export interface BatchWrite {
  customers: { customer: LoadedCustomer; outbox: CustomerFeaturesChangedEvent[] }[];
  invoices: { invoice: InvoiceState; partition: number; customerVersion: number }[];
  payments: { payment: PaymentRecord; customerId: string; partition: number; customerVersion: number }[];
  featureLog: FeatureLogDocument[];
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
  /** Round trips made, for the benchmark's figure. */
  roundTrips = 0;

  constructor(store: Store) {
    this.customers = store.collection<CustomerDocument>(COLLECTIONS.customers);
    this.invoices = store.collection<InvoiceDocument>(COLLECTIONS.invoices);
    this.payments = store.collection<PaymentDocument>(COLLECTIONS.payments);
    this.clocks = store.collection<PartitionClockDocument>(COLLECTIONS.partitionClocks);
    this.featureLog = store.collection<FeatureLogDocument>(COLLECTIONS.featureLog);
  }

  /** Loads customers with their invoices and payments reassembled into full states. Missing ids are absent. */
  async load(customerIds: string[]): Promise<Map<string, LoadedCustomer>> {
    const out = new Map<string, LoadedCustomer>();
    if (customerIds.length === 0) return out;
    this.roundTrips += 3;
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
    for (const doc of docs) {
      const state = doc.state;
      state.invoices = (invoicesBy.get(doc._id) ?? []).map(stripInvoice).sort((a, b) => byString(a.invoiceId, b.invoiceId));
      state.payments = (paymentsBy.get(doc._id) ?? []).map(stripPayment).sort((a, b) => byString(a.paymentId, b.paymentId));
      out.set(doc._id, { state, partition: doc.partition, version: doc.version, features: doc.features });
    }
    return out;
  }

  /** Writes a batch: invoices, payments and the feature log first, then the customers (with their outbox). */
  async write(batch: BatchWrite): Promise<void> {
    const children: Promise<void>[] = [];
    if (batch.invoices.length > 0) {
      children.push(this.bulk(this.invoices, batch.invoices.map(({ invoice, partition, customerVersion }) => guardedReplace<InvoiceDocument>(childId(invoice.customerId, invoice.invoiceId), 'customerVersion', customerVersion, { ...invoice, partition, customerVersion }))));
    }
    if (batch.payments.length > 0) {
      children.push(this.bulk(this.payments, batch.payments.map(({ payment, customerId, partition, customerVersion }) => guardedReplace<PaymentDocument>(childId(customerId, payment.paymentId), 'customerVersion', customerVersion, { ...payment, customerId, partition, customerVersion }))));
    }
    if (batch.featureLog.length > 0) {
      children.push(this.bulk(this.featureLog, batch.featureLog.map((entry) => ({ replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } }))));
    }
    await Promise.all(children);
    if (batch.customers.length > 0) {
      await this.bulk(this.customers, batch.customers.map(({ customer, outbox }) => {
        const state = { ...customer.state, invoices: [], payments: [] };
        return guardedReplace<CustomerDocument>(customer.state.customerId, 'version', customer.version, { partition: customer.partition, version: customer.version, state, features: customer.features, outbox });
      }));
    }
  }

  /** The latest tick of each clock partition. */
  async loadClocks(): Promise<Map<number, PartitionClockDocument>> {
    this.roundTrips++;
    const docs = await this.clocks.find().toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }

  /** Records the latest tick of a clock partition; an older tick never replaces a newer one. */
  async saveClock(clock: PartitionClockDocument): Promise<void> {
    await this.bulk(this.clocks, [guardedReplace<PartitionClockDocument>(clock._id, 'offset', clock.offset, { offset: clock.offset, businessDate: clock.businessDate, tick: clock.tick })]);
  }

  /** Outbox events of every customer of `partition`, to produce again after a restart or a rebalance. */
  async outboxOf(partition: number): Promise<CustomerFeaturesChangedEvent[]> {
    this.roundTrips++;
    const docs = await this.customers.find({ partition, 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } }).toArray();
    return docs.flatMap((d) => d.outbox);
  }

  private async bulk<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<void> {
    this.roundTrips++;
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
