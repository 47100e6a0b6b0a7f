import type { CustomerPaymentOutlook } from '@creditstream/schemas';
import type { CurrentPrediction } from '../documents';

/**
 * The customer payment outlook of a customer's current predictions: Σ open amount × probability per bucket (rounded
 * to minor units), the at-risk count, and the high-late-balance flag (expected late + very late above
 * `highLateShare` of the open balance, compared before rounding). Invoices in another currency than the customer's
 * are left out: their amounts cannot be added.
 */
export function outlookOf(predictions: readonly CurrentPrediction[], context: { businessDate: string; modelVersion: string; currency: string; highLateShare: number }): CustomerPaymentOutlook {
  let open = 0;
  let onTime = 0;
  let late = 0;
  let veryLate = 0;
  let count = 0;
  let atRisk = 0;
  for (const p of predictions) {
    if (!p.inOutlook) continue;
    const amount = p.openAmountMinor;
    open += amount;
    onTime += amount * p.pOnTime;
    late += amount * p.pLate;
    veryLate += amount * p.pVeryLate;
    count += 1;
    if (p.atRisk) atRisk += 1;
  }
  return {
    businessDate: context.businessDate,
    modelVersion: context.modelVersion,
    currency: context.currency,
    openBalanceMinor: open,
    expectedOnTimeMinor: Math.round(onTime),
    expectedLateMinor: Math.round(late),
    expectedVeryLateMinor: Math.round(veryLate),
    highLateBalance: open > 0 && late + veryLate > context.highLateShare * open,
    openInvoiceCount: count,
    atRiskInvoiceCount: atRisk,
  };
}

/** Whether two outlooks say the same thing (the business date alone moving is not news). */
export function sameOutlook(a: CustomerPaymentOutlook | null, b: CustomerPaymentOutlook): boolean {
  if (a === null) return false;
  return (
    a.modelVersion === b.modelVersion &&
    a.currency === b.currency &&
    a.openBalanceMinor === b.openBalanceMinor &&
    a.expectedOnTimeMinor === b.expectedOnTimeMinor &&
    a.expectedLateMinor === b.expectedLateMinor &&
    a.expectedVeryLateMinor === b.expectedVeryLateMinor &&
    a.highLateBalance === b.highLateBalance &&
    a.openInvoiceCount === b.openInvoiceCount &&
    a.atRiskInvoiceCount === b.atRiskInvoiceCount
  );
}
