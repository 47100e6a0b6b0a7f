import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import type { CustomerState, InvoiceState, PaymentRecord } from '@creditstream/features';

/** Collection names. */
export const COLLECTIONS = {
  customers: 'customers',
  invoices: 'invoices',
  payments: 'payments',
  partitionClocks: 'partition_clocks',
  featureLog: 'feature_log',
} as const;

/**
 * A customer's state without its invoices and payments (stored as their own documents, because they grow with the
 * customer's history while everything else is bounded by the windows), plus what readers and the outbox need.
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
   * The invoices, payments and feature-log entries the batch that wrote this version changed. This document is
   * written first and is the truth; the child documents are written after it and may lag (a crash in between), so
   * loading a customer re-applies `pending` over its children and writes them again. Children are never ahead of
   * their customer document.
   */
  pending: PendingChildren;
}

export interface PendingChildren {
  invoices: InvoiceState[];
  payments: PaymentRecord[];
  featureLog: FeatureLogDocument[];
}

export interface InvoiceDocument extends InvoiceState {
  _id: string;
  partition: number;
  /** Version of the customer state that wrote this document. */
  customerVersion: number;
}

export interface PaymentDocument extends PaymentRecord {
  _id: string;
  customerId: string;
  partition: number;
  customerVersion: number;
}

/** The latest business-day tick seen on one clock partition. */
export interface PartitionClockDocument {
  _id: number;
  offset: number;
  businessDate: string;
  tick: unknown;
}

/** One logged feature vector: what was computed, for which invoice, as of when. */
export interface FeatureLogDocument {
  _id: string;
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
