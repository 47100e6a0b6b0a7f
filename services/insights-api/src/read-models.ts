import type { CustomerCollectionsView } from '@creditstream/collections-service';
import type { CreditView, HoldView } from '@creditstream/credit-service';
import type { CustomerView } from '@creditstream/feature-service';
import type { CustomerState } from '@creditstream/features';
import type { CustomerPredictions } from '@creditstream/scoring-service';
import type { PaymentBucket, PredictionFactor } from '@creditstream/schemas';
import type { InterestNote, Letter } from './collections-documents';

/** The prediction of one open invoice, as the API shows it. */
export interface InvoicePrediction {
  pOnTime: number;
  pLate: number;
  pVeryLate: number;
  bucket: PaymentBucket;
  atRisk: boolean;
  topFactors: PredictionFactor[];
  modelVersion: string;
  businessDate: string;
}

/** One open invoice with its current prediction (null until the scoring service predicted it). */
export interface OpenInvoice {
  customerId: string;
  invoiceId: string;
  invoiceDate: string;
  dueDate: string;
  currency: string;
  amountMinor: number;
  openMinor: number;
  disputed: boolean;
  prediction: InvoicePrediction | null;
}

/** Expected payments of an open balance per bucket (Σ open amount × probability), in one currency. */
export interface ExpectedPayments {
  currency: string;
  openBalanceMinor: number;
  onTimeMinor: number;
  lateMinor: number;
  veryLateMinor: number;
  openInvoiceCount: number;
  atRiskInvoiceCount: number;
}

export interface SettledInvoice {
  invoiceId: string;
  invoiceDate: string;
  dueDate: string;
  settledOn: string;
  amountMinor: number;
  currency: string;
  daysLate: number;
}

export interface ReturnedPayment {
  paymentId: string;
  returnedOn: string;
  reason: string;
  amountMinor: number;
  feeMinor: number;
}

export interface Dispute {
  invoiceId: string;
  disputeId: string;
  amountMinor: number;
  reason: string;
  openedOn: string;
  resolvedOn: string | null;
  outcome: string | null;
}

/** What the customer list shows of a customer. */
export interface CustomerSummary {
  customerId: string;
  name: string | null;
  segment: string | null;
  currency: string | null;
  accountStatus: string;
  asOf: string;
  openBalanceMinor: number;
  overdueMinor: number;
  atRiskInvoiceCount: number;
  highLateBalance: boolean;
  expectedPayments: ExpectedPayments | null;
}

/** One order on the credit hold list. */
export type Hold = HoldView & { customerId: string; customerName: string | null };

/** What the credit service holds of a customer: limit, exposure, account, holds, pending adjustments. */
export type CustomerCredit = Omit<CreditView, 'partition'>;

/** What the collections service holds of a customer: aging, letters, promises, disputes, fees, interest, next action. */
export type CustomerCollections = Omit<CustomerCollectionsView, 'partition'>;

/** One row of the collections worklist: ranked by expected late + very late amount, then overdue amount. */
export type WorklistRow = CustomerCollections & { rank: number; expectedLateTotalMinor: number; name: string | null };

/** The customer page: state of business, predictions, payment history. */
export interface CustomerDetail extends CustomerSummary {
  stateOfBusiness: {
    openBalanceMinor: number;
    openInvoiceCount: number;
    overdueMinor: number;
    overdueInvoiceCount: number;
    maxDaysOverdue: number | null;
    creditLimitMinor: number | null;
    creditLimitUnlimited: boolean;
    creditUtilisation: number | null;
  };
  paymentHistory: {
    settledInvoiceCount: number;
    shareLate: number | null;
    shareVeryLate: number | null;
    meanDaysLate: number | null;
    /** The most recent settled invoices, newest first. */
    recentSettled: SettledInvoice[];
    returnedPayments: ReturnedPayment[];
    nsfCount: number;
    disputes: Dispute[];
  };
  openInvoices: OpenInvoice[];
  /** The credit service's view (limit, exposure, holds, pending adjustments); null until it has one of the customer. */
  credit: CustomerCredit | null;
  /** The collections service's view (aging, letters, promises, next action); null until it has one of the customer. */
  collections: CustomerCollections | null;
}

/** How many settled invoices the customer page lists. */
export const RECENT_SETTLED = 24;

/** Everything the API serves, built at once from the owners' read models: consistent within itself. */
export interface Snapshot {
  /** When it was loaded (wall clock, ms). */
  loadedAt: number;
  /** Latest business date of any customer. */
  businessDate: string | null;
  /** Sorted by customer id. */
  customers: CustomerSummary[];
  details: Map<string, CustomerDetail>;
  /** Every open invoice, sorted by (customerId, invoiceId). */
  invoices: OpenInvoice[];
  /** The at-risk invoices, most at risk first: by (pOnTime, customerId, invoiceId). */
  atRisk: OpenInvoice[];
  /** Company-wide expected payments per currency, sorted by currency. */
  expectedPayments: ExpectedPayments[];
  modelVersions: string[];
  /** The credit hold list, latest hold first: by (heldAt descending, customerId, orderId). */
  holds: Hold[];
  /** The collections worklist, by rank. */
  worklist: WorklistRow[];
  /** Collection letters, latest first (from the collections service's actions log). */
  letters: readonly Letter[];
  /** Interest notes with their current status, latest first. */
  interestNotes: readonly InterestNote[];
}

const finite = (x: number | undefined | null): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function predictionOf(p: CustomerPredictions['predictions'][number]): InvoicePrediction {
  return {
    pOnTime: p.pOnTime,
    pLate: p.pLate,
    pVeryLate: p.pVeryLate,
    bucket: p.predictedBucket,
    atRisk: p.atRisk,
    topFactors: p.topFactors,
    modelVersion: p.modelVersion,
    businessDate: p.businessDate,
  };
}

/** Expected payments of invoices in one currency; invoices without a prediction count fully as open, not expected. */
export function expectedPaymentsOf(currency: string, invoices: readonly OpenInvoice[]): ExpectedPayments {
  const e: ExpectedPayments = { currency, openBalanceMinor: 0, onTimeMinor: 0, lateMinor: 0, veryLateMinor: 0, openInvoiceCount: 0, atRiskInvoiceCount: 0 };
  let onTime = 0;
  let late = 0;
  let veryLate = 0;
  for (const i of invoices) {
    if (i.currency !== currency) continue;
    e.openBalanceMinor += i.openMinor;
    e.openInvoiceCount += 1;
    if (i.prediction === null) continue;
    onTime += i.openMinor * i.prediction.pOnTime;
    late += i.openMinor * i.prediction.pLate;
    veryLate += i.openMinor * i.prediction.pVeryLate;
    if (i.prediction.atRisk) e.atRiskInvoiceCount += 1;
  }
  e.onTimeMinor = Math.round(onTime);
  e.lateMinor = Math.round(late);
  e.veryLateMinor = Math.round(veryLate);
  return e;
}

/** A customer's payment history from its committed feature state. */
function historyOf(state: CustomerState | undefined, features: Record<string, number>): CustomerDetail['paymentHistory'] {
  const settled: SettledInvoice[] = [];
  const disputes: Dispute[] = [];
  for (const inv of state?.invoices ?? []) {
    if (inv.status === 'SETTLED' && inv.settledOn !== null && inv.daysLate !== null) {
      settled.push({ invoiceId: inv.invoiceId, invoiceDate: inv.invoiceDate, dueDate: inv.dueDate, settledOn: inv.settledOn, amountMinor: inv.amountMinor, currency: inv.currency, daysLate: inv.daysLate });
    }
    for (const d of inv.disputes) disputes.push({ invoiceId: inv.invoiceId, disputeId: d.disputeId, amountMinor: d.amountMinor, reason: d.reason, openedOn: d.openedOn, resolvedOn: d.resolvedOn, outcome: d.outcome });
  }
  settled.sort((a, b) => (a.settledOn === b.settledOn ? (a.invoiceId < b.invoiceId ? 1 : -1) : a.settledOn < b.settledOn ? 1 : -1));
  disputes.sort((a, b) => (a.openedOn === b.openedOn ? 0 : a.openedOn < b.openedOn ? 1 : -1));
  return {
    settledInvoiceCount: finite(features.settled_count) ?? settled.length,
    shareLate: finite(features.share_late_all),
    shareVeryLate: finite(features.share_very_late_all),
    meanDaysLate: finite(features.mean_days_late_all),
    recentSettled: settled.slice(0, RECENT_SETTLED),
    returnedPayments: (state?.returns ?? []).map((r) => ({ paymentId: r.paymentId, returnedOn: r.returnedOn, reason: r.reason, amountMinor: r.amountMinor, feeMinor: r.feeMinor })).reverse(),
    nsfCount: state?.returnSummary.nsfCount ?? finite(features.nsf_count) ?? 0,
    disputes,
  };
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds the snapshot from the feature service's views and states and the scoring service's predictions. Pure.
 * A customer is listed once the feature service has a view of it; predictions of customers it has no view of yet
 * are left out until it has.
 */
export function buildSnapshot(views: readonly CustomerView[], states: ReadonlyMap<string, { state: CustomerState }>, predictions: ReadonlyMap<string, CustomerPredictions>, loadedAt: number, credit: readonly CreditView[] = [], collections: readonly CustomerCollectionsView[] = [], documents: { letters: readonly Letter[]; interestNotes: readonly InterestNote[] } = { letters: [], interestNotes: [] }): Snapshot {
  const creditOf = new Map(credit.map((c) => [c.customerId, c]));
  const collectionsOf = new Map(collections.map((c) => [c.customerId, c]));
  const customers: CustomerSummary[] = [];
  const details = new Map<string, CustomerDetail>();
  const invoices: OpenInvoice[] = [];
  const versions = new Set<string>();
  let businessDate: string | null = null;
  for (const view of [...views].sort((a, b) => byKey(a.customerId, b.customerId))) {
    const predicted = predictions.get(view.customerId);
    const byInvoice = new Map((predicted?.predictions ?? []).map((p) => [p.invoiceId, p]));
    const open: OpenInvoice[] = view.openInvoices
      .map((i) => {
        const p = byInvoice.get(i.invoiceId);
        if (p) versions.add(p.modelVersion);
        return { customerId: view.customerId, invoiceId: i.invoiceId, invoiceDate: i.invoiceDate, dueDate: i.dueDate, currency: i.currency, amountMinor: i.amountMinor, openMinor: i.openMinor, disputed: i.disputed, prediction: p ? predictionOf(p) : null };
      })
      .sort((a, b) => byKey(a.invoiceId, b.invoiceId));
    invoices.push(...open);
    const f = view.features;
    const currency = view.currency;
    const expected = currency === null ? null : expectedPaymentsOf(currency, open);
    const outlook = predicted?.outlook ?? null;
    const state = states.get(view.customerId)?.state;
    if (businessDate === null || view.asOf > businessDate) businessDate = view.asOf;
    const summary: CustomerSummary = {
      customerId: view.customerId,
      name: state?.registration?.name ?? null,
      segment: view.segment,
      currency,
      accountStatus: view.accountStatus,
      asOf: view.asOf,
      openBalanceMinor: expected?.openBalanceMinor ?? open.reduce((s, i) => s + i.openMinor, 0),
      overdueMinor: finite(f.overdue_amount) ?? 0,
      atRiskInvoiceCount: open.filter((i) => i.prediction?.atRisk === true).length,
      highLateBalance: outlook?.highLateBalance ?? false,
      expectedPayments: expected,
    };
    customers.push(summary);
    details.set(view.customerId, {
      ...summary,
      stateOfBusiness: {
        openBalanceMinor: summary.openBalanceMinor,
        openInvoiceCount: open.length,
        overdueMinor: summary.overdueMinor,
        overdueInvoiceCount: finite(f.overdue_count) ?? 0,
        maxDaysOverdue: finite(f.max_days_overdue),
        creditLimitMinor: finite(f.credit_limit),
        creditLimitUnlimited: f.credit_limit_unlimited === 1,
        creditUtilisation: finite(f.credit_utilisation),
      },
      paymentHistory: historyOf(state, f),
      openInvoices: open,
      credit: creditView(creditOf.get(view.customerId)),
      collections: withoutPartition(collectionsOf.get(view.customerId)),
    });
  }
  const atRisk = invoices.filter((i) => i.prediction?.atRisk === true).sort(compareAtRisk);
  const holds: Hold[] = credit
    .flatMap((c) => c.holds.map((h) => ({ ...h, customerId: c.customerId, customerName: details.get(c.customerId)?.name ?? null })))
    .sort(compareHolds);
  // The worklist ranks like the collections service's own reader (CollectionsReader.worklist).
  const worklist: WorklistRow[] = collections
    .filter((v) => v.openMinor > 0)
    .map((v) => ({ ...(withoutPartition(v) as CustomerCollections), expectedLateTotalMinor: v.expectedLateMinor + v.expectedVeryLateMinor, rank: 0, name: details.get(v.customerId)?.name ?? null }))
    .sort((a, b) => b.expectedLateTotalMinor - a.expectedLateTotalMinor || b.overdueMinor - a.overdueMinor || byKey(a.customerId, b.customerId));
  worklist.forEach((r, i) => (r.rank = i + 1));
  const currencies = [...new Set(invoices.map((i) => i.currency))].sort();
  return { loadedAt, businessDate, customers, details, invoices, atRisk, expectedPayments: currencies.map((c) => expectedPaymentsOf(c, invoices)), modelVersions: [...versions].sort(), holds, worklist, letters: documents.letters, interestNotes: documents.interestNotes };
}

/** Order of the at-risk list: lowest P(on time) first, then customer and invoice id. */
export function compareAtRisk(a: OpenInvoice, b: OpenInvoice): number {
  const d = (a.prediction?.pOnTime ?? 1) - (b.prediction?.pOnTime ?? 1);
  if (d !== 0) return d;
  return byKey(a.customerId, b.customerId) || byKey(a.invoiceId, b.invoiceId);
}

function creditView(v: CreditView | undefined): CustomerCredit | null {
  if (v === undefined) return null;
  const { partition: _partition, ...rest } = v;
  return rest;
}

/** Order of the hold list: latest hold first, then customer and order id. */
export function compareHolds(a: Hold, b: Hold): number {
  return byKey(b.heldAt, a.heldAt) || byKey(a.customerId, b.customerId) || byKey(a.orderId, b.orderId);
}

function withoutPartition<T extends { partition: number }>(v: T | undefined): Omit<T, 'partition'> | null {
  if (v === undefined) return null;
  const { partition: _partition, ...rest } = v;
  return rest;
}
