import type { OpenInvoiceFeatures } from '@creditstream/schemas';
import { overdueSummary } from './aging';
import { bucketOf } from './buckets';
import { effectiveCreditLimit } from './credit';
import { dateOfDay, dayNumber } from './dates';
import { AsOfBeforeStateError } from './errors';
import { compareStrings, findSorted, upperBound } from './sorted';
import { LAST_N, type CustomerState, type InvoiceState, type LatenessSums, type SettlementEntry } from './state';

// The one feature function used for training and for serving (DESIGN.md principle 5). Units follow the
// `customer features changed` contract: amounts in minor units, shares in [0, 1], durations in days. A value that
// is not defined yet (no settled invoice, no credit limit, unregistered customer) is NaN in vectors and absent from
// the customerFeatures record. Lateness shares use the default buckets (V = 30, G = 0) whatever the model's label
// buckets are: they are inputs, and fixing them keeps the feature log valid across bucket settings.

/** Version of the feature definitions below; bump it on any change of name, order or meaning. */
export const FEATURE_SET_VERSION = 'features-v1';

/** Features of the invoice itself, first in the vector. */
export const INVOICE_FEATURE_NAMES = [
  'invoice_amount',
  'invoice_terms_days',
  'invoice_days_to_due',
  'invoice_days_past_due',
  'invoice_age_days',
  'invoice_paid_amount',
  'invoice_paid_share',
  'invoice_credited_amount',
  'invoice_open_amount',
  'invoice_open_share_of_balance',
  'invoice_disputed',
  'invoice_dispute_count',
  'invoice_payment_reversals',
] as const;

/** Customer-history features, after the invoice features; also the `customer features changed` map. */
export const CUSTOMER_FEATURE_NAMES = [
  'settled_count',
  'share_late_all',
  'share_very_late_all',
  'mean_days_late_all',
  'max_days_late_all',
  'settled_count_90d',
  'share_late_90d',
  'share_very_late_90d',
  'mean_days_late_90d',
  'settled_count_180d',
  'share_late_180d',
  'share_very_late_180d',
  'mean_days_late_180d',
  'settled_count_365d',
  'share_late_365d',
  'share_very_late_365d',
  'mean_days_late_365d',
  'last_n_count',
  'last_n_mean_days_late',
  'last_n_share_late',
  'last_n_share_very_late',
  'last_days_late',
  'days_late_trend',
  'open_count',
  'open_amount',
  'overdue_count',
  'overdue_amount',
  'max_days_overdue',
  'credit_limit',
  'credit_limit_unlimited',
  'credit_limit_temporary',
  'credit_limit_expired',
  'credit_utilisation',
  'nsf_count',
  'days_since_last_nsf',
  'returned_payment_count',
  'dispute_count',
  'open_dispute_count',
  'written_off_count',
  'written_off_amount',
  'tenure_days',
  'order_value_30d',
  'order_value_90d',
  'open_orders_amount',
  'payment_count',
  'share_bank_transfer',
  'share_direct_debit',
  'share_check',
  'share_card',
  'share_other',
  'account_status',
  'customer_terms_days',
] as const;

export type InvoiceFeatureName = (typeof INVOICE_FEATURE_NAMES)[number];
export type CustomerFeatureName = (typeof CUSTOMER_FEATURE_NAMES)[number];
export type FeatureName = InvoiceFeatureName | CustomerFeatureName;

/** Every feature, in the model's column order: the invoice features, then the customer features. */
export const FEATURE_NAMES: readonly FeatureName[] = Object.freeze([...INVOICE_FEATURE_NAMES, ...CUSTOMER_FEATURE_NAMES]);

const INVOICE_COUNT = INVOICE_FEATURE_NAMES.length;

/** Index of an invoice feature in the full vector. */
const I = Object.fromEntries(INVOICE_FEATURE_NAMES.map((n, i) => [n, i])) as Record<InvoiceFeatureName, number>;

/** Index of a customer feature in a customer vector. */
const C = Object.fromEntries(CUSTOMER_FEATURE_NAMES.map((n, i) => [n, i])) as Record<CustomerFeatureName, number>;

const ratio = (num: number, den: number): number => (den > 0 ? num / den : NaN);

function checkAsOf(state: CustomerState, asOf: string): void {
  if (asOf < state.asOf) throw new AsOfBeforeStateError(asOf, state.asOf);
}

/**
 * Lateness sums of the settlements in the window of `days` ending at `asOf`. At the state's own business date the
 * incrementally kept sums answer in O(1); at a later date the retained settlement list (which holds every
 * settlement of the last 365 days of the state's asOf, so every one a later window can contain) is scanned.
 */
function windowSums(state: CustomerState, days: number, asOf: string): LatenessSums {
  if (asOf === state.asOf) {
    const w = state.lateness.windows.find((x) => x.days === days);
    if (w !== undefined) return w;
  }
  const list = state.settlements;
  const from = upperBound(list, dateOfDay(dayNumber(asOf) - days), (e, d) => compareStrings(e.settledOn, d));
  const sums: LatenessSums = { count: 0, onTime: 0, late: 0, veryLate: 0, daysLateSum: 0 };
  for (let i = from; i < list.length; i++) {
    const e = list[i] as SettlementEntry;
    sums.count += 1;
    sums.daysLateSum += e.daysLate;
    const b = bucketOf(e.daysLate);
    if (b === 'ON_TIME') sums.onTime += 1;
    else if (b === 'LATE') sums.late += 1;
    else sums.veryLate += 1;
  }
  return sums;
}

/**
 * The customer-history features of `state` as of `asOf` (default: the state's business date), in
 * {@link CUSTOMER_FEATURE_NAMES} order, NaN where undefined. O(window + open invoices + retained orders).
 * @throws AsOfBeforeStateError when asOf is before the state's business date.
 */
export function customerFeatureVector(state: CustomerState, asOf: string = state.asOf): Float64Array {
  checkAsOf(state, asOf);
  const v = new Float64Array(CUSTOMER_FEATURE_NAMES.length).fill(NaN);
  const asOfDay = dayNumber(asOf);

  const all = state.lateness.all;
  v[C.settled_count] = all.count;
  v[C.share_late_all] = ratio(all.late, all.count);
  v[C.share_very_late_all] = ratio(all.veryLate, all.count);
  v[C.mean_days_late_all] = ratio(all.daysLateSum, all.count);
  const hist = state.lateness.histogram;
  const top = hist[hist.length - 1];
  if (top !== undefined) v[C.max_days_late_all] = top.daysLate;

  for (const [days, count, late, veryLate, mean] of [
    [90, C.settled_count_90d, C.share_late_90d, C.share_very_late_90d, C.mean_days_late_90d],
    [180, C.settled_count_180d, C.share_late_180d, C.share_very_late_180d, C.mean_days_late_180d],
    [365, C.settled_count_365d, C.share_late_365d, C.share_very_late_365d, C.mean_days_late_365d],
  ] as const) {
    const w = windowSums(state, days, asOf);
    v[count] = w.count;
    v[late] = ratio(w.late, w.count);
    v[veryLate] = ratio(w.veryLate, w.count);
    v[mean] = ratio(w.daysLateSum, w.count);
  }

  const list = state.settlements;
  const n = Math.min(LAST_N, list.length);
  let sum = 0;
  let late = 0;
  let veryLate = 0;
  for (let i = list.length - n; i < list.length; i++) {
    const d = (list[i] as SettlementEntry).daysLate;
    sum += d;
    const b = bucketOf(d);
    if (b === 'LATE') late += 1;
    else if (b === 'VERY_LATE') veryLate += 1;
  }
  v[C.last_n_count] = n;
  v[C.last_n_mean_days_late] = ratio(sum, n);
  v[C.last_n_share_late] = ratio(late, n);
  v[C.last_n_share_very_late] = ratio(veryLate, n);
  const last = list[list.length - 1];
  if (last !== undefined) v[C.last_days_late] = last.daysLate;
  v[C.days_late_trend] = ratio(sum, n) - ratio(all.daysLateSum, all.count);

  v[C.open_count] = state.openSummary.count;
  v[C.open_amount] = state.openSummary.amountMinor;
  const overdue = overdueSummary(state, asOf);
  v[C.overdue_count] = overdue.count;
  v[C.overdue_amount] = overdue.amountMinor;
  v[C.max_days_overdue] = overdue.maxDaysOverdue;

  const currency = state.registration === null ? null : state.registration.currency;
  let openOrders = 0;
  let orders30 = 0;
  let orders90 = 0;
  for (const o of state.orders) {
    if (currency !== null && o.currency !== currency) continue;
    if (o.status === 'OPEN') openOrders += Math.max(0, o.amountMinor - o.shippedMinor);
    if (o.status === 'CANCELLED') continue;
    const age = asOfDay - dayNumber(o.orderDate);
    if (age >= 0 && age < 90) orders90 += o.amountMinor;
    if (age >= 0 && age < 30) orders30 += o.amountMinor;
  }
  v[C.order_value_30d] = orders30;
  v[C.order_value_90d] = orders90;
  v[C.open_orders_amount] = openOrders;

  const limit = effectiveCreditLimit(state, asOf);
  if (limit !== null) {
    v[C.credit_limit] = limit.amountMinor ?? NaN;
    v[C.credit_limit_unlimited] = limit.amountMinor === null ? 1 : 0;
    v[C.credit_limit_temporary] = limit.temporary ? 1 : 0;
    v[C.credit_limit_expired] = limit.expired ? 1 : 0;
    const exposure = state.openSummary.amountMinor + (limit.limitType === 'BALANCE_AND_OPEN_ORDERS' ? openOrders : 0);
    if (limit.amountMinor !== null) v[C.credit_utilisation] = ratio(exposure, limit.amountMinor);
  }

  const r = state.returnSummary;
  v[C.nsf_count] = r.nsfCount;
  if (r.lastNsfOn !== null) v[C.days_since_last_nsf] = asOfDay - dayNumber(r.lastNsfOn);
  v[C.returned_payment_count] = r.count;
  v[C.dispute_count] = state.disputes.count;
  v[C.open_dispute_count] = state.disputes.open;
  v[C.written_off_count] = state.writtenOff.count;
  v[C.written_off_amount] = state.writtenOff.amountMinor;
  if (state.registration !== null) v[C.tenure_days] = asOfDay - dayNumber(state.registration.openedOn);

  const mix = state.paymentMix;
  v[C.payment_count] = mix.count;
  v[C.share_bank_transfer] = ratio(mix.bankTransfer, mix.count);
  v[C.share_direct_debit] = ratio(mix.directDebit, mix.count);
  v[C.share_check] = ratio(mix.check, mix.count);
  v[C.share_card] = ratio(mix.card, mix.count);
  v[C.share_other] = ratio(mix.other, mix.count);

  v[C.account_status] = state.account.status === 'ACTIVE' ? 0 : state.account.status === 'BLOCKED' ? 1 : 2;
  if (state.terms !== null) v[C.customer_terms_days] = state.terms.netDays;
  return v;
}

/**
 * The customer-history features as a record for the `customer features changed` event (`features: map<double>`):
 * every feature of {@link CUSTOMER_FEATURE_NAMES} that is defined; an undefined one is absent, as the schema says.
 */
export function customerFeatures(state: CustomerState, asOf: string = state.asOf): Record<string, number> {
  const v = customerFeatureVector(state, asOf);
  const out: Record<string, number> = {};
  for (let i = 0; i < CUSTOMER_FEATURE_NAMES.length; i++) {
    const x = v[i] as number;
    if (!Number.isNaN(x)) out[CUSTOMER_FEATURE_NAMES[i] as string] = x;
  }
  return out;
}

/** Writes the invoice's own features (the first {@link INVOICE_FEATURE_NAMES}.length values) into `v`. */
function writeInvoiceFeatures(customer: CustomerState, invoice: InvoiceState, asOfDay: number, v: Float64Array | number[]): void {
  const dueDay = dayNumber(invoice.dueDate);
  v[I.invoice_amount] = invoice.amountMinor;
  v[I.invoice_terms_days] = invoice.netDays;
  v[I.invoice_days_to_due] = dueDay - asOfDay;
  v[I.invoice_days_past_due] = Math.max(0, asOfDay - dueDay);
  v[I.invoice_age_days] = asOfDay - dayNumber(invoice.invoiceDate);
  v[I.invoice_paid_amount] = invoice.appliedMinor;
  v[I.invoice_paid_share] = ratio(invoice.appliedMinor, invoice.amountMinor);
  v[I.invoice_credited_amount] = invoice.creditedMinor;
  v[I.invoice_open_amount] = invoice.openMinor;
  v[I.invoice_open_share_of_balance] = invoice.currencyMismatch ? NaN : ratio(invoice.openMinor, customer.openSummary.amountMinor);
  v[I.invoice_disputed] = invoice.disputedNow ? 1 : 0;
  v[I.invoice_dispute_count] = invoice.disputes.length;
  let reversals = 0;
  for (const p of invoice.payments) if (p.reversedOn !== null) reversals += 1;
  v[I.invoice_payment_reversals] = reversals;
}

/**
 * The feature vector of one invoice as of `asOf` (default: the customer's business date), in
 * {@link FEATURE_NAMES} order, NaN for missing values. Scoring many invoices of one customer can pass the
 * customer's {@link customerFeatureVector} (computed for the same asOf) to skip recomputing it.
 * @throws AsOfBeforeStateError when asOf is before the state's business date.
 */
export function invoiceFeatures(customer: CustomerState, invoice: InvoiceState, asOf: string = customer.asOf, customerVector?: Float64Array): Float64Array {
  checkAsOf(customer, asOf);
  const v = new Float64Array(FEATURE_NAMES.length);
  writeInvoiceFeatures(customer, invoice, dayNumber(asOf), v);
  v.set(customerVector ?? customerFeatureVector(customer, asOf), INVOICE_COUNT);
  return v;
}

/** A vector as a name → value record (NaN kept), for logs, explanations and tests. */
export function featureRecord(vector: Float64Array, names: readonly string[] = FEATURE_NAMES): Record<string, number> {
  if (vector.length !== names.length) throw new RangeError(`vector has ${vector.length} values for ${names.length} names`);
  const out: Record<string, number> = {};
  names.forEach((n, i) => (out[n] = vector[i] as number));
  return out;
}

/** Names of the features whose value differs between two customerFeatures records (added or removed included), in feature order. */
export function diffFeatures(before: Record<string, number>, after: Record<string, number>): string[] {
  return CUSTOMER_FEATURE_NAMES.filter((n) => {
    return before[n] !== after[n];
  });
}

/**
 * One open invoice's part of a prediction's input, as the `customer features changed` event carries it (its
 * `features` are the invoice features in {@link INVOICE_FEATURE_NAMES} order, NaN = missing).
 */
export type OpenInvoiceInput = OpenInvoiceFeatures;

/**
 * Everything a prediction of the customer's open invoices needs, as of the state's business date: the customer
 * features (record and vector) and each open invoice's own features. {@link vectorFromInputs} puts one invoice's
 * vector back together, equal to {@link invoiceFeatures} of the state.
 */
export function predictionInputs(state: CustomerState): { vector: Float64Array; features: Record<string, number>; openInvoices: OpenInvoiceInput[] } {
  const vector = customerFeatureVector(state);
  const asOfDay = dayNumber(state.asOf);
  const features: Record<string, number> = {};
  for (let i = 0; i < CUSTOMER_FEATURE_NAMES.length; i++) {
    const x = vector[i] as number;
    if (!Number.isNaN(x)) features[CUSTOMER_FEATURE_NAMES[i] as string] = x;
  }
  const openInvoices: OpenInvoiceInput[] = [];
  // The open list, not the whole invoice history (announcing every customer on each business day walked it all);
  // in invoice-id order, as the history is kept.
  const open: InvoiceState[] = [];
  for (const entry of state.open) {
    const invoice = findSorted(state.invoices, entry.invoiceId, (inv, id) => compareStrings(inv.invoiceId, id));
    if (invoice === undefined) throw new Error(`open invoice ${entry.invoiceId} of customer ${state.customerId} is not in its history`);
    open.push(invoice);
  }
  open.sort((a, b) => compareStrings(a.invoiceId, b.invoiceId));
  for (const invoice of open) {
    const own = new Array<number>(INVOICE_COUNT);
    writeInvoiceFeatures(state, invoice, asOfDay, own);
    openInvoices.push({ invoiceId: invoice.invoiceId, invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate, currency: invoice.currency, openAmountMinor: invoice.openMinor, currencyMismatch: invoice.currencyMismatch, features: own });
  }
  return { vector, features, openInvoices };
}

/** The model's feature vector of one invoice from a prediction input: its invoice features, then the customer features (absent = NaN). */
export function vectorFromInputs(customerFeatures: Readonly<Record<string, number>>, invoiceFeatureValues: readonly number[], out: Float64Array = new Float64Array(FEATURE_NAMES.length)): Float64Array {
  writeInvoiceInputs(invoiceFeatureValues, out);
  writeCustomerInputs(customerFeatures, out);
  return out;
}

/**
 * The customer part of {@link vectorFromInputs} (after the invoice features; absent = NaN): the same for every
 * invoice of the customer, so a caller scoring several writes it once and then each invoice's part.
 */
export function writeCustomerInputs(customerFeatures: Readonly<Record<string, number>>, out: Float64Array): void {
  for (let i = 0; i < CUSTOMER_FEATURE_NAMES.length; i++) {
    const x = customerFeatures[CUSTOMER_FEATURE_NAMES[i] as string];
    out[INVOICE_COUNT + i] = x === undefined ? NaN : x;
  }
}

/** The invoice part of {@link vectorFromInputs}: one invoice's own features, at the front of the vector. */
export function writeInvoiceInputs(invoiceFeatureValues: readonly number[], out: Float64Array): void {
  if (invoiceFeatureValues.length !== INVOICE_COUNT) throw new RangeError(`an invoice has ${INVOICE_COUNT} features, got ${invoiceFeatureValues.length}`);
  for (let i = 0; i < INVOICE_COUNT; i++) out[i] = invoiceFeatureValues[i] as number;
}
