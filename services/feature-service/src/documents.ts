import type { CustomerState } from '@creditstream/features';

/** Collections of the feature service. */
export const COLLECTIONS = {
  /** Checkpoints of the partition tasks, with each customer's read-model view (see README). */
  state: 'feature_state',
  /** Logged feature vectors, in chunks (read with FeatureStateReader.readFeatureLog). */
  featureLog: 'feature_log',
} as const;

/** What the feature service keeps per customer in its task's store. */
export interface CustomerValue {
  state: CustomerState;
  /** Customer-level features as of `state.asOf` (the last ones emitted). */
  features: Record<string, number>;
}

/** The read-model document of one customer (queried by people and the API; never by another service's logic). */
export interface CustomerView {
  customerId: string;
  partition: number;
  version: number;
  asOf: string;
  segment: string | null;
  currency: string | null;
  accountStatus: string;
  features: Record<string, number>;
  openInvoices: { invoiceId: string; invoiceDate: string; dueDate: string; currency: string; amountMinor: number; openMinor: number; disputed: boolean }[];
}

/** One logged feature vector: what was computed, for which invoice, as of when. */
export interface FeatureLogEntry {
  /** Deterministic id: `<customerId length>:<customerId>:<invoiceId>:<kind>[:<as of>]` (also the document `_id`). */
  _id: string;
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
  /** In FEATURE_NAMES order; NaN = missing (stored as null). */
  values: (number | null)[];
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
