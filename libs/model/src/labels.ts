import { BUCKETS, bucketOf, daysBetween, type CompiledBucketOptions, type InvoiceStatus, type PaymentBucket } from '@creditstream/features';

/** The model's classes, in LightGBM's label order: 0 = ON_TIME, 1 = LATE, 2 = VERY_LATE. */
export const CLASSES: readonly PaymentBucket[] = BUCKETS;

/** Number of classes. */
export const NUM_CLASSES = 3;

/** A class index: 0 = ON_TIME, 1 = LATE, 2 = VERY_LATE. */
export type ClassIndex = 0 | 1 | 2;

/** What is known about an invoice's payment at the end of the data: enough to label it, or not yet. */
export interface InvoiceOutcome {
  readonly status: InvoiceStatus;
  readonly dueDate: string;
  /** settledOn − dueDate in days; null unless settled. */
  readonly daysLate: number | null;
}

/**
 * The label of an invoice as known at `dataEnd` (the last business date in the data), or null while it is not yet
 * determined.
 *
 * An invoice is labelled only once it has **matured**: more than V days have passed since its due date. Then every
 * outcome is decided: settled (bucket of its days late), written off (VERY_LATE: never paid), or still open
 * (VERY_LATE: it can no longer be paid within V days). Before that only the early payers are known, so labelling
 * recent settled invoices and dropping the open ones would bias the latest invoices — the holdout — towards ON_TIME.
 */
export function labelOf(outcome: InvoiceOutcome, dataEnd: string, buckets: CompiledBucketOptions): ClassIndex | null {
  if (daysBetween(outcome.dueDate, dataEnd) <= buckets.veryLateDays) return null;
  if (outcome.status === 'SETTLED') {
    if (outcome.daysLate === null) return null;
    return CLASSES.indexOf(bucketOf(outcome.daysLate, buckets)) as ClassIndex;
  }
  return 2;
}
