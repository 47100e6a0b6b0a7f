import { INVOICE_FEATURE_NAMES, isDate, MAX_AMOUNT_MINOR } from '@creditstream/features';
import { isCurrency, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import type { Rejection } from '@creditstream/streams';

// What the scoring service checks of a `customer features changed` before it keeps it as the customer's input: the
// event is scored again after every model publication, so one it cannot score would fail again each time. The codes
// are the feature service's, so a bad event has the same reason in every dead-letter topic.

const invalid = (message: string): Rejection => ({ code: 'INVALID_EVENT', message });

/** Null when the event can be scored; otherwise the rejection naming the field (ids are not quoted). */
export function checkFeaturesChanged(e: CustomerFeaturesChangedEvent, key: string | null): Rejection | null {
  if (typeof e.customerId !== 'string' || e.customerId === '' || e.customerId === '*') return invalid('customerId must name a customer');
  if (key !== null && key !== e.customerId) return invalid('customerId is not the message key');
  const p = e.payload;
  if (!Number.isSafeInteger(p.version) || p.version < 0) return invalid(`version must be an integer >= 0, got ${String(p.version)}`);
  if (!isDate(p.businessDate)) return { code: 'INVALID_DATE', message: `businessDate must be a calendar date, got ${JSON.stringify(p.businessDate)}` };
  if (p.currency !== null && !isCurrency(p.currency)) return { code: 'INVALID_CURRENCY', message: `currency must be an ISO 4217 code or null, got ${JSON.stringify(p.currency)}` };
  for (const name in p.features) if (typeof p.features[name] !== 'number') return invalid(`feature ${name} must be a number`);
  const width = INVOICE_FEATURE_NAMES.length;
  for (let i = 0; i < p.openInvoices.length; i++) {
    const inv = p.openInvoices[i] as CustomerFeaturesChangedEvent['payload']['openInvoices'][number];
    const what = `openInvoices[${i}]`;
    if (typeof inv.invoiceId !== 'string' || inv.invoiceId === '') return invalid(`${what}.invoiceId must be a non-empty string`);
    if (!isCurrency(inv.currency)) return { code: 'INVALID_CURRENCY', message: `${what}.currency must be an ISO 4217 code, got ${JSON.stringify(inv.currency)}` };
    if (!Number.isSafeInteger(inv.openAmountMinor) || inv.openAmountMinor < 0 || inv.openAmountMinor > MAX_AMOUNT_MINOR) return { code: 'INVALID_AMOUNT', message: `${what}.openAmountMinor must be an integer from 0 to ${MAX_AMOUNT_MINOR} minor units, got ${String(inv.openAmountMinor)}` };
    if (!isDate(inv.invoiceDate) || !isDate(inv.dueDate) || inv.dueDate < inv.invoiceDate) return { code: 'INVALID_DATE', message: `${what}: invoiceDate ${String(inv.invoiceDate)} and dueDate ${String(inv.dueDate)} must be calendar dates, the due date not before the invoice date` };
    if (!Array.isArray(inv.features) || inv.features.length !== width) return invalid(`${what}.features must hold the ${width} invoice features, got ${Array.isArray(inv.features) ? inv.features.length : typeof inv.features}`);
  }
  return null;
}
