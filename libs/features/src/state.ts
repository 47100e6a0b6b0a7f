import type { AccountStatus, CreditLimitType, DisputeOutcome, PaymentApplication, PaymentMethod, ReturnReason } from '@creditstream/schemas';

// The state is plain JSON: it is stored as MongoDB documents as is. Hence no Map/Set/class instances, no
// `undefined` (absent = null), and no object keys made of ids (ids may contain '.' or '$'): collections are arrays
// sorted by their key, searched by binary search. Every amount is an integer of minor units, so sums are exact and
// independent of the order they were added in.

/** Version of the state layout; a change means rebuilding the store from the event log. */
export const STATE_VERSION = 1;

/** Windows of the rolling lateness aggregates, in days of business time. */
export const WINDOW_DAYS = [90, 180, 365] as const;
/** How many of the most recent settlements the "last N invoices" features look at. */
export const LAST_N = 10;
/** Closed orders are forgotten this many days (of orders-topic business time) after their order date. */
export const ORDER_RETENTION_DAYS = 120;

/** The highest Kafka offset folded in from one source `topic:partition`. */
export interface AppliedOffset {
  /** `${topic}:${partition}` */
  source: string;
  offset: number;
}

export interface Registration {
  name: string;
  country: string;
  segment: string;
  /** The customer's currency: money aggregates count only amounts in it. */
  currency: string;
  groupId: string | null;
  paperless: boolean;
  /** Tenure starts here. */
  openedOn: string;
  /** Business date of the registration event. */
  registeredOn: string;
}

export interface CreditLimit {
  limitType: CreditLimitType;
  amountMinor: number;
  currency: string;
  unlimited: boolean;
  /** Last day the limit is valid; null = no expiry. */
  expiresOn: string | null;
  temporary: boolean;
  reason: string | null;
  setOn: string;
}

export interface PaymentTerms {
  termsCode: string;
  netDays: number;
  setOn: string;
}

export interface AccountState {
  status: AccountStatus;
  /** Null while the status was never changed (a registered customer starts ACTIVE). */
  changedOn: string | null;
  reason: string | null;
  changedBy: string | null;
}

/** One payment's application to an invoice. */
export interface AppliedPayment {
  paymentId: string;
  amountMinor: number;
  /** Currency of the payment; an application in another currency than the invoice's is kept but not counted. */
  currency: string;
  receivedOn: string;
  /** Business date the payment was returned (its application no longer counts); null while it stands. */
  reversedOn: string | null;
}

export interface CreditNote {
  creditNoteId: string;
  amountMinor: number;
  /** Business date of the credit note (its event time's date). */
  creditedOn: string;
  reason: string;
}

export interface DisputeState {
  disputeId: string;
  amountMinor: number;
  reason: string;
  openedOn: string;
  resolvedOn: string | null;
  outcome: DisputeOutcome | null;
  creditedMinor: number | null;
}

export interface WriteOff {
  writeOffId: string;
  amountMinor: number;
  writtenOffOn: string;
  reason: string;
}

export type InvoiceStatus = 'OPEN' | 'SETTLED' | 'WRITTEN_OFF';

/**
 * One invoice: the facts folded in (issue, applications, credit notes, disputes, write-off) and what follows from
 * them (status, open amount, settlement). The derived fields are recomputed from the facts after every change, so
 * they do not depend on the order the facts arrived in.
 */
export interface InvoiceState {
  customerId: string;
  invoiceId: string;
  orderId: string | null;
  currency: string;
  amountMinor: number;
  invoiceDate: string;
  dueDate: string;
  termsCode: string;
  netDays: number;
  /** Applications, sorted by (receivedOn, paymentId). */
  payments: AppliedPayment[];
  /** Credit notes, sorted by (creditedOn, creditNoteId). */
  credits: CreditNote[];
  /** Disputes in the order they were raised. */
  disputes: DisputeState[];
  writeOff: WriteOff | null;
  // ---- derived ----
  status: InvoiceStatus;
  /** amount - credits - counted applications, never below 0; 0 once settled or written off. */
  openMinor: number;
  /** Sum of the applications that count (not reversed, same currency). */
  appliedMinor: number;
  creditedMinor: number;
  /** What was applied beyond the amount (kept as the customer's credit, not refunded here). */
  overAppliedMinor: number;
  disputedNow: boolean;
  /** Business date on which counted applications and credit notes, by date, reached the amount. */
  settledOn: string | null;
  /** settledOn - dueDate in days (negative = early); null unless SETTLED. */
  daysLate: number | null;
  /** The invoice's currency differs from the registered customer's: tracked, but left out of customer aggregates. */
  currencyMismatch: boolean;
}

/** An application whose invoice has not been folded in yet; merged into the invoice when it arrives. */
export interface PendingApplication {
  invoiceId: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedOn: string;
  reversedOn: string | null;
}

export interface PaymentReturn {
  returnedOn: string;
  reason: ReturnReason;
  amountMinor: number;
  feeMinor: number;
}

export interface PaymentRecord {
  paymentId: string;
  amountMinor: number;
  currency: string;
  method: PaymentMethod;
  receivedOn: string;
  applications: PaymentApplication[];
  unappliedMinor: number;
  returned: PaymentReturn | null;
}

/** A returned payment, kept for the NSF history. */
export interface ReturnEntry {
  paymentId: string;
  returnedOn: string;
  reason: ReturnReason;
  amountMinor: number;
  feeMinor: number;
}

export interface Shipment {
  shipmentId: string;
  amountMinor: number;
  shippedOn: string;
  finalShipment: boolean;
}

export type OrderStatus = 'OPEN' | 'SHIPPED' | 'CANCELLED';

export interface OrderRecord {
  orderId: string;
  amountMinor: number;
  currency: string;
  lineCount: number;
  orderDate: string;
  requestedShipDate: string | null;
  status: OrderStatus;
  shippedMinor: number;
  shipments: Shipment[];
  cancelReason: string | null;
  closedOn: string | null;
}

/** An open invoice in due-date order, for overdue and aging sums. */
export interface OpenEntry {
  dueDate: string;
  invoiceId: string;
  openMinor: number;
  /** False when the invoice's currency is not the customer's (not in the money aggregates). */
  counted: boolean;
}

/** A settled invoice's lateness, in (settledOn, invoiceId) order. */
export interface SettlementEntry {
  settledOn: string;
  invoiceId: string;
  daysLate: number;
}

/** Counts of settled invoices by bucket (default buckets: V=30, G=0) and the sum of their days late. */
export interface LatenessSums {
  count: number;
  onTime: number;
  late: number;
  veryLate: number;
  daysLateSum: number;
}

export interface WindowSums extends LatenessSums {
  /** Settlements with settledOn in (asOf - days, asOf]. */
  days: number;
}

export interface HistogramBin {
  daysLate: number;
  count: number;
}

/**
 * Everything creditstream knows about one customer, as of the business date `asOf`. Built only by the fold
 * ({@link applyEvent}, {@link applyTick}); its value after a set of events does not depend on how the input topics
 * were interleaved.
 */
export interface CustomerState {
  stateVersion: number;
  customerId: string;
  /** Latest business date seen in any folded event or tick. */
  asOf: string;
  /** Per source `topic:partition`, the highest offset folded in, sorted by source. */
  appliedOffsets: AppliedOffset[];
  /** Null until the CustomerRegistered event is folded in. */
  registration: Registration | null;
  creditLimits: { permanent: CreditLimit | null; temporary: CreditLimit | null };
  terms: PaymentTerms | null;
  account: AccountState;
  /** Every invoice of the customer, sorted by invoiceId. */
  invoices: InvoiceState[];
  /** Applications to invoices not seen yet, sorted by (invoiceId, receivedOn, paymentId). */
  pendingApplications: PendingApplication[];
  /** Payments received, sorted by paymentId. */
  payments: PaymentRecord[];
  /** Open orders and recently closed ones, sorted by orderId. */
  orders: OrderRecord[];
  /** Latest business date of the orders topic's events (drives forgetting closed orders). */
  ordersWatermark: string | null;
  /** Open invoices sorted by (dueDate, invoiceId). */
  open: OpenEntry[];
  /** Count and open amount of the counted open invoices. */
  openSummary: { count: number; amountMinor: number };
  /**
   * Settlements with settledOn within the last 365 days of asOf, plus always the last {@link LAST_N}, sorted by
   * (settledOn, invoiceId). Older ones live only in the all-time sums.
   */
  settlements: SettlementEntry[];
  lateness: {
    all: LatenessSums;
    /** All-time days-late histogram, sorted by daysLate (gives the exact max even after an NSF reopens one). */
    histogram: HistogramBin[];
    /** One per {@link WINDOW_DAYS} entry, in that order. */
    windows: WindowSums[];
  };
  writtenOff: { count: number; amountMinor: number };
  disputes: { count: number; open: number };
  /** Returned payments (NSF and other reasons), sorted by (returnedOn, paymentId). */
  returns: ReturnEntry[];
  returnSummary: { count: number; nsfCount: number; lastNsfOn: string | null; lastReturnOn: string | null; feesMinor: number };
  paymentMix: { count: number; bankTransfer: number; directDebit: number; check: number; card: number; other: number };
}

function emptySums(): LatenessSums {
  return { count: 0, onTime: 0, late: 0, veryLate: 0, daysLateSum: 0 };
}

/** A customer with no facts yet, as of `asOf`. */
export function newCustomerState(customerId: string, asOf: string): CustomerState {
  return {
    stateVersion: STATE_VERSION,
    customerId,
    asOf,
    appliedOffsets: [],
    registration: null,
    creditLimits: { permanent: null, temporary: null },
    terms: null,
    account: { status: 'ACTIVE', changedOn: null, reason: null, changedBy: null },
    invoices: [],
    pendingApplications: [],
    payments: [],
    orders: [],
    ordersWatermark: null,
    open: [],
    openSummary: { count: 0, amountMinor: 0 },
    settlements: [],
    lateness: { all: emptySums(), histogram: [], windows: WINDOW_DAYS.map((days) => ({ days, ...emptySums() })) },
    writtenOff: { count: 0, amountMinor: 0 },
    disputes: { count: 0, open: 0 },
    returns: [],
    returnSummary: { count: 0, nsfCount: 0, lastNsfOn: null, lastReturnOn: null, feesMinor: 0 },
    paymentMix: { count: 0, bankTransfer: 0, directDebit: 0, check: 0, card: 0, other: 0 },
  };
}
