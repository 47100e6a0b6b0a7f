import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document, type Filter } from 'mongodb';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { toStoreError, type IndexDefinition, type Store } from '@creditstream/store';
import type { CustomerState, InvoiceState, PaymentRecord } from '@creditstream/features';
import {
  childId,
  COLLECTIONS,
  monthOfInvoice,
  monthOfPayment,
  type CustomerDocument,
  type FeatureLogDocument,
  type FeatureLogEntry,
  type InvoiceBucketDocument,
  type PartitionClockDocument,
  type PaymentBucketDocument,
  type PendingChildren,
} from './documents';

/** Indexes the feature service needs; created at start-up. */
export const FEATURE_INDEXES: IndexDefinition[] = [
  { collection: COLLECTIONS.customers, keys: { partition: 1 } },
  { collection: COLLECTIONS.invoices, keys: { customerId: 1 } },
  { collection: COLLECTIONS.invoices, keys: { 'invoices.invoiceId': 1 } },
  { collection: COLLECTIONS.payments, keys: { customerId: 1 } },
  { collection: COLLECTIONS.featureLog, keys: { customerId: 1 } },
];

/** A customer as the service holds it between batches. */
export interface LoadedCustomer {
  state: CustomerState;
  partition: number;
  version: number;
  features: Record<string, number>;
}

/** What one batch writes: per changed customer, its new state, outbox and what the batch changed outside it. */
export interface BatchWrite {
  customers: { customer: LoadedCustomer; outbox: CustomerFeaturesChangedEvent[]; pending: PendingChildren }[];
}

const NOTHING_PENDING: PendingChildren = { invoices: [], payments: [], featureLog: [] };
const WRITER = 'feature-service';

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * MongoDB persistence of the feature service. Writes are replaces guarded by the writer's version, so a stale
 * writer (a zombie after a rebalance) never overwrites newer state and replaying a batch writes the same documents
 * again. A batch writes one document per changed customer, one per (customer, month) of invoices and of payments it
 * changed, and one feature-log document per customer that issued invoices — a few documents per customer per batch,
 * not per event — in at most four bulk writes.
 */
export class StateStore {
  readonly customers: Collection<CustomerDocument>;
  readonly invoices: Collection<InvoiceBucketDocument>;
  readonly payments: Collection<PaymentBucketDocument>;
  readonly clocks: Collection<PartitionClockDocument>;
  readonly featureLog: Collection<FeatureLogDocument>;
  private trips = 0;

  /** @param onRoundTrip counts MongoDB requests (a metric). */
  constructor(store: Store, private readonly onRoundTrip: (n: number) => void = () => undefined) {
    this.customers = store.collection<CustomerDocument>(COLLECTIONS.customers);
    this.invoices = store.collection<InvoiceBucketDocument>(COLLECTIONS.invoices);
    this.payments = store.collection<PaymentBucketDocument>(COLLECTIONS.payments);
    this.clocks = store.collection<PartitionClockDocument>(COLLECTIONS.partitionClocks);
    this.featureLog = store.collection<FeatureLogDocument>(COLLECTIONS.featureLog);
  }

  /** MongoDB requests made so far. */
  get roundTrips(): number {
    return this.trips;
  }

  /**
   * Loads customers with their invoices and payments reassembled into full states, `pending` applied over the
   * buckets. Missing ids are absent. With `repair` (the service), the documents still pending from a customer's
   * last write are written; without (verify), nothing is written.
   *
   * `openInvoicesOnly` (scoring): only the invoice buckets that hold an open invoice and no payment buckets, so the
   * state has every open invoice (plus the invoices and payments pending from the last write) but not the history:
   * enough to compute features, which read the aggregates of the customer document and the open invoices, at a
   * fraction of the bytes. Such a state must not be folded into or written; `repair` must be false.
   */
  async load(customerIds: string[], options: { repair?: boolean; openInvoicesOnly?: boolean } = {}): Promise<Map<string, LoadedCustomer>> {
    const out = new Map<string, LoadedCustomer>();
    if (customerIds.length === 0) return out;
    const partial = options.openInvoicesOnly === true;
    if (partial && options.repair !== false) throw new RangeError('StateStore.load: a state of open invoices only cannot repair (pass repair: false)');
    this.count(partial ? 2 : 3);
    let docs: CustomerDocument[];
    let invoiceBuckets: InvoiceBucketDocument[];
    let paymentBuckets: PaymentBucketDocument[];
    try {
      [docs, invoiceBuckets, paymentBuckets] = await Promise.all([
        this.customers.find({ _id: { $in: customerIds } }, partial ? { projection: { outbox: 0 } } : {}).toArray(),
        this.invoices.find(partial ? { customerId: { $in: customerIds }, 'openInvoiceIds.0': { $exists: true } } : { customerId: { $in: customerIds } }).toArray(),
        partial ? Promise.resolve([]) : this.payments.find({ customerId: { $in: customerIds } }).toArray(),
      ]);
    } catch (err) {
      throw toStoreError(err, 'loading customers');
    }
    const invoicesBy = new Map<string, Map<string, InvoiceState>>();
    const bucketVersions = new Map<string, number>();
    for (const b of invoiceBuckets) {
      bucketVersions.set(b._id, b.customerVersion);
      for (const i of b.invoices) mapOf(invoicesBy, b.customerId).set(i.invoiceId, i);
    }
    const paymentsBy = new Map<string, Map<string, PaymentRecord>>();
    for (const b of paymentBuckets) {
      bucketVersions.set(`p${b._id}`, b.customerVersion);
      for (const p of b.payments) mapOf(paymentsBy, b.customerId).set(p.paymentId, p);
    }
    const unfinished: BatchWrite['customers'] = [];
    for (const doc of docs) {
      const invoices = mapOf(invoicesBy, doc._id);
      const payments = mapOf(paymentsBy, doc._id);
      for (const invoice of doc.pending.invoices) invoices.set(invoice.invoiceId, invoice);
      for (const payment of doc.pending.payments) payments.set(payment.paymentId, payment);
      const state = doc.state;
      state.invoices = [...invoices.values()].sort((a, b) => byString(a.invoiceId, b.invoiceId));
      state.payments = [...payments.values()].sort((a, b) => byString(a.paymentId, b.paymentId));
      const customer = { state, partition: doc.partition, version: doc.version, features: doc.features };
      out.set(doc._id, customer);
      // The buckets the last write changed carry its version once written; only a crash in between leaves them older.
      const p = doc.pending;
      const behind = (id: string) => (bucketVersions.get(id) ?? -1) < doc.version;
      const stale = p.invoices.some((i) => behind(childId(doc._id, monthOfInvoice(i)))) || p.payments.some((x) => behind(`p${childId(doc._id, monthOfPayment(x))}`));
      if (stale) unfinished.push({ customer, outbox: doc.outbox, pending: p });
    }
    // What the customers' last writes changed may not have reached the buckets (a crash after the customer
    // document): write it now.
    if (options.repair !== false) await this.writeChildren(unfinished);
    return out;
  }

  /**
   * Writes a batch: first every changed customer document (state, outbox and pending changes: the atomic truth),
   * then the invoice and payment buckets and the feature log.
   */
  async write(batch: BatchWrite): Promise<void> {
    if (batch.customers.length === 0) return;
    await this.bulk(this.customers, batch.customers.map(({ customer, outbox, pending }) => this.customerReplace(customer, outbox, pending)));
    await this.writeChildren(batch.customers);
  }

  /**
   * Writes complete states into a fresh database (`features rebuild`): every bucket first, then the customers with
   * nothing pending.
   */
  async writeRebuilt(customers: LoadedCustomer[]): Promise<void> {
    if (customers.length === 0) return;
    await this.writeChildren(customers.map((customer) => ({ customer, outbox: [], pending: { invoices: customer.state.invoices, payments: customer.state.payments, featureLog: [] } })));
    await this.bulk(this.customers, customers.map((customer) => this.customerReplace(customer, [], NOTHING_PENDING)));
  }

  /** Reads logged feature vectors (every writer), flattened, in no particular order. */
  async readFeatureLog(filter: Filter<FeatureLogDocument> = {}): Promise<FeatureLogEntry[]> {
    this.count(1);
    const docs = await this.featureLog.find(filter).toArray();
    return docs.flatMap((d) => d.entries);
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

  private customerReplace(customer: LoadedCustomer, outbox: CustomerFeaturesChangedEvent[], pending: PendingChildren): AnyBulkWriteOperation<CustomerDocument> {
    const state = { ...customer.state, invoices: [], payments: [] };
    return guardedReplace<CustomerDocument>(customer.state.customerId, 'version', customer.version, { partition: customer.partition, version: customer.version, state, features: customer.features, outbox, pending });
  }

  /** Rewrites every bucket that holds a pending invoice or payment (from the full state), and the feature log. */
  private async writeChildren(customers: BatchWrite['customers']): Promise<void> {
    const invoiceOps: AnyBulkWriteOperation<InvoiceBucketDocument>[] = [];
    const paymentOps: AnyBulkWriteOperation<PaymentBucketDocument>[] = [];
    const logOps: AnyBulkWriteOperation<FeatureLogDocument>[] = [];
    for (const { customer, pending } of customers) {
      const { partition, version: customerVersion, state } = customer;
      const customerId = state.customerId;
      for (const month of new Set(pending.invoices.map(monthOfInvoice))) {
        const invoices = state.invoices.filter((i) => monthOfInvoice(i) === month);
        const openInvoiceIds = invoices.filter((i) => i.status === 'OPEN').map((i) => i.invoiceId);
        invoiceOps.push(guardedReplace<InvoiceBucketDocument>(childId(customerId, month), 'customerVersion', customerVersion, { customerId, month, partition, customerVersion, invoices, openInvoiceIds }));
      }
      for (const month of new Set(pending.payments.map(monthOfPayment))) {
        const payments = state.payments.filter((p) => monthOfPayment(p) === month);
        paymentOps.push(guardedReplace<PaymentBucketDocument>(childId(customerId, month), 'customerVersion', customerVersion, { customerId, month, partition, customerVersion, payments }));
      }
      if (pending.featureLog.length > 0) {
        const _id = `${childId(customerId, WRITER)}:${customerVersion}`;
        logOps.push({ replaceOne: { filter: { _id }, replacement: { customerId, writer: WRITER, customerVersion, entries: pending.featureLog }, upsert: true } });
      }
    }
    // The feature log goes first: a load takes buckets at the customer's version as proof that everything the
    // write changed has been written.
    if (logOps.length > 0) await this.bulk(this.featureLog, logOps);
    await Promise.all([invoiceOps.length > 0 ? this.bulk(this.invoices, invoiceOps) : undefined, paymentOps.length > 0 ? this.bulk(this.payments, paymentOps) : undefined]);
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

function mapOf<V>(maps: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let m = maps.get(key);
  if (!m) maps.set(key, (m = new Map()));
  return m;
}
