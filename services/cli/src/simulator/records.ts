import type { ClockEnvelope, CustomerEnvelope, InvoiceEnvelope, OrderEnvelope, PaymentEnvelope } from '@creditstream/schemas';
import type { Behaviour } from './behaviours';
import type { Bucket } from './lateness';

/** An event of one of the input topics, the only ones the simulator and the importer write. */
export type InputEvent = CustomerEnvelope | InvoiceEnvelope | PaymentEnvelope | OrderEnvelope | ClockEnvelope;

/** One event for one topic. `partition` is set only for clock ticks, which go to every partition explicitly. */
export interface EventRecord {
  readonly topic: string;
  readonly key: string;
  readonly partition?: number;
  readonly event: InputEvent;
}

/**
 * The simulator's ground truth for one invoice: the exact probability of each payment bucket at issue time (what a
 * perfect model could at best predict), and what was then drawn, for evaluating models against the best achievable.
 */
export interface InvoiceTruth {
  readonly invoiceId: string;
  readonly customerId: string;
  readonly behaviour: Behaviour;
  readonly invoiceDate: string;
  readonly dueDate: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly pOnTime: number;
  readonly pLate: number;
  readonly pVeryLate: number;
  /** Whether a dispute was drawn for the invoice. */
  readonly disputed: boolean;
  /** The bucket that was drawn (the invoice is paid accordingly, if the simulation runs long enough). */
  readonly bucket: Bucket;
  /** Planned date of full payment; null when the invoice is never paid (written off). */
  readonly settlementDate: string | null;
}

/** What the simulator produces, in event-time order: events, and right after each InvoiceIssued its truth. */
export type SimRecord = { readonly kind: 'event'; readonly record: EventRecord } | { readonly kind: 'truth'; readonly truth: InvoiceTruth };
