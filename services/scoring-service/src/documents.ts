import type { OpenInvoiceInput } from '@creditstream/features';
import type { CustomerPaymentOutlook, PaymentBucket, PredictionFactor } from '@creditstream/schemas';

/** Collections of the scoring service (its own: no other service reads or writes them). */
export const COLLECTIONS = {
  /** Checkpoints of the partition tasks, with each customer's current predictions as its read-model view. */
  state: 'scoring_state',
  /** The feature vectors behind the emitted predictions, in chunks (read with PredictionReader.scoredVectors). */
  scoredVectors: 'scored_vectors',
} as const;

/**
 * The current (last emitted) prediction of one open invoice. The probabilities, bucket, flag and factors are those
 * of the last `invoice payment predicted` event; the open amount is the latest scored one.
 */
export interface CurrentPrediction {
  invoiceId: string;
  pOnTime: number;
  pLate: number;
  pVeryLate: number;
  predictedBucket: PaymentBucket;
  atRisk: boolean;
  topFactors: PredictionFactor[];
  modelId: string;
  modelVersion: string;
  /** Business date of the emitted prediction. */
  businessDate: string;
  /** Feature-log entry id of the vector the emitted prediction scored. */
  featureVectorId: string;
  /** Id of the emitted event. */
  eventId: string;
  /** Open amount as of the latest scoring. */
  openAmountMinor: number;
  currency: string;
  /** False when the invoice's currency is not the customer's: it is scored but left out of the outlook. */
  inOutlook: boolean;
}

/** What a customer was last scored at: scoring the same again changes nothing and is skipped. */
export interface ScoredMark {
  customerVersion: number;
  asOf: string;
  modelVersion: string;
}

/** The input of a customer's predictions: the latest `customer features changed` of the customer. */
export interface ScoringInputState {
  version: number;
  businessDate: string;
  features: Record<string, number>;
  customerCurrency: string | null;
  openInvoices: OpenInvoiceInput[];
  /** The event it came from (the causation of the predictions it gives). */
  trigger: { eventId: string; eventTime: string };
}

/** What the scoring service keeps per customer in its task's store. */
export interface ScoringValue {
  input: ScoringInputState;
  /** Null until first scored. */
  scored: ScoredMark | null;
  /** Open invoices only, sorted by invoice id: settled and written-off invoices drop out at once. */
  predictions: CurrentPrediction[];
  /** The last emitted outlook; null before the first. */
  outlook: CustomerPaymentOutlook | null;
}

/** One customer's current predictions, as readers see them. */
export interface CustomerPredictions {
  customerId: string;
  partition: number;
  scored: ScoredMark | null;
  predictions: CurrentPrediction[];
  outlook: CustomerPaymentOutlook | null;
}

/**
 * The read-model view stored in the slot documents: a queryable summary (what was scored, the outlook, the at-risk
 * invoices). The full predictions with their factors are in the compressed state (PredictionReader.customers).
 */
export interface CustomerPredictionsView {
  customerId: string;
  partition: number;
  scored: ScoredMark | null;
  outlook: CustomerPaymentOutlook | null;
  atRiskInvoiceIds: string[];
}
