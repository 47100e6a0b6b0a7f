import { isCurrency, type CustomerEnvelope, type InvoiceEnvelope, type OrderPlacedEvent, type PaymentEnvelope } from '@creditstream/schemas';
import { MAX_AMOUNT_MINOR } from '@creditstream/features';
import type { Rejection } from '@creditstream/streams';

// What the fraud service checks of the events it folds (the codes are the feature service's, so a bad event has the
// same reason in every dead-letter topic). Only the fields it reads are checked: it is not the validator of record.

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(value: unknown): boolean {
  return typeof value === 'string' && DATE_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00.000Z`)) && new Date(`${value}T00:00:00.000Z`).toISOString().startsWith(value);
}

const invalid = (message: string): Rejection => ({ code: 'INVALID_EVENT', message });
const amount = (value: unknown, what: string, positive: boolean): Rejection | null => {
  if (Number.isSafeInteger(value) && (value as number) > MAX_AMOUNT_MINOR) return { code: 'INVALID_AMOUNT', message: `${what} is ${String(value)}, above the largest amount accepted (${MAX_AMOUNT_MINOR} minor units)` };
  return Number.isSafeInteger(value) && (positive ? (value as number) > 0 : (value as number) >= 0) ? null : { code: 'INVALID_AMOUNT', message: `${what} must be ${positive ? 'a positive integer' : 'an integer >= 0'} of minor units, got ${JSON.stringify(value)}` };
};
const currency = (value: unknown, what: string): Rejection | null => (typeof value === 'string' && isCurrency(value) ? null : { code: 'INVALID_CURRENCY', message: `${what} must be an ISO 4217 currency code, got ${JSON.stringify(value)}` });
const date = (value: unknown, what: string): Rejection | null => (isDate(value) ? null : { code: 'INVALID_DATE', message: `${what} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}` });

function first(...checks: (Rejection | null)[]): Rejection | null {
  for (const c of checks) if (c !== null) return c;
  return null;
}

/** The envelope: an id, a business time, a customer id that is the message key. */
export function checkEnvelope(e: { eventId?: unknown; eventTime?: unknown; customerId?: unknown }, key: string | null, time: number): Rejection | null {
  if (typeof e.eventId !== 'string' || e.eventId === '') return invalid(`eventId must be a non-empty string, got ${JSON.stringify(e.eventId)}`);
  if (typeof e.customerId !== 'string' || e.customerId === '' || e.customerId === '*') return invalid(`customerId must be a customer id, got ${JSON.stringify(e.customerId)}`);
  if (key !== null && key !== e.customerId) return invalid(`customerId ${JSON.stringify(e.customerId)} is not the message key ${JSON.stringify(key)}`);
  if (!Number.isFinite(time)) return { code: 'INVALID_DATE', message: `eventTime must be a timestamp, got ${JSON.stringify(e.eventTime)}` };
  return null;
}

/** An order placed: what its check reads. */
export function checkOrderPlaced(e: OrderPlacedEvent): Rejection | null {
  const p = e.payload;
  return first(
    typeof p.orderId === 'string' && p.orderId !== '' ? null : invalid(`OrderPlaced.orderId must be a non-empty string, got ${JSON.stringify(p.orderId)}`),
    amount(p.amountMinor, 'OrderPlaced.amountMinor', true),
    currency(p.currency, 'OrderPlaced.currency'),
    Number.isSafeInteger(p.lineCount) && p.lineCount >= 0 ? null : invalid(`OrderPlaced.lineCount must be an integer >= 0, got ${JSON.stringify(p.lineCount)}`),
    date(p.orderDate, 'OrderPlaced.orderDate'),
  );
}

/** A customer event: what the history folds of it. */
export function checkCustomerEvent(e: CustomerEnvelope): Rejection | null {
  switch (e.type) {
    case 'CustomerRegistered':
      return first(date(e.payload.openedOn, 'CustomerRegistered.openedOn'), currency(e.payload.currency, 'CustomerRegistered.currency'));
    case 'CreditLimitSet':
      return first(amount(e.payload.amountMinor, 'CreditLimitSet.amountMinor', false), e.payload.expiresOn === null ? null : date(e.payload.expiresOn, 'CreditLimitSet.expiresOn'));
    default:
      return null;
  }
}

/** An invoice event: its amount, and an invoice's dates (the history ages it by them). */
export function checkInvoiceEvent(e: InvoiceEnvelope): Rejection | null {
  const p = e.payload as { amountMinor?: unknown; currency?: unknown };
  if (e.type === 'InvoiceDisputed' || e.type === 'DisputeResolved') return null;
  const bad = first(amount(p.amountMinor, `${e.type}.amountMinor`, true), currency(p.currency, `${e.type}.currency`));
  if (bad || e.type !== 'InvoiceIssued') return bad;
  const { invoiceDate, dueDate } = e.payload;
  return first(
    date(invoiceDate, 'InvoiceIssued.invoiceDate'),
    date(dueDate, 'InvoiceIssued.dueDate'),
    dueDate < invoiceDate ? { code: 'INVALID_DATE', message: `InvoiceIssued.dueDate ${dueDate} is before invoiceDate ${invoiceDate}` } : null,
  );
}

/** A payment event: its applications. */
export function checkPaymentEvent(e: PaymentEnvelope): Rejection | null {
  const applications = e.type === 'PaymentReceived' ? e.payload.applications : e.payload.reversedApplications;
  for (const a of applications) {
    const bad = amount(a.amountMinor, `${e.type} application to ${a.invoiceId}`, true);
    if (bad) return bad;
  }
  return currency(e.payload.currency, `${e.type}.currency`);
}
