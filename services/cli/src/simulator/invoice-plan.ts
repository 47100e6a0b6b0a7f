import type { DisputeOutcome } from '@creditstream/schemas';
import { addBusinessDays, onOrAfterBusinessDay, onOrBeforeBusinessDay } from '../calendar/business-days';
import type { BehaviourParams } from './behaviours';
import { type Bucket, bucketOf, type InvoiceOutlook, VERY_LATE_AFTER_DAYS } from './lateness';
import type { Prng } from './prng';

/** What will happen to an invoice, decided when it is issued and carried out on the days named. */
export type InvoiceAction =
  | { readonly day: number; readonly kind: 'dispute-open'; readonly fraction: number; readonly reason: string }
  | { readonly day: number; readonly kind: 'dispute-resolve'; readonly outcome: DisputeOutcome; readonly creditFraction: number }
  | { readonly day: number; readonly kind: 'partial-payment'; readonly fraction: number }
  /** Pays the open amount with a payment the bank returns on `returnDay`. */
  | { readonly day: number; readonly kind: 'nsf-attempt'; readonly returnDay: number }
  | { readonly day: number; readonly kind: 'final-payment' }
  | { readonly day: number; readonly kind: 'block-account' }
  | { readonly day: number; readonly kind: 'write-off' };

export interface InvoicePlan {
  readonly bucket: Bucket;
  readonly disputed: boolean;
  /** Business day the invoice is fully paid; null when it is never paid (written off). */
  readonly settlementDay: number | null;
  readonly actions: readonly InvoiceAction[];
}

const DISPUTE_REASONS = ['pricing', 'quantity', 'quality', 'not-received', 'duplicate-billing'] as const;

/** The business day in [lo, hi] nearest to `target` (forward first), or null when the range has none. */
export function businessDayIn(lo: number, hi: number, target: number): number | null {
  if (lo > hi) return null;
  const t = Math.min(hi, Math.max(lo, Math.round(target)));
  const forward = onOrAfterBusinessDay(t);
  if (forward <= hi) return forward;
  const backward = onOrBeforeBusinessDay(t);
  return backward >= lo ? backward : null;
}

/**
 * Decides an invoice's fate from its true bucket probabilities: first whether a dispute will come (with the
 * designed dispute probability), then the bucket from the matching conditional distribution, so that the bucket's
 * marginal probabilities are exactly `outlook.probabilities`. Then the days: settlement inside the bucket's range,
 * dispute before settlement, partial payments and bounced (NSF) attempts before the final payment.
 */
export function planInvoice(prng: Prng, params: BehaviourParams, outlook: InvoiceOutlook, invoiceDay: number, dueDay: number): InvoicePlan {
  const disputed = prng.chance(outlook.disputeProbability);
  const bucket = bucketOf(disputed ? outlook.withDispute : outlook.withoutDispute, prng.next());
  const actions: InvoiceAction[] = [];
  // A disputed invoice needs room for opening and resolving the dispute before it is paid.
  const earliestPay = addBusinessDays(invoiceDay, disputed ? 3 : 1);

  let settlementDay: number | null;
  if (bucket === 'ON_TIME') {
    settlementDay = businessDayIn(earliestPay, dueDay, dueDay - Math.floor(prng.exponential(params.earlyDaysMean)));
  } else if (bucket === 'LATE') {
    settlementDay = businessDayIn(Math.max(earliestPay, dueDay + 1), dueDay + VERY_LATE_AFTER_DAYS, dueDay + 1 + Math.floor(prng.exponential(params.lateDaysMean)));
  } else if (prng.chance(params.writeOffShare)) {
    settlementDay = null;
  } else {
    const lo = dueDay + VERY_LATE_AFTER_DAYS + 1;
    settlementDay = businessDayIn(lo, lo + 400, lo + Math.floor(prng.exponential(params.veryLateExtraMean)));
  }
  // Every bucket range holds several business days, so this cannot happen; fail loudly rather than mislabel.
  if (bucket !== 'VERY_LATE' && settlementDay === null) throw new Error(`no business day for a ${bucket} payment of an invoice due on day ${dueDay}`);

  let afterDay = invoiceDay;
  if (disputed) {
    const openHi = settlementDay === null ? addBusinessDays(invoiceDay, 10) : Math.min(addBusinessDays(invoiceDay, 10), addBusinessDays(settlementDay, -2));
    const openDay = businessDayIn(addBusinessDays(invoiceDay, 1), openHi, invoiceDay + 1 + prng.exponential(3)) ?? addBusinessDays(invoiceDay, 1);
    const resolveHi = settlementDay ?? addBusinessDays(openDay, 40);
    const resolveDay = businessDayIn(addBusinessDays(openDay, 1), resolveHi, openDay + 1 + prng.exponential(12)) ?? addBusinessDays(openDay, 1);
    const outcome = prng.weighted({ UPHELD: 0.5, PARTIALLY_CREDITED: 0.35, WITHDRAWN: 0.15 });
    actions.push({ day: openDay, kind: 'dispute-open', fraction: prng.chance(0.6) ? 1 : prng.uniform(0.1, 0.6), reason: prng.pick(DISPUTE_REASONS) });
    actions.push({ day: resolveDay, kind: 'dispute-resolve', outcome, creditFraction: outcome === 'PARTIALLY_CREDITED' ? prng.uniform(0.05, 0.3) : 0 });
    afterDay = resolveDay;
  }

  if (settlementDay !== null) {
    if (prng.chance(params.partialRate)) {
      const day = businessDayIn(addBusinessDays(afterDay, 1), addBusinessDays(settlementDay, -2), prng.uniform(afterDay, settlementDay));
      if (day !== null) {
        actions.push({ day, kind: 'partial-payment', fraction: prng.uniform(0.2, 0.6) });
        afterDay = day;
      }
    }
    if (prng.chance(params.nsfRate)) {
      const day = businessDayIn(addBusinessDays(afterDay, 1), addBusinessDays(settlementDay, -3), settlementDay - prng.int(5, 15));
      if (day !== null) actions.push({ day, kind: 'nsf-attempt', returnDay: addBusinessDays(day, 2) });
    }
    actions.push({ day: settlementDay, kind: 'final-payment' });
  } else {
    // Never paid: perhaps a cheque that bounces, then the account is blocked and the debt written off.
    if (prng.chance(Math.min(1, params.nsfRate * 2))) {
      const day = businessDayIn(addBusinessDays(afterDay, 1), dueDay + 40, dueDay + prng.int(5, 30));
      if (day !== null) actions.push({ day, kind: 'nsf-attempt', returnDay: addBusinessDays(day, 2) });
    }
    actions.push({ day: onOrAfterBusinessDay(dueDay + prng.int(40, 60)), kind: 'block-account' });
    actions.push({ day: onOrAfterBusinessDay(dueDay + prng.int(120, 180)), kind: 'write-off' });
  }
  return { bucket, disputed, settlementDay, actions };
}
