import type { CustomerPaymentOutlook, CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent, PaymentBucket, PredictionFactor } from '@creditstream/schemas';

/** Collection of the current predictions (the feature log is the feature service's `feature_log`). */
export const PREDICTION_COLLECTION = 'customer_predictions';

/** Writer name of the scoring service's feature-log documents. */
export const LOG_WRITER = 'scoring-service';

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

/**
 * One customer's current predictions: one document per customer, because a document write costs about the same
 * whatever its size and a re-scoring touches all of a customer's open invoices at once.
 */
export interface CustomerPredictionsDocument {
  _id: string;
  /** Partition of the customer-keyed topics that owns the customer. */
  partition: number;
  scored: ScoredMark;
  /** Open invoices only, sorted by invoice id: settled and written-off invoices drop out at once. */
  predictions: CurrentPrediction[];
  /** The last emitted outlook; null before the first. */
  outlook: CustomerPaymentOutlook | null;
  /**
   * The events of the write that produced this document. They are produced after it is written, and again after a
   * (re)assignment or a failed send, so an emitted prediction is always a persisted one (duplicates keep their id).
   */
  outbox: { predictions: InvoicePaymentPredictedEvent[]; outlooks: CustomerPaymentOutlookEvent[] };
}
