import type { ClockEnvelope, CreditGroupLimitSetEvent, CustomerEnvelope, InvoiceEnvelope, OrderEnvelope, PaymentEnvelope, SetCreditGroupEvent } from '@creditstream/schemas';
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

/** How a fraudulent order came about. */
export type FraudPattern =
  /** Every order of a fraudulent new account (a bust-out from day one: ordinary limit, fast-growing orders). */
  | 'new-account'
  /** An established customer's burst of large orders in the days after one of its payments bounced (NSF). */
  | 'bust-out'
  /** A burst of large orders on a dormant account, by someone else, before its owner orders again. */
  | 'dormant-takeover'
  /** An order on a fraudulent account after it was closed. */
  | 'closed-account';

/** The simulator's ground truth for one fraudulent order (every order without one is legitimate). */
export interface FraudTruth {
  readonly orderId: string;
  readonly customerId: string;
  readonly orderDate: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly pattern: FraudPattern;
}

/**
 * Credit master data the simulator adds only when asked (`creditGroups`): a customer joining its credit group (a
 * command to the credit service) and a group's shared limit (keyed by the group id). Not input topics.
 */
export interface CreditRecord {
  readonly topic: string;
  readonly key: string;
  readonly partition?: undefined;
  readonly event: SetCreditGroupEvent | CreditGroupLimitSetEvent;
}

/**
 * What the simulator produces, in event-time order: events, right after each InvoiceIssued its truth, and right
 * after each fraudulent OrderPlaced its fraud truth.
 */
export type SimRecord = { readonly kind: 'event'; readonly record: EventRecord } | { readonly kind: 'truth'; readonly truth: InvoiceTruth } | { readonly kind: 'fraud'; readonly truth: FraudTruth };

/** A credit group record (only from `simulateWithCreditGroups`). */
export type CreditSimRecord = { readonly kind: 'credit'; readonly record: CreditRecord };

/** What the sinks write: the simulator's records, and credit group records when asked for. */
export type OutputRecord = SimRecord | CreditSimRecord;
