import { childId, type FeatureLogEntry } from '@creditstream/feature-service';
import { customerFeatureVector, FEATURE_SET_VERSION, invoiceFeatures, type CustomerState, type InvoiceState } from '@creditstream/features';
import type { Scorer } from '@creditstream/model';
import type { CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import type { CurrentPrediction, CustomerPredictionsDocument } from '../documents';
import { shouldEmit } from './emission';
import { outlookOf, sameOutlook } from './outlook';

/** The thresholds a scoring applies. */
export interface ScoringPolicy {
  /** Emit when a probability moved by at least this much. */
  minChange: number;
  /** At risk below this P(on time). */
  atRisk: number;
  /** High late balance above this share of the open balance. */
  highLateShare: number;
  /** Top factors per emitted prediction. */
  factors: number;
}

/** The input event a scoring answers (its id becomes the outputs' causation id). */
export interface Trigger {
  /** Null when no single event caused it (a re-scoring with the serving model when none was published). */
  eventId: string | null;
  eventTime: string;
}

export interface CustomerToScore {
  /** The customer's state, already brought to its partition's latest business day. */
  state: CustomerState;
  /** The stored version of that state (the feature service's `customer features changed` version). */
  version: number;
  partition: number;
  previous: CustomerPredictionsDocument | null;
}

export interface CustomerScoring {
  document: CustomerPredictionsDocument;
  /** Every vector scored, for the feature log. */
  log: FeatureLogEntry[];
  predictions: InvoicePaymentPredictedEvent[];
  outlook: CustomerPaymentOutlookEvent | null;
}

/** Deterministic id of the feature-log entry of an invoice scored at (as of, customer version). */
export function scoredVectorId(customerId: string, invoiceId: string, asOf: string, version: number): string {
  return childId(customerId, `${invoiceId}:scored:${asOf}:${version}`);
}

/** Deterministic id of a prediction event: the same invoice, model, state and day always give the same id. */
export function predictionEventId(customerId: string, invoiceId: string, modelVersion: string, version: number, asOf: string): string {
  return `${customerId}:prediction:${invoiceId}:${modelVersion}:${version}:${asOf}`;
}

/** Deterministic id of an outlook event. */
export function outlookEventId(customerId: string, modelVersion: string, version: number, asOf: string): string {
  return `${customerId}:outlook:${modelVersion}:${version}:${asOf}`;
}

/**
 * Scores every open invoice of one customer as of its state's business date (pure: no I/O, no clock). Every open
 * invoice is scored, not only the ones an event listed: the vectors of a (state version, business date) are then
 * one fixed set, so the feature-log document they go to is the same whoever asks, and no invoice is missed when the
 * state read is newer than the event. Probabilities are computed first without factors (the fast path); the factors
 * are computed only for the predictions that are emitted.
 */
export function scoreCustomer(customer: CustomerToScore, scorer: Scorer, policy: ScoringPolicy, trigger: Trigger): CustomerScoring {
  const { state, version, partition, previous } = customer;
  const customerId = state.customerId;
  const asOf = state.asOf;
  const modelVersion = scorer.modelVersion;
  const currentBy = new Map((previous?.predictions ?? []).map((p) => [p.invoiceId, p]));
  const customerVector = customerFeatureVector(state, asOf);
  const log: FeatureLogEntry[] = [];
  const events: InvoicePaymentPredictedEvent[] = [];
  const next: CurrentPrediction[] = [];

  for (const invoice of state.invoices) {
    if (invoice.status !== 'OPEN') continue;
    const vector = invoiceFeatures(state, invoice, asOf, customerVector);
    const featureVectorId = scoredVectorId(customerId, invoice.invoiceId, asOf, version);
    log.push(logEntry(state, invoice, vector, featureVectorId, version));
    const fast = scorer.score(vector, { factors: 0 });
    const candidate = { ...fast, atRisk: fast.pOnTime < policy.atRisk, modelVersion };
    const current = currentBy.get(invoice.invoiceId);
    const inOutlook = !invoice.currencyMismatch;
    if (current !== undefined && !shouldEmit(current, candidate, policy.minChange)) {
      next.push({ ...current, openAmountMinor: invoice.openMinor, currency: invoice.currency, inOutlook });
      continue;
    }
    const full = policy.factors > 0 ? scorer.score(vector, { factors: policy.factors }) : fast;
    const eventId = predictionEventId(customerId, invoice.invoiceId, modelVersion, version, asOf);
    const topFactors = full.factors.map((f) => ({ feature: f.feature, value: f.value, contribution: f.contribution }));
    const prediction: CurrentPrediction = {
      invoiceId: invoice.invoiceId,
      pOnTime: full.pOnTime,
      pLate: full.pLate,
      pVeryLate: full.pVeryLate,
      predictedBucket: full.predictedBucket,
      atRisk: full.pOnTime < policy.atRisk,
      topFactors,
      modelId: scorer.modelId,
      modelVersion,
      businessDate: asOf,
      featureVectorId,
      eventId,
      openAmountMinor: invoice.openMinor,
      currency: invoice.currency,
      inOutlook,
    };
    next.push(prediction);
    events.push({
      eventId,
      eventTime: trigger.eventTime,
      customerId,
      causationId: trigger.eventId,
      type: 'InvoicePaymentPredicted',
      payload: {
        invoiceId: invoice.invoiceId,
        businessDate: asOf,
        modelId: scorer.modelId,
        modelVersion,
        pOnTime: prediction.pOnTime,
        pLate: prediction.pLate,
        pVeryLate: prediction.pVeryLate,
        predictedBucket: prediction.predictedBucket,
        atRisk: prediction.atRisk,
        openAmountMinor: invoice.openMinor,
        currency: invoice.currency,
        topFactors,
        featureVectorId,
      },
    });
  }

  const currency = state.registration?.currency ?? next.find((p) => p.inOutlook)?.currency ?? previous?.outlook?.currency ?? 'XXX';
  const outlook = outlookOf(next, { businessDate: asOf, modelVersion, currency, highLateShare: policy.highLateShare });
  const previousOutlook = previous?.outlook ?? null;
  // A customer that never had an open invoice scored has nothing to say yet.
  const emitOutlook = !sameOutlook(previousOutlook, outlook) && (previousOutlook !== null || outlook.openInvoiceCount > 0);
  const outlookEvent: CustomerPaymentOutlookEvent | null = emitOutlook
    ? { eventId: outlookEventId(customerId, modelVersion, version, asOf), eventTime: trigger.eventTime, customerId, causationId: trigger.eventId, type: 'CustomerPaymentOutlook', payload: outlook }
    : null;
  return {
    document: {
      _id: customerId,
      partition,
      scored: { customerVersion: version, asOf, modelVersion },
      predictions: next,
      outlook: emitOutlook ? outlook : previousOutlook,
      outbox: { predictions: events, outlooks: outlookEvent ? [outlookEvent] : [] },
    },
    log,
    predictions: events,
    outlook: outlookEvent,
  };
}

function logEntry(state: CustomerState, invoice: InvoiceState, vector: Float64Array, id: string, version: number): FeatureLogEntry {
  return {
    id,
    customerId: state.customerId,
    invoiceId: invoice.invoiceId,
    kind: 'scored',
    asOf: state.asOf,
    invoiceDate: invoice.invoiceDate,
    dueDate: invoice.dueDate,
    featureSetVersion: FEATURE_SET_VERSION,
    customerVersion: version,
    values: Array.from(vector),
  };
}
