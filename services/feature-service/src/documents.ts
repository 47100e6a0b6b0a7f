import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import type { CustomerState, InvoiceState, PaymentRecord } from '@creditstream/features';

/** Collection names. */
export const COLLECTIONS = {
  customers: 'customers',
  invoices: 'invoice_buckets',
  payments: 'payment_buckets',
  partitionClocks: 'partition_clocks',
  featureLog: 'feature_log',
} as const;

/**
 * A customer's state without its invoices and payments (they grow with the customer's history and are stored in
 * monthly bucket documents; everything here is bounded by the windows), plus what readers and the outbox need.
 */
export interface CustomerDocument {
  _id: string;
  /** Partition of the customer-keyed topics that owns this customer. */
  partition: number;
  /** Only grows: Σ over applied sources of (offset + 1). The same state always has the same version. */
  version: number;
  state: CustomerState;
  /** Customer-level features as of `state.asOf`. */
  features: Record<string, number>;
  /**
   * The `customer features changed` events of the batch that wrote this version. They are produced after this
   * document is written, and produced again after a restart, so an emitted version is always a persisted one and
   * versions never go backwards (duplicates carry the same eventId).
   */
  outbox: CustomerFeaturesChangedEvent[];
  /**
   * What the batch that wrote this version changed outside this document. This document is written first and is
   * the truth; the bucket and feature-log documents are written after it and may lag (a crash in between), so
   * loading a customer re-applies `pending` and writes those documents again. They are never ahead of it.
   */
  pending: PendingChildren;
}

export interface PendingChildren {
  invoices: InvoiceState[];
  payments: PaymentRecord[];
  featureLog: FeatureLogEntry[];
}

/**
 * The invoices of one customer issued in one calendar month (by invoice date). Invoice state is per invoice; it is
 * stored by month because a document write costs about as much as its size is small, and a batch touches a
 * customer's few recent months, not each invoice separately.
 */
export interface InvoiceBucketDocument {
  _id: string;
  customerId: string;
  /** `YYYY-MM` of the invoice dates. */
  month: string;
  partition: number;
  /** Version of the customer state that wrote this document. */
  customerVersion: number;
  /** Sorted by invoice id. */
  invoices: InvoiceState[];
  /** Ids of the open invoices, for queries. */
  openInvoiceIds: string[];
}

/** The payments of one customer received in one calendar month. */
export interface PaymentBucketDocument {
  _id: string;
  customerId: string;
  month: string;
  partition: number;
  customerVersion: number;
  payments: PaymentRecord[];
}

/** The latest business-day tick seen on one clock partition. */
export interface PartitionClockDocument {
  _id: number;
  offset: number;
  businessDate: string;
  tick: unknown;
}

/** One logged feature vector: what was computed, for which invoice, as of when. */
export interface FeatureLogEntry {
  /** Deterministic id: `<customerId length>:<customerId>:<invoiceId>:<kind>[:<as of>]`. */
  id: string;
  customerId: string;
  invoiceId: string;
  /** Why it was logged: `issued` (the feature service, at invoice issue) or `scored` (the scoring service). */
  kind: 'issued' | 'scored';
  /** The business date the features are as of. */
  asOf: string;
  invoiceDate: string;
  dueDate: string;
  featureSetVersion: string;
  customerVersion: number;
  /** In FEATURE_NAMES order; NaN = missing. */
  values: number[];
}

/**
 * The feature vectors one writer logged for one customer in one batch. The log is append-only; writing one
 * document per customer and batch (instead of one per vector) keeps it cheap. Read it with `readFeatureLog`.
 */
export interface FeatureLogDocument {
  /** `<customer>:<writer>:<customer version>`: writing the same batch again replaces it with the same content. */
  _id: string;
  customerId: string;
  writer: string;
  customerVersion: number;
  entries: FeatureLogEntry[];
}

/** An unambiguous document id for an id that is unique only within a customer. */
export function childId(customerId: string, id: string): string {
  return `${customerId.length}:${customerId}:${id}`;
}

/** The version of a state: Σ (offset + 1) over every source it has folded. */
export function versionOf(state: CustomerState): number {
  let v = 0;
  for (const a of state.appliedOffsets) v += a.offset + 1;
  return v;
}

/** The bucket month of an invoice (its invoice date) and of a payment (its receipt date). */
export const monthOfInvoice = (invoice: InvoiceState): string => invoice.invoiceDate.slice(0, 7);
export const monthOfPayment = (payment: PaymentRecord): string => payment.receivedOn.slice(0, 7);
