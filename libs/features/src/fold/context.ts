import type { EventEnvelope } from '@creditstream/schemas';
import { contributionOf, replaceContribution } from '../aggregates';
import { recomputeInvoice } from '../invoice';
import type { Anomaly, Rejection } from '../rejections';
import { compareStrings, findSorted } from '../sorted';
import type { CustomerState, InvoiceState } from '../state';

/** What one event's fold works on and reports. */
export interface FoldContext {
  state: CustomerState;
  /** Business date of the event being folded. */
  date: string;
  /** Invoices whose InvoiceState changed (may repeat; the caller sorts and dedupes). */
  changedInvoiceIds: string[];
  anomalies: Anomaly[];
}

/** An event whose id was seen before with identical content: accepted, changes nothing but the applied offset. */
export const IDENTICAL_DUPLICATE = 'IDENTICAL_DUPLICATE';

export interface Handler<E extends EventEnvelope<string, object>> {
  /**
   * Refuses the event, or recognises it as an identical duplicate, looking only at the event and at state built by
   * earlier events of the same topic (that is what keeps rejections independent of topic interleaving).
   */
  check(state: CustomerState | null, event: E): Rejection | typeof IDENTICAL_DUPLICATE | null;
  /** The event's business date; called after check passed. */
  businessDate(event: E): string;
  /** Folds the event in; called after check passed and asOf has moved to include businessDate. */
  apply(ctx: FoldContext, event: E): void;
}

export function findInvoice(state: CustomerState, invoiceId: string): InvoiceState | undefined {
  return findSorted(state.invoices, invoiceId, (inv, id) => compareStrings(inv.invoiceId, id));
}

export function customerCurrency(state: CustomerState): string | null {
  return state.registration === null ? null : state.registration.currency;
}

/**
 * Changes one invoice's facts through `mutate`, recomputes what follows from them and moves the invoice's
 * contribution in the customer aggregates. Every invoice change goes through here.
 */
export function changeInvoice(ctx: FoldContext, inv: InvoiceState, mutate: (inv: InvoiceState) => void): void {
  const before = contributionOf(inv);
  const overBefore = inv.overAppliedMinor;
  mutate(inv);
  recomputeInvoice(inv, customerCurrency(ctx.state));
  replaceContribution(ctx.state, before, inv);
  ctx.changedInvoiceIds.push(inv.invoiceId);
  if (inv.overAppliedMinor > overBefore) {
    ctx.anomalies.push({
      code: 'OVER_APPLIED',
      message: `invoice ${inv.invoiceId}: applications and credit notes reach ${inv.appliedMinor + inv.creditedMinor} for an amount of ${inv.amountMinor} ${inv.currency}; ${inv.overAppliedMinor} kept as over-applied`,
    });
  }
}
