import { createHash } from 'node:crypto';
import type { CustomerState } from '@creditstream/features';
import { Binary } from 'mongodb';

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
  /** In FEATURE_NAMES order; null = missing (stored as NaN in a binary block: see StoredFeatureLogEntry). */
  values: (number | null)[];
}

/**
 * A feature log entry as stored: its values as one binary block of little-endian doubles (NaN = missing), a single
 * BSON element where an array costs one per feature — the logs hold a vector per issued invoice and per emitted
 * prediction, and the store parses, indexes and copies every element of what it is sent.
 */
export type StoredFeatureLogEntry = Omit<FeatureLogEntry, 'values'> & { values: Binary };

/** The stored form of a feature log entry. */
export function storedFeatureLogEntry(entry: FeatureLogEntry): StoredFeatureLogEntry {
  const bytes = Buffer.allocUnsafe(entry.values.length * 8);
  entry.values.forEach((x, i) => bytes.writeDoubleLE(x === null ? NaN : x, i * 8));
  return { ...entry, values: new Binary(bytes) };
}

/** A stored feature log entry read back; entries written before the binary form hold their values as an array. */
export function featureLogEntryOf(stored: StoredFeatureLogEntry | FeatureLogEntry): FeatureLogEntry {
  if (Array.isArray(stored.values)) return stored as FeatureLogEntry;
  const bytes = (stored.values as Binary).buffer;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Array<number | null>(Math.floor(bytes.byteLength / 8));
  for (let i = 0; i < values.length; i++) {
    const x = view.getFloat64(i * 8, true);
    values[i] = Number.isNaN(x) ? null : x;
  }
  return { ...stored, values };
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

/**
 * The id of a `customer features changed` event: `<customerId>:features:<version>:<digest>`, the digest (8 hex digits
 * of a SHA-1) over the exact applied offsets of every source and the id of the input that caused the event. Why not
 * the version alone: the version is a sum, so two states reached by different arrival orders can share it, and even
 * the same state reached last through different inputs is announced with a different cause and a different list of
 * changed features. A replay after a crash merges its inputs in business-time order, while live they were merged as
 * they arrived (a record can become visible after a later one of another topic); one id must name one content, so
 * the id names the state and the input it was reached through.
 */
export function featuresEventId(state: CustomerState, causeId: string): string {
  const hash = createHash('sha1');
  for (const a of state.appliedOffsets) hash.update(`${a.source}@${a.offset};`);
  hash.update(causeId);
  return `${state.customerId}:features:${versionOf(state)}:${hash.digest('hex').slice(0, 8)}`;
}
