import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { childId, COLLECTIONS, type CustomerDocument, type FeatureLogDocument, type FeatureLogEntry } from '@creditstream/feature-service';
import type { CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import { toStoreError, type IndexDefinition, type Store } from '@creditstream/store';
import { LOG_WRITER, PREDICTION_COLLECTION, type CustomerPredictionsDocument } from './documents';

/** Indexes the scoring service needs; created at start-up. */
export const PREDICTION_INDEXES: IndexDefinition[] = [
  { collection: PREDICTION_COLLECTION, keys: { partition: 1 } },
  { collection: PREDICTION_COLLECTION, keys: { 'predictions.invoiceId': 1 } },
];

/** What one scoring batch writes: the vectors it scored (per customer) and the customers' new predictions. */
export interface ScoringWrite {
  log: { customerId: string; version: number; asOf: string; entries: FeatureLogEntry[] }[];
  documents: CustomerPredictionsDocument[];
}

/**
 * MongoDB persistence of the scoring service: its own `customer_predictions` collection, the feature log it appends
 * to, and read-only queries on the feature service's customer documents.
 */
export class PredictionStore {
  readonly predictions: Collection<CustomerPredictionsDocument>;
  private readonly featureLog: Collection<FeatureLogDocument>;
  private readonly customers: Collection<CustomerDocument>;

  constructor(store: Store) {
    this.predictions = store.collection<CustomerPredictionsDocument>(PREDICTION_COLLECTION);
    this.featureLog = store.collection<FeatureLogDocument>(COLLECTIONS.featureLog);
    this.customers = store.collection<CustomerDocument>(COLLECTIONS.customers);
  }

  /** The prediction documents of `customerIds` (absent ones are missing from the map). */
  async load(customerIds: readonly string[]): Promise<Map<string, CustomerPredictionsDocument>> {
    if (customerIds.length === 0) return new Map();
    try {
      const docs = await this.predictions.find({ _id: { $in: [...customerIds] } }).toArray();
      return new Map(docs.map((d) => [d._id, d]));
    } catch (err) {
      throw toStoreError(err, 'loading predictions');
    }
  }

  /**
   * Writes a batch: the feature log first (a prediction document names vectors that must exist), then the prediction
   * documents with their outbox. Both are replaces with deterministic ids, so writing the same batch again is a no-op.
   */
  async write(batch: ScoringWrite): Promise<void> {
    const logOps: AnyBulkWriteOperation<FeatureLogDocument>[] = batch.log
      .filter((l) => l.entries.length > 0)
      .map(({ customerId, version, asOf, entries }) => {
        // One document per (state version, business date): the set of vectors scored at it is fixed.
        const _id = `${childId(customerId, LOG_WRITER)}:${version}:${asOf}`;
        return { replaceOne: { filter: { _id }, replacement: { customerId, writer: LOG_WRITER, customerVersion: version, entries }, upsert: true } };
      });
    if (logOps.length > 0) await this.bulk(this.featureLog, logOps);
    const docOps: AnyBulkWriteOperation<CustomerPredictionsDocument>[] = batch.documents.map((d) => {
      const { _id, ...rest } = d;
      return { replaceOne: { filter: { _id }, replacement: rest, upsert: true } };
    });
    if (docOps.length > 0) await this.bulk(this.predictions, docOps);
  }

  /** The outbox events of every customer of `partition`, to produce again after a (re)assignment or a failed send. */
  async outboxOf(partition: number): Promise<{ predictions: InvoicePaymentPredictedEvent[]; outlooks: CustomerPaymentOutlookEvent[] }> {
    const docs = await this.find(
      { partition, $or: [{ 'outbox.predictions.0': { $exists: true } }, { 'outbox.outlooks.0': { $exists: true } }] },
      'reading outboxes',
    );
    return { predictions: docs.flatMap((d) => d.outbox.predictions), outlooks: docs.flatMap((d) => d.outbox.outlooks) };
  }

  /** Customers of `partition` whose predictions were made by another model than `modelVersion`. */
  async staleCustomers(partition: number, modelVersion: string): Promise<string[]> {
    const docs = await this.find({ partition, 'scored.modelVersion': { $ne: modelVersion } }, 'finding predictions of another model', { _id: 1 });
    return docs.map((d) => d._id);
  }

  /** Customers of `partition` (the feature service's documents) with at least one open invoice. */
  async customersWithOpenInvoices(partition: number): Promise<string[]> {
    try {
      const docs = await this.customers.find({ partition, 'state.open.0': { $exists: true } }, { projection: { _id: 1 } }).toArray();
      return docs.map((d) => d._id);
    } catch (err) {
      throw toStoreError(err, 'finding customers with open invoices');
    }
  }

  private async find(filter: Document, what: string, projection?: Document): Promise<CustomerPredictionsDocument[]> {
    try {
      return await this.predictions.find(filter, projection ? { projection } : {}).toArray();
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  private async bulk<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<void> {
    try {
      await collection.bulkWrite(ops, { ordered: false });
    } catch (err) {
      throw toStoreError(err, `writing ${collection.collectionName}`);
    }
  }
}
