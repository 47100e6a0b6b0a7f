import { isCurrency, type CustomerPaymentOutlookEvent, type InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import { isDate } from './dates';
import { reject, type Rejection } from './rejections';

// Checks of the scoring service's outputs, for the services that act on them (credit, collections): a prediction
// whose probabilities are not a distribution would compare false with every threshold (NaN) and start collections
// or fire credit rules on nothing. Same codes as the fold's.

/** How far the three probabilities may add up from 1 (the predictor's are within 1e-9). */
const SUM_TOLERANCE = 1e-6;

function probability(value: unknown, what: string): Rejection | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? null : reject('INVALID_EVENT', `${what} must be a probability in [0, 1], got ${String(value)}`);
}

function minorUnits(value: unknown, what: string): Rejection | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? null : reject('INVALID_AMOUNT', `${what} must be an integer of minor units >= 0, got ${String(value)}`);
}

/** Null when an invoice prediction can be acted on; otherwise the rejection naming the field. */
export function checkPrediction(e: InvoicePaymentPredictedEvent): Rejection | null {
  const p = e.payload;
  if (typeof p.invoiceId !== 'string' || p.invoiceId === '') return reject('INVALID_EVENT', 'InvoicePaymentPredicted.invoiceId must be a non-empty string');
  if (!isDate(p.businessDate)) return reject('INVALID_DATE', `InvoicePaymentPredicted.businessDate must be a calendar date, got ${JSON.stringify(p.businessDate)}`);
  for (const [name, value] of [['pOnTime', p.pOnTime], ['pLate', p.pLate], ['pVeryLate', p.pVeryLate]] as const) {
    const bad = probability(value, `InvoicePaymentPredicted.${name}`);
    if (bad) return bad;
  }
  const sum = p.pOnTime + p.pLate + p.pVeryLate;
  if (Math.abs(sum - 1) > SUM_TOLERANCE) return reject('INVALID_EVENT', `InvoicePaymentPredicted probabilities add up to ${sum}, not 1`);
  if (!isCurrency(p.currency)) return reject('INVALID_CURRENCY', `InvoicePaymentPredicted.currency must be an ISO 4217 code, got ${JSON.stringify(p.currency)}`);
  return minorUnits(p.openAmountMinor, 'InvoicePaymentPredicted.openAmountMinor');
}

/** Null when a customer outlook can be acted on; otherwise the rejection naming the field. */
export function checkOutlook(e: CustomerPaymentOutlookEvent): Rejection | null {
  const p = e.payload;
  if (!isDate(p.businessDate)) return reject('INVALID_DATE', `CustomerPaymentOutlook.businessDate must be a calendar date, got ${JSON.stringify(p.businessDate)}`);
  if (!isCurrency(p.currency)) return reject('INVALID_CURRENCY', `CustomerPaymentOutlook.currency must be an ISO 4217 code, got ${JSON.stringify(p.currency)}`);
  for (const [name, value] of [['openBalanceMinor', p.openBalanceMinor], ['expectedOnTimeMinor', p.expectedOnTimeMinor], ['expectedLateMinor', p.expectedLateMinor], ['expectedVeryLateMinor', p.expectedVeryLateMinor]] as const) {
    const bad = minorUnits(value, `CustomerPaymentOutlook.${name}`);
    if (bad) return bad;
  }
  // The expected amounts share the open balance out: three roundings, and the probabilities' own tolerance.
  const expected = p.expectedOnTimeMinor + p.expectedLateMinor + p.expectedVeryLateMinor;
  if (Math.abs(expected - p.openBalanceMinor) > 3 + p.openBalanceMinor * SUM_TOLERANCE) return reject('INVALID_AMOUNT', `CustomerPaymentOutlook expected amounts add up to ${expected}, not the open balance ${p.openBalanceMinor}`);
  return null;
}
