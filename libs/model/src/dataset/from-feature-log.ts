import { FEATURE_NAMES, FEATURE_SET_VERSION, type InvoiceStatus } from '@creditstream/features';
import { compareExamples, type TrainingData, type TrainingExample } from './examples';

/** The fields of a feature-log entry (the feature service's `feature_log` collection) the trainer reads. */
export interface LoggedVector {
  readonly customerId: string;
  readonly invoiceId: string;
  readonly kind: string;
  readonly asOf: string;
  readonly invoiceDate: string;
  readonly dueDate: string;
  readonly featureSetVersion: string;
  /** FEATURE_NAMES order; NaN (or null, after a round trip through a store that has no NaN) = missing. */
  readonly values: readonly (number | null)[];
}

/** The fields of an invoice document (the feature service's `invoices` collection) the trainer reads. */
export interface StoredInvoice {
  readonly customerId: string;
  readonly invoiceId: string;
  readonly status: InvoiceStatus;
  readonly invoiceDate: string;
  readonly dueDate: string;
  readonly daysLate: number | null;
  readonly amountMinor: number;
  readonly currency: string;
}

export interface FeatureLogInput {
  /** Entries of the feature log; only `kind: 'issued'` ones of the current feature set are used. */
  readonly vectors: Iterable<LoggedVector>;
  readonly invoices: Iterable<StoredInvoice>;
  /** Segment of each registered customer. */
  readonly segments: ReadonlyMap<string, string>;
  /** The last business date in the data (labels are as known then). */
  readonly dataEnd: string;
}

const key = (customerId: string, invoiceId: string) => `${customerId.length}:${customerId}:${invoiceId}`;

/**
 * Builds the training data from the feature log: the vector each invoice had when it was issued, as the feature
 * service logged it (principle 5: the serving code computed it), labelled with the invoice's state at the end.
 *
 * Point-in-time rule: a logged vector is used only when it is as of a business date on or before its invoice date.
 * The customer's business date is the latest date of anything folded into it, so such a vector contains no fact
 * dated after the issue. In live operation that is every vector; in a fast replay of history the topics interleave
 * arbitrarily and a vector may be computed after later payments were folded — those are counted in `notPointInTime`
 * and left out (train such a history from the event log instead: `trainingDataFromEventLog`).
 */
export function trainingDataFromFeatureLog(input: FeatureLogInput): TrainingData {
  const outcomes = new Map<string, StoredInvoice>();
  for (const inv of input.invoices) outcomes.set(key(inv.customerId, inv.invoiceId), inv);
  const seen = new Set<string>();
  const examples: TrainingExample[] = [];
  let notPointInTime = 0;
  for (const v of input.vectors) {
    if (v.kind !== 'issued' || v.featureSetVersion !== FEATURE_SET_VERSION || v.values.length !== FEATURE_NAMES.length) continue;
    const k = key(v.customerId, v.invoiceId);
    if (seen.has(k)) continue;
    seen.add(k);
    if (v.asOf > v.invoiceDate) {
      notPointInTime++;
      continue;
    }
    const inv = outcomes.get(k);
    examples.push({
      customerId: v.customerId,
      invoiceId: v.invoiceId,
      invoiceDate: v.invoiceDate,
      dueDate: v.dueDate,
      asOf: v.asOf,
      amountMinor: inv?.amountMinor ?? NaN,
      currency: inv?.currency ?? '',
      segment: input.segments.get(v.customerId) ?? null,
      values: Float64Array.from(v.values, (x) => (x === null ? NaN : x)),
      outcome: inv === undefined ? null : { status: inv.status, dueDate: inv.dueDate, daysLate: inv.daysLate },
    });
  }
  examples.sort(compareExamples);
  return { source: 'feature-log', featureSetVersion: FEATURE_SET_VERSION, dataEnd: input.dataEnd, examples, notPointInTime };
}
