import { accountStatusAfter, type AccountStatus, type CustomerEnvelope, type InvoiceEnvelope, type PaymentEnvelope } from '@creditstream/schemas';

/** Orders kept per customer (times, amounts, ids): the sample of its amount distribution and its recent windows. */
export const RECENT_ORDERS = 32;
/** Returned payments remembered per customer (their times). */
export const RETURNS_KEPT = 4;

export const DAY_MS = 86_400_000;

/** A credit limit as the customer events set it. */
export interface LimitFact {
  amountMinor: number;
  unlimited: boolean;
  /** Last day (ms, start of day UTC) a temporary limit is valid; null when open-ended. */
  expiresAt: number | null;
}

/**
 * What the fraud service keeps of one customer: compact facts folded from its events in business-time order, from
 * which every signal is computed. Its size is bounded (a few hundred bytes compressed) whatever the history's length.
 */
export interface CustomerHistory {
  kind: 'customer';
  /** Business time (ms) of the customer's first event the service saw. */
  firstSeen: number;
  /** Start (ms) of the day the account was opened; null while the customer is not registered. */
  openedAt: number | null;
  currency: string | null;
  status: AccountStatus;
  limit: LimitFact | null;
  temporaryLimit: LimitFact | null;
  /** Open receivables (invoices − applications − credit notes − write-offs + reversed applications), minor units. */
  balanceMinor: number;
  /** Orders placed, all time. */
  orders: number;
  /** Business time (ms) of the latest order, or null. */
  lastOrderAt: number | null;
  /** The latest {@link RECENT_ORDERS} orders in the order they were placed: time (ms), amount, order id. */
  recent: { t: number[]; a: number[]; id: string[] };
  /** Times (ms) of the latest {@link RETURNS_KEPT} returned payments, oldest first. */
  returns: number[];
  /** Checks made, and how many asked for a review. */
  checks: number;
  reviews: number;
  /** The latest check, for the read model. */
  lastCheck: { orderId: string; outcome: 'CLEAR' | 'REVIEW'; score: number; at: number; ruleSetVersion: string } | null;
}

/** A customer first seen at `time`: unregistered, active, no limit, no history. */
export function newHistory(time: number): CustomerHistory {
  return { kind: 'customer', firstSeen: time, openedAt: null, currency: null, status: 'ACTIVE', limit: null, temporaryLimit: null, balanceMinor: 0, orders: 0, lastOrderAt: null, recent: { t: [], a: [], id: [] }, returns: [], checks: 0, reviews: 0, lastCheck: null };
}

/** Start of a `YYYY-MM-DD` business date in ms (UTC). */
export function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** The credit limit in force at `time`: a temporary one until its last day (inclusive), else the permanent one. */
export function limitAt(h: CustomerHistory, time: number): LimitFact | null {
  const t = h.temporaryLimit;
  if (t !== null && (t.expiresAt === null || time < t.expiresAt + DAY_MS)) return t;
  return h.limit;
}

/** Amounts in another currency than the customer's are not comparable with its own: they are left out. */
function sameCurrency(h: CustomerHistory, currency: string): boolean {
  return h.currency === null || h.currency === currency;
}

/** Folds a customer master-data event. */
export function applyCustomerEvent(h: CustomerHistory, e: CustomerEnvelope): void {
  switch (e.type) {
    case 'CustomerRegistered':
      h.openedAt = dayStart(e.payload.openedOn);
      h.currency = e.payload.currency;
      return;
    case 'CreditLimitSet': {
      const p = e.payload;
      const fact: LimitFact = { amountMinor: p.amountMinor, unlimited: p.unlimited, expiresAt: p.expiresOn === null ? null : dayStart(p.expiresOn) };
      if (p.temporary) h.temporaryLimit = fact;
      else h.limit = fact;
      return;
    }
    case 'AccountStatusChanged':
      h.status = accountStatusAfter(h.status, e.payload);
      return;
    case 'PaymentTermsSet':
      return;
  }
}

/** Folds an invoice event into the open balance. */
export function applyInvoiceEvent(h: CustomerHistory, e: InvoiceEnvelope): void {
  if (!sameCurrency(h, e.payload.currency)) return;
  switch (e.type) {
    case 'InvoiceIssued':
      h.balanceMinor += e.payload.amountMinor;
      return;
    case 'InvoiceAdjusted':
    case 'InvoiceWrittenOff':
      h.balanceMinor -= e.payload.amountMinor;
      return;
    case 'InvoiceDisputed':
    case 'DisputeResolved':
      // A dispute resolved in the customer's favour is credited by a credit note (InvoiceAdjusted).
      return;
  }
}

/** Folds a payment event: applications lower the balance; a return raises it again and is remembered. */
export function applyPaymentEvent(h: CustomerHistory, e: PaymentEnvelope, time: number): void {
  const same = sameCurrency(h, e.payload.currency);
  if (e.type === 'PaymentReceived') {
    if (same) for (const a of e.payload.applications) h.balanceMinor -= a.amountMinor;
    return;
  }
  if (same) for (const a of e.payload.reversedApplications) h.balanceMinor += a.amountMinor;
  h.returns.push(time);
  if (h.returns.length > RETURNS_KEPT) h.returns.splice(0, h.returns.length - RETURNS_KEPT);
}

/** Index of an order in the recent list, or -1. */
export function recentOrderIndex(h: CustomerHistory, orderId: string): number {
  return h.recent.id.lastIndexOf(orderId);
}

/** Folds a placed order (after its check: the check sees the history before it). */
export function applyOrderPlaced(h: CustomerHistory, orderId: string, amountMinor: number, time: number): void {
  h.orders += 1;
  h.lastOrderAt = h.lastOrderAt === null ? time : Math.max(h.lastOrderAt, time);
  const r = h.recent;
  r.t.push(time);
  r.a.push(amountMinor);
  r.id.push(orderId);
  if (r.t.length > RECENT_ORDERS) {
    const drop = r.t.length - RECENT_ORDERS;
    r.t.splice(0, drop);
    r.a.splice(0, drop);
    r.id.splice(0, drop);
  }
}
