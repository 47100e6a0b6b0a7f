import { childId, type FeatureLogEntry } from '@creditstream/feature-service';
import { FEATURE_NAMES, FEATURE_SET_VERSION, writeCustomerInputs, writeInvoiceInputs } from '@creditstream/features';
import type { Prediction, Scorer } from '@creditstream/model';
import type { CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import type { CurrentPrediction, ScoredMark, ScoringInputState, ScoringValue } from '../documents';
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

export interface CustomerScoring {
  /** The customer's value after the scoring (the same object, updated). */
  scored: ScoredMark;
  /** The vectors behind the emitted predictions, for the scored-vector log. */
  log: FeatureLogEntry[];
  predictions: InvoicePaymentPredictedEvent[];
  outlook: CustomerPaymentOutlookEvent | null;
  /** Open invoices scored. */
  invoices: number;
}

/** Deterministic id of the logged vector of an invoice scored at (as of, customer version). */
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

/** A vector as the scored-vector log keeps it: NaN (missing) as null. */
function loggedValues(vector: Float64Array): (number | null)[] {
  const values = new Array<number | null>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    values[i] = Number.isNaN(x) ? null : x;
  }
  return values;
}

/** Whether the value was already scored at its input's version and date with this model. */
export function upToDate(value: ScoringValue, modelVersion: string): boolean {
  const s = value.scored;
  return s !== null && s.modelVersion === modelVersion && s.customerVersion === value.input.version && s.asOf === value.input.businessDate;
}

/**
 * Scores every open invoice of one customer from its latest prediction input (pure: no I/O, no clock) and updates
 * `value` in place. Probabilities are computed first without factors (the fast path); the factors only for the
 * predictions that are emitted (a new invoice, a move of at least `minChange`, a new bucket, flag or model).
 */
export function scoreCustomer(customerId: string, value: ScoringValue, scorer: Scorer, policy: ScoringPolicy, trigger: Trigger): CustomerScoring {
  const input: ScoringInputState = value.input;
  const { version, businessDate: asOf } = input;
  const modelVersion = scorer.modelVersion;
  const currentBy = new Map(value.predictions.map((p) => [p.invoiceId, p]));
  const log: FeatureLogEntry[] = [];
  const events: InvoicePaymentPredictedEvent[] = [];
  // Two passes: the probabilities of every open invoice first (the fast path decides which predictions to emit), then
  // the factors of the emitted ones in one call, which explains them together: a tree's TreeSHAP table terms are read
  // once for several invoices (which share the customer's features, so most of their trees' decisions). The outputs
  // and their order are those of one pass.
  const vector = new Float64Array(FEATURE_NAMES.length);
  // The customer's part of the vector once (its features are a name → value record); then each invoice's own part.
  writeCustomerInputs(input.features, vector);
  const toExplain: { at: number; invoice: (typeof input.openInvoices)[number]; vector: Float64Array; fast: Prediction; inOutlook: boolean }[] = [];
  const next: (CurrentPrediction | null)[] = [];
  for (const invoice of [...input.openInvoices].sort((a, b) => (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0))) {
    writeInvoiceInputs(invoice.features, vector);
    const fast = scorer.score(vector, { factors: 0 });
    const candidate = { ...fast, atRisk: fast.pOnTime < policy.atRisk, modelVersion };
    const current = currentBy.get(invoice.invoiceId);
    const inOutlook = !invoice.currencyMismatch;
    if (current !== undefined && !shouldEmit(current, candidate, policy.minChange)) {
      next.push({ ...current, openAmountMinor: invoice.openAmountMinor, currency: invoice.currency, inOutlook });
      continue;
    }
    toExplain.push({ at: next.length, invoice, vector: Float64Array.from(vector), fast, inOutlook });
    next.push(null);
  }
  const explained = policy.factors > 0 ? scorer.scoreMany(toExplain.map((e) => e.vector), { factors: policy.factors }) : toExplain.map((e) => e.fast);
  for (let e = 0; e < toExplain.length; e++) {
    const { at, invoice, vector, inOutlook } = toExplain[e] as (typeof toExplain)[number];
    const full = explained[e] as Prediction;
    const featureVectorId = scoredVectorId(customerId, invoice.invoiceId, asOf, version);
    log.push({ _id: featureVectorId, id: featureVectorId, customerId, invoiceId: invoice.invoiceId, kind: 'scored', asOf, invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate, featureSetVersion: FEATURE_SET_VERSION, customerVersion: version, values: loggedValues(vector) });
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
      openAmountMinor: invoice.openAmountMinor,
      currency: invoice.currency,
      inOutlook,
    };
    next[at] = prediction;
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
        openAmountMinor: invoice.openAmountMinor,
        currency: invoice.currency,
        topFactors,
        featureVectorId,
      },
    });
  }
  const predictions = next as CurrentPrediction[];

  const currency = input.customerCurrency ?? predictions.find((p) => p.inOutlook)?.currency ?? value.outlook?.currency ?? 'XXX';
  const outlook = outlookOf(predictions, { businessDate: asOf, modelVersion, currency, highLateShare: policy.highLateShare });
  const previousOutlook = value.outlook;
  // A customer that never had an open invoice scored has nothing to say yet.
  const emitOutlook = !sameOutlook(previousOutlook, outlook) && (previousOutlook !== null || outlook.openInvoiceCount > 0);
  const outlookEvent: CustomerPaymentOutlookEvent | null = emitOutlook
    ? { eventId: outlookEventId(customerId, modelVersion, version, asOf), eventTime: trigger.eventTime, customerId, causationId: trigger.eventId, type: 'CustomerPaymentOutlook', payload: outlook }
    : null;
  const scored = { customerVersion: version, asOf, modelVersion };
  value.scored = scored;
  value.predictions = predictions;
  if (emitOutlook) value.outlook = outlook;
  return { scored, log, predictions: events, outlook: outlookEvent, invoices: input.openInvoices.length };
}
