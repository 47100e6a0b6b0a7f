import { daysBetween } from './dates';
import type { AppliedPayment, CreditNote, InvoiceState } from './state';
import { compareStrings } from './sorted';

/** Orders applications by (receivedOn, paymentId): the order the settlement date is computed in. */
export function compareApplications(a: AppliedPayment, b: AppliedPayment): number {
  return compareStrings(a.receivedOn, b.receivedOn) || compareStrings(a.paymentId, b.paymentId);
}

/** Orders credit notes by (creditedOn, creditNoteId). */
export function compareCredits(a: CreditNote, b: CreditNote): number {
  return compareStrings(a.creditedOn, b.creditedOn) || compareStrings(a.creditNoteId, b.creditNoteId);
}

/** True when an application reduces the invoice: not reversed by a returned payment, and in the invoice's currency. */
export function applicationCounts(inv: InvoiceState, p: AppliedPayment): boolean {
  return p.reversedOn === null && p.currency === inv.currency;
}

/**
 * The business date on which the counted applications and credit notes, taken in date order, reached the invoice
 * amount; null when they never did. Within one date the order does not matter (the date is what is reported), so
 * the result depends only on the set of facts.
 */
function settlementDate(inv: InvoiceState): string | null {
  let cum = 0;
  let i = 0;
  let j = 0;
  const ps = inv.payments;
  const cs = inv.credits;
  while (i < ps.length || j < cs.length) {
    const p = ps[i];
    const c = cs[j];
    let date: string;
    if (p !== undefined && (c === undefined || p.receivedOn <= c.creditedOn)) {
      date = p.receivedOn;
      if (applicationCounts(inv, p)) cum += p.amountMinor;
      i++;
    } else {
      const credit = c as CreditNote;
      date = credit.creditedOn;
      cum += credit.amountMinor;
      j++;
    }
    // Take every fact of the same date before testing, so ties cannot change the answer.
    const next = nextDate(ps[i], cs[j]);
    if (next !== date && cum >= inv.amountMinor) return date;
  }
  return null;
}

function nextDate(p: AppliedPayment | undefined, c: CreditNote | undefined): string | null {
  if (p === undefined) return c === undefined ? null : c.creditedOn;
  if (c === undefined) return p.receivedOn;
  return p.receivedOn <= c.creditedOn ? p.receivedOn : c.creditedOn;
}

/**
 * Recomputes an invoice's derived fields from its facts. `customerCurrency` is the registered customer's currency
 * (null while unregistered). O(applications + credit notes + disputes) of this one invoice.
 */
export function recomputeInvoice(inv: InvoiceState, customerCurrency: string | null): void {
  let applied = 0;
  for (const p of inv.payments) if (applicationCounts(inv, p)) applied += p.amountMinor;
  let credited = 0;
  for (const c of inv.credits) credited += c.amountMinor;
  const reduced = applied + credited;
  inv.appliedMinor = applied;
  inv.creditedMinor = credited;
  inv.overAppliedMinor = Math.max(0, reduced - inv.amountMinor);
  inv.disputedNow = inv.disputes.some((d) => d.resolvedOn === null);
  inv.currencyMismatch = customerCurrency !== null && customerCurrency !== inv.currency;
  if (inv.writeOff !== null) {
    inv.status = 'WRITTEN_OFF';
    inv.openMinor = 0;
    inv.settledOn = null;
    inv.daysLate = null;
  } else if (reduced >= inv.amountMinor) {
    const settledOn = settlementDate(inv) as string;
    inv.status = 'SETTLED';
    inv.openMinor = 0;
    inv.settledOn = settledOn;
    inv.daysLate = daysBetween(inv.dueDate, settledOn);
  } else {
    inv.status = 'OPEN';
    inv.openMinor = inv.amountMinor - reduced;
    inv.settledOn = null;
    inv.daysLate = null;
  }
}

/** Days the invoice is past its due date as of `asOf` (0 when not due yet or not open). */
export function daysOverdue(inv: InvoiceState, asOf: string): number {
  if (inv.status !== 'OPEN') return 0;
  return Math.max(0, daysBetween(inv.dueDate, asOf));
}
