import type {
  CreditLimitSet,
  CustomerRegistered,
  InvoiceAdjusted,
  InvoiceDisputed,
  InvoiceIssued,
  InvoiceWrittenOff,
  OrderPlaced,
  OrderShipped,
  PaymentReceived,
  PaymentReturned,
} from '@creditstream/schemas';
import { businessDateOfTimestamp, daysBetween, type SourcedEvent } from '../../src';

// A deliberately naive second implementation: rebuilds the customer features from the full list of accepted
// events (any order), by brute force and without any incremental structure. The fold's incremental aggregates
// must give exactly the same numbers. Accept/reject decisions are the fold's (tested on their own elsewhere).

function businessDate(e: SourcedEvent['event']): string {
  const p = e.payload as unknown as Record<string, unknown>;
  switch (e.type) {
    case 'InvoiceIssued':
      return p.invoiceDate as string;
    case 'PaymentReceived':
      return p.receivedOn as string;
    case 'PaymentReturned':
      return p.returnedOn as string;
    case 'OrderPlaced':
      return p.orderDate as string;
    case 'OrderShipped':
      return p.shippedOn as string;
    case 'BusinessDayTick':
      return p.businessDate as string;
    default:
      return businessDateOfTimestamp(e.eventTime) as string;
  }
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);

function bucket(d: number): 'ON_TIME' | 'LATE' | 'VERY_LATE' {
  return d <= 0 ? 'ON_TIME' : d <= 30 ? 'LATE' : 'VERY_LATE';
}

/**
 * Customer features from scratch. `accepted` holds the customer's folded events (no redeliveries, no rejected
 * ones), `tickDate` the latest clock tick the customer has seen.
 */
export function referenceFeatures(accepted: readonly SourcedEvent[], tickDate: string | null): Record<string, number> {
  // Per-topic order decides which of two events with the same id came first.
  const events = [...accepted].sort((a, b) => (a.source.topic < b.source.topic ? -1 : a.source.topic > b.source.topic ? 1 : a.source.offset - b.source.offset));
  let asOf = tickDate ?? '0000-01-01';
  for (const { event } of events) if (businessDate(event) > asOf) asOf = businessDate(event);

  let reg: CustomerRegistered | null = null;
  let permanent: CreditLimitSet | null = null;
  let temporary: CreditLimitSet | null = null;
  let status = 'ACTIVE';
  let netDays: number | null = null;
  const invoices = new Map<string, { p: InvoiceIssued; credits: { amount: number; date: string }[]; writeOff: InvoiceWrittenOff | null }>();
  const disputes = new Map<string, { resolved: boolean }>();
  const payments = new Map<string, PaymentReceived>();
  const returns = new Map<string, PaymentReturned>();
  const orders = new Map<string, { p: OrderPlaced; shipped: number; final: boolean; cancelled: boolean }>();
  const creditNotes = new Set<string>();
  for (const { event } of events) {
    const p = event.payload as never;
    const date = businessDate(event);
    switch (event.type) {
      case 'CustomerRegistered':
        reg ??= p;
        break;
      case 'CreditLimitSet':
        if ((p as CreditLimitSet).temporary) temporary = p;
        else permanent = p;
        break;
      case 'PaymentTermsSet':
        netDays = (p as { netDays: number }).netDays;
        break;
      case 'AccountStatusChanged':
        status = (p as { status: string }).status;
        break;
      case 'InvoiceIssued':
        if (!invoices.has((p as InvoiceIssued).invoiceId)) invoices.set((p as InvoiceIssued).invoiceId, { p, credits: [], writeOff: null });
        break;
      case 'InvoiceAdjusted': {
        const a = p as InvoiceAdjusted;
        const key = `${a.invoiceId}\u0000${a.creditNoteId}`;
        if (!creditNotes.has(key)) invoices.get(a.invoiceId)?.credits.push({ amount: a.amountMinor, date });
        creditNotes.add(key);
        break;
      }
      case 'InvoiceDisputed': {
        const d = p as InvoiceDisputed;
        const key = `${d.invoiceId}\u0000${d.disputeId}`;
        if (!disputes.has(key)) disputes.set(key, { resolved: false });
        break;
      }
      case 'DisputeResolved': {
        const d = disputes.get(`${(p as InvoiceDisputed).invoiceId}\u0000${(p as InvoiceDisputed).disputeId}`);
        if (d !== undefined) d.resolved = true;
        break;
      }
      case 'InvoiceWrittenOff': {
        const inv = invoices.get((p as InvoiceWrittenOff).invoiceId);
        if (inv !== undefined) inv.writeOff ??= p;
        break;
      }
      case 'PaymentReceived':
        if (!payments.has((p as PaymentReceived).paymentId)) payments.set((p as PaymentReceived).paymentId, p);
        break;
      case 'PaymentReturned':
        if (!returns.has((p as PaymentReturned).paymentId)) returns.set((p as PaymentReturned).paymentId, p);
        break;
      case 'OrderPlaced':
        if (!orders.has((p as OrderPlaced).orderId)) orders.set((p as OrderPlaced).orderId, { p, shipped: 0, final: false, cancelled: false });
        break;
      case 'OrderShipped': {
        const o = orders.get((p as OrderShipped).orderId);
        if (o !== undefined) {
          o.shipped += (p as OrderShipped).amountMinor;
          o.final ||= (p as OrderShipped).finalShipment;
        }
        break;
      }
      case 'OrderCancelled': {
        const o = orders.get((p as { orderId: string }).orderId);
        if (o !== undefined) o.cancelled = true;
        break;
      }
    }
  }
  // Identical duplicates of shipments were folded once: recount shipments by id.
  for (const o of orders.values()) {
    o.shipped = 0;
    o.final = false;
  }
  const seenShipments = new Set<string>();
  for (const { event } of events) {
    if (event.type !== 'OrderShipped') continue;
    const s = event.payload;
    const key = `${s.orderId}\u0000${s.shipmentId}`;
    if (seenShipments.has(key)) continue;
    seenShipments.add(key);
    const o = orders.get(s.orderId);
    if (o === undefined) continue;
    o.shipped += s.amountMinor;
    o.final ||= s.finalShipment;
  }

  const currency = reg === null ? null : (reg as CustomerRegistered).currency;
  const counted = (c: string): boolean => currency === null || c === currency;
  const settled: { date: string; id: string; late: number }[] = [];
  let openCount = 0;
  let openAmount = 0;
  let overdueCount = 0;
  let overdueAmount = 0;
  let maxOverdue = 0;
  let woCount = 0;
  let woAmount = 0;
  for (const [id, inv] of invoices) {
    const facts: { date: string; amount: number }[] = inv.credits.map((c) => ({ date: c.date, amount: c.amount }));
    for (const pay of payments.values()) {
      for (const a of pay.applications) {
        if (a.invoiceId === id && pay.currency === inv.p.currency && !returns.has(pay.paymentId)) facts.push({ date: pay.receivedOn, amount: a.amountMinor });
      }
    }
    const total = facts.reduce((s, f) => s + f.amount, 0);
    if (!counted(inv.p.currency)) continue;
    if (inv.writeOff !== null) {
      woCount += 1;
      woAmount += inv.writeOff.amountMinor;
    } else if (total >= inv.p.amountMinor) {
      facts.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      let cum = 0;
      let date = '';
      for (const f of facts) {
        cum += f.amount;
        if (cum >= inv.p.amountMinor) {
          date = f.date;
          break;
        }
      }
      settled.push({ date, id, late: daysBetween(inv.p.dueDate, date) });
    } else {
      const open = inv.p.amountMinor - total;
      openCount += 1;
      openAmount += open;
      if (inv.p.dueDate < asOf) {
        overdueCount += 1;
        overdueAmount += open;
        maxOverdue = Math.max(maxOverdue, daysBetween(inv.p.dueDate, asOf));
      }
    }
  }
  settled.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1));

  const f: Record<string, number> = {};
  const stats = (list: typeof settled, prefix: string, suffix: string): void => {
    f[`${prefix}count${suffix}`] = list.length;
    f[`share_late${suffix}`] = ratio(list.filter((s) => bucket(s.late) === 'LATE').length, list.length);
    f[`share_very_late${suffix}`] = ratio(list.filter((s) => bucket(s.late) === 'VERY_LATE').length, list.length);
    f[`mean_days_late${suffix}`] = ratio(
      list.reduce((s, x) => s + x.late, 0),
      list.length,
    );
  };
  stats(settled, 'settled_', '');
  f.max_days_late_all = settled.length === 0 ? NaN : Math.max(...settled.map((s) => s.late));
  f.share_late_all = f.share_late as number;
  f.share_very_late_all = f.share_very_late as number;
  f.mean_days_late_all = f.mean_days_late as number;
  delete f.share_late;
  delete f.share_very_late;
  delete f.mean_days_late;
  for (const w of [90, 180, 365]) stats(settled.filter((s) => daysBetween(s.date, asOf) < w), 'settled_', `_${w}d`);
  const lastN = settled.slice(-10);
  f.last_n_count = lastN.length;
  f.last_n_mean_days_late = ratio(
    lastN.reduce((s, x) => s + x.late, 0),
    lastN.length,
  );
  f.last_n_share_late = ratio(lastN.filter((s) => bucket(s.late) === 'LATE').length, lastN.length);
  f.last_n_share_very_late = ratio(lastN.filter((s) => bucket(s.late) === 'VERY_LATE').length, lastN.length);
  f.last_days_late = lastN.length === 0 ? NaN : (lastN[lastN.length - 1] as { late: number }).late;
  f.days_late_trend = (f.last_n_mean_days_late as number) - (f.mean_days_late_all as number);
  f.open_count = openCount;
  f.open_amount = openAmount;
  f.overdue_count = overdueCount;
  f.overdue_amount = overdueAmount;
  f.max_days_overdue = maxOverdue;

  let openOrders = 0;
  let v30 = 0;
  let v90 = 0;
  for (const o of orders.values()) {
    if (!counted(o.p.currency)) continue;
    if (!o.cancelled && !o.final) openOrders += Math.max(0, o.p.amountMinor - o.shipped);
    if (o.cancelled) continue;
    const age = daysBetween(o.p.orderDate, asOf);
    if (age >= 0 && age < 30) v30 += o.p.amountMinor;
    if (age >= 0 && age < 90) v90 += o.p.amountMinor;
  }
  f.order_value_30d = v30;
  f.order_value_90d = v90;
  f.open_orders_amount = openOrders;

  const t = temporary as CreditLimitSet | null;
  const useTemp = t !== null && (t.expiresOn === null || asOf <= t.expiresOn);
  const limit = useTemp ? t : (permanent as CreditLimitSet | null);
  if (limit !== null) {
    f.credit_limit = limit.unlimited ? NaN : limit.amountMinor;
    f.credit_limit_unlimited = limit.unlimited ? 1 : 0;
    f.credit_limit_temporary = useTemp ? 1 : 0;
    f.credit_limit_expired = limit.expiresOn !== null && asOf > limit.expiresOn ? 1 : 0;
    const exposure = openAmount + (limit.limitType === 'BALANCE_AND_OPEN_ORDERS' ? openOrders : 0);
    f.credit_utilisation = limit.unlimited ? NaN : ratio(exposure, limit.amountMinor);
  }
  const nsf = [...returns.values()].filter((r) => r.reason === 'NSF');
  f.nsf_count = nsf.length;
  f.days_since_last_nsf = nsf.length === 0 ? NaN : Math.min(...nsf.map((r) => daysBetween(r.returnedOn, asOf)));
  f.returned_payment_count = returns.size;
  f.dispute_count = disputes.size;
  f.open_dispute_count = [...disputes.values()].filter((d) => !d.resolved).length;
  f.written_off_count = woCount;
  f.written_off_amount = woAmount;
  f.tenure_days = reg === null ? NaN : daysBetween((reg as CustomerRegistered).openedOn, asOf);
  const pays = [...payments.values()];
  f.payment_count = pays.length;
  for (const [name, method] of [
    ['share_bank_transfer', 'BANK_TRANSFER'],
    ['share_direct_debit', 'DIRECT_DEBIT'],
    ['share_check', 'CHECK'],
    ['share_card', 'CARD'],
    ['share_other', 'OTHER'],
  ] as const) {
    f[name] = ratio(pays.filter((p) => p.method === method).length, pays.length);
  }
  f.account_status = status === 'ACTIVE' ? 0 : status === 'BLOCKED' ? 1 : 2;
  f.customer_terms_days = netDays ?? NaN;
  for (const k of Object.keys(f)) if (Number.isNaN(f[k])) delete f[k];
  return f;
}
