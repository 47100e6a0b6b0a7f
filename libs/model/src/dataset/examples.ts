import type { InvoiceOutcome } from '../labels';

/** Where a training set's feature vectors come from. */
export type TrainingSource = 'feature-log' | 'event-log';

/**
 * One invoice's feature vector at issue (FEATURE_NAMES order, NaN = missing) with what the trainer's filters and the
 * labels need. The vector is point-in-time: computed from facts dated on or before the invoice date only.
 */
export interface TrainingExample {
  readonly customerId: string;
  readonly invoiceId: string;
  readonly invoiceDate: string;
  readonly dueDate: string;
  /** The business date the vector is as of (equal to the invoice date for a point-in-time vector). */
  readonly asOf: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** The customer's segment from its registration; null when the customer never registered. */
  readonly segment: string | null;
  readonly values: Float64Array;
  /** The invoice's state at the end of the data; null when it is unknown (a logged vector without its invoice). */
  readonly outcome: InvoiceOutcome | null;
}

/** Everything a training run reads, before filters and labels. */
export interface TrainingData {
  readonly source: TrainingSource;
  readonly featureSetVersion: string;
  /** The last business date in the data: labels are as known then. */
  readonly dataEnd: string;
  /** Sorted by (invoiceDate, customerId, invoiceId). */
  readonly examples: TrainingExample[];
  /**
   * Vectors left out because they were not point-in-time: computed as of a business date after the invoice date, so
   * they may contain facts from after the issue (a fast replay of history interleaves the topics arbitrarily).
   */
  readonly notPointInTime: number;
}

/** The order every training set is kept in: by invoice date, then ids, so a run never depends on read order. */
export function compareExamples(a: TrainingExample, b: TrainingExample): number {
  if (a.invoiceDate !== b.invoiceDate) return a.invoiceDate < b.invoiceDate ? -1 : 1;
  if (a.customerId !== b.customerId) return a.customerId < b.customerId ? -1 : 1;
  if (a.invoiceId !== b.invoiceId) return a.invoiceId < b.invoiceId ? -1 : 1;
  return 0;
}
