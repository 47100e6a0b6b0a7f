import type { InputEvent, SourcedEvent } from '../../src';
import { addDays } from '../../src';
import { seededRandom, type Random } from './random';

// Generates realistic per-topic event streams for a few customers of one partition: registrations and credit
// limits, orders that ship (sometimes in parts) or are cancelled, invoices with partial, late and very late
// payments, NSF returns followed by new payments, disputes with credit notes, write-offs, payments bundling
// several invoices, over-applications, back-dated payments, applications to invoices never issued, invoices in a
// foreign currency, a late registration, and (optionally) malformed or conflicting events. Each topic's list is in
// topic order with increasing offsets, as a consumer sees it.

export const TOPICS = {
  customers: 'test.customers.events',
  invoices: 'test.invoices.events',
  payments: 'test.payments.events',
  orders: 'test.orders.events',
  clock: 'test.clock.ticks',
} as const;

export type Family = keyof typeof TOPICS;
export const FAMILIES: readonly Family[] = ['customers', 'invoices', 'payments', 'orders', 'clock'];
export type Streams = Record<Family, SourcedEvent[]>;

export interface HistoryOptions {
  seed: number;
  customers?: number;
  days?: number;
  partition?: number;
  start?: string;
  /** Sprinkle malformed and conflicting events. @default true */
  bad?: boolean;
}

interface ModelInvoice {
  id: string;
  amount: number;
  open: number;
  credited: number;
  currency: string;
  due: number;
}

interface Customer {
  id: string;
  currency: string;
  netDays: number;
  invoices: ModelInvoice[];
  paymentSeq: number;
  invoiceSeq: number;
  orderSeq: number;
  misc: number;
  returnable: { paymentId: string; amount: number; currency: string; apps: { invoiceId: string; amountMinor: number }[]; receivedDay: number }[];
  returned: Set<string>;
}

type Action = () => void;

export function generateHistory(options: HistoryOptions): Streams {
  const rand = seededRandom(options.seed);
  const days = options.days ?? 500;
  const partition = options.partition ?? 0;
  const start = options.start ?? '2023-01-02';
  const bad = options.bad ?? true;
  const streams: Streams = { customers: [], invoices: [], payments: [], orders: [], clock: [] };
  let eventSeq = 0;
  const offsets: Record<Family, number> = { customers: 0, invoices: 0, payments: 0, orders: 0, clock: 0 };
  const agenda = new Map<number, Action[]>();
  const later = (day: number, action: Action): void => {
    const list = agenda.get(day);
    if (list === undefined) agenda.set(day, [action]);
    else list.push(action);
  };
  let today = 0;
  const dateOf = (day: number): string => addDays(start, day);

  function emit(family: Family, customerId: string, type: string, payload: object, day = today): void {
    const event = { eventId: `e${++eventSeq}`, eventTime: `${dateOf(day)}T10:00:00.000Z`, customerId, causationId: null, type, payload } as unknown as InputEvent;
    streams[family].push({ event, source: { topic: TOPICS[family], partition, offset: offsets[family]++ } });
  }

  const customers: Customer[] = [];
  const count = options.customers ?? 3;
  for (let i = 0; i < count; i++) {
    customers.push({ id: `cust.${options.seed}.$${i}`, currency: i === 2 ? 'JPY' : 'EUR', netDays: rand.pick([14, 30, 45]), invoices: [], paymentSeq: 0, invoiceSeq: 0, orderSeq: 0, misc: 0, returnable: [], returned: new Set() });
  }

  function register(c: Customer): void {
    emit('customers', c.id, 'CustomerRegistered', { name: `Customer ${c.id}`, country: 'DE', segment: rand.pick(['enterprise', 'mid-market', 'small-business']), currency: c.currency, groupId: rand.chance(0.5) ? 'g1' : null, paperless: rand.chance(0.5), openedOn: dateOf(today - rand.int(0, 900)) });
    emit('customers', c.id, 'CreditLimitSet', { limitType: rand.pick(['BALANCE', 'BALANCE_AND_OPEN_ORDERS']), amountMinor: rand.int(0, 3) * 500_000, currency: c.currency, unlimited: rand.chance(0.1), expiresOn: rand.chance(0.3) ? dateOf(today + rand.int(30, 400)) : null, temporary: false, reason: null });
    emit('customers', c.id, 'PaymentTermsSet', { termsCode: `NET${c.netDays}`, netDays: c.netDays });
  }

  function issueInvoice(c: Customer, amount: number, orderId: string | null, currency = c.currency): void {
    const id = `inv-${c.id}-${++c.invoiceSeq}`;
    const inv: ModelInvoice = { id, amount, open: amount, credited: 0, currency, due: today + c.netDays };
    c.invoices.push(inv);
    emit('invoices', c.id, 'InvoiceIssued', { invoiceId: id, orderId, amountMinor: amount, currency, invoiceDate: dateOf(today), dueDate: dateOf(inv.due), termsCode: `NET${c.netDays}`, netDays: c.netDays });
    if (rand.chance(0.08)) {
      const disputeId = `dsp-${id}`;
      const raised = today + rand.int(2, 20);
      later(raised, () => {
        emit('invoices', c.id, 'InvoiceDisputed', { invoiceId: id, disputeId, amountMinor: Math.max(1, Math.floor(inv.amount / 3)), currency, reason: rand.pick(['pricing', 'quality', 'not-received']) });
        later(raised + rand.int(3, 40), () => {
          const outcome = rand.pick(['UPHELD', 'CREDITED', 'PARTIALLY_CREDITED', 'WITHDRAWN']);
          const room = inv.amount - inv.credited;
          const credited = outcome === 'CREDITED' || outcome === 'PARTIALLY_CREDITED' ? Math.min(room, Math.max(1, Math.floor(inv.amount / (outcome === 'CREDITED' ? 3 : 6)))) : 0;
          emit('invoices', c.id, 'DisputeResolved', { invoiceId: id, disputeId, outcome, creditedMinor: credited, currency });
          if (credited > 0) {
            inv.credited += credited;
            inv.open = Math.max(0, inv.open - credited);
            emit('invoices', c.id, 'InvoiceAdjusted', { invoiceId: id, creditNoteId: `cn-${id}`, amountMinor: credited, currency, reason: 'dispute' });
          }
        });
      });
    }
    // Behaviour: on time / late / very late / never (written off), sometimes in two parts.
    const roll = rand.next();
    const lateness = roll < 0.55 ? rand.int(-12, 0) : roll < 0.8 ? rand.int(1, 30) : roll < 0.94 ? rand.int(31, 150) : null;
    if (lateness === null) {
      later(inv.due + 150, () => {
        if (inv.open > 0) emit('invoices', c.id, 'InvoiceWrittenOff', { invoiceId: id, writeOffId: `wo-${id}`, amountMinor: inv.open, currency, reason: 'bad debt' });
      });
      if (rand.chance(0.5)) later(inv.due + rand.int(5, 60), () => pay(c, [inv], Math.floor(inv.open / 2)));
      return;
    }
    const payDay = Math.max(today, inv.due + lateness);
    if (rand.chance(0.2)) {
      const first = Math.max(today, payDay - rand.int(5, 20));
      later(first, () => pay(c, [inv], Math.floor(inv.open / 2)));
    }
    later(payDay, () => {
      const others = c.invoices.filter((x) => x !== inv && x.open > 0 && x.currency === inv.currency);
      pay(c, rand.chance(0.15) && others.length > 0 ? [inv, rand.pick(others)] : [inv], null);
    });
  }

  /** Pays the given invoices (their open amount, or `amount` on the first one). */
  function pay(c: Customer, invs: ModelInvoice[], amount: number | null, currency = invs[0]?.currency ?? c.currency): void {
    const apps: { invoiceId: string; amountMinor: number }[] = [];
    for (const inv of invs) {
      let a = amount ?? inv.open;
      if (amount === null && rand.chance(0.03)) a += rand.int(1, 5000); // over-application
      if (a <= 0) continue;
      apps.push({ invoiceId: inv.id, amountMinor: a });
      inv.open = Math.max(0, inv.open - a);
      amount = null;
    }
    if (rand.chance(0.005)) apps.push({ invoiceId: `inv-${c.id}-never-${++c.misc}`, amountMinor: rand.int(100, 10_000) });
    if (apps.length === 0) return;
    const unapplied = rand.chance(0.1) ? rand.int(1, 20_000) : 0;
    const total = apps.reduce((s, a) => s + a.amountMinor, unapplied);
    const method = rand.pick(['BANK_TRANSFER', 'BANK_TRANSFER', 'DIRECT_DEBIT', 'CHECK', 'CARD', 'OTHER']);
    const paymentId = `pay-${c.id}-${++c.paymentSeq}`;
    // Some payments are booked late with an earlier value date: older than what the customer's state has seen.
    const receivedDay = rand.chance(0.05) ? Math.max(0, today - rand.int(1, 6)) : today;
    emit('payments', c.id, 'PaymentReceived', { paymentId, amountMinor: total, currency, method, receivedOn: dateOf(receivedDay), applications: apps, unappliedMinor: unapplied });
    const record = { paymentId, amount: total, currency, apps, receivedDay };
    c.returnable.push(record);
    if ((method === 'CHECK' || method === 'DIRECT_DEBIT') && rand.chance(0.12)) {
      later(today + rand.int(2, 10), () => {
        emit('payments', c.id, 'PaymentReturned', { paymentId, amountMinor: total, currency, reason: rand.pick(['NSF', 'NSF', 'ACCOUNT_CLOSED', 'PAYMENT_STOPPED']), returnedOn: dateOf(today), reversedApplications: apps, feeMinor: rand.pick([0, 1500]) });
        c.returned.add(paymentId);
        for (const a of apps) {
          const inv = invs.find((x) => x.id === a.invoiceId);
          if (inv !== undefined) inv.open = Math.min(inv.amount - inv.credited, inv.open + a.amountMinor);
        }
        later(today + rand.int(3, 25), () => {
          const reopened = invs.filter((x) => x.open > 0);
          if (reopened.length > 0) pay(c, reopened, null);
        });
      });
    }
  }

  function placeOrder(c: Customer): void {
    const orderId = `ord-${c.id}-${++c.orderSeq}`;
    const amount = c.currency === 'JPY' ? rand.int(1_000, 500_000) : rand.int(5_000, 2_000_000);
    emit('orders', c.id, 'OrderPlaced', { orderId, amountMinor: amount, currency: c.currency, lineCount: rand.int(1, 12), orderDate: dateOf(today), requestedShipDate: rand.chance(0.5) ? dateOf(today + rand.int(1, 20)) : null });
    const roll = rand.next();
    if (roll < 0.08) {
      later(today + rand.int(0, 5), () => emit('orders', c.id, 'OrderCancelled', { orderId, reason: 'customer request' }));
    } else if (roll < 0.95) {
      const shipDay = today + rand.int(0, 10);
      if (rand.chance(0.2)) {
        const part = Math.floor(amount / 2);
        later(shipDay, () => {
          emit('orders', c.id, 'OrderShipped', { orderId, shipmentId: `shp-${orderId}-1`, amountMinor: part, currency: c.currency, shippedOn: dateOf(today), finalShipment: false });
          issueInvoice(c, part, orderId);
        });
        later(shipDay + rand.int(1, 15), () => {
          emit('orders', c.id, 'OrderShipped', { orderId, shipmentId: `shp-${orderId}-2`, amountMinor: amount - part, currency: c.currency, shippedOn: dateOf(today), finalShipment: true });
          issueInvoice(c, amount - part, orderId);
        });
      } else {
        later(shipDay, () => {
          emit('orders', c.id, 'OrderShipped', { orderId, shipmentId: `shp-${orderId}-1`, amountMinor: amount, currency: c.currency, shippedOn: dateOf(today), finalShipment: true });
          issueInvoice(c, amount, orderId);
        });
      }
    }
  }

  function badEvent(c: Customer): void {
    const inv = c.invoices.length > 0 ? rand.pick(c.invoices) : undefined;
    switch (rand.int(0, 10)) {
      case 0:
        emit('invoices', c.id, 'InvoiceIssued', { invoiceId: `inv-${c.id}-zero-${++c.misc}`, orderId: null, amountMinor: 0, currency: c.currency, invoiceDate: dateOf(today), dueDate: dateOf(today + 30), termsCode: 'NET30', netDays: 30 });
        break;
      case 1:
        emit('invoices', c.id, 'InvoiceAdjusted', { invoiceId: `inv-${c.id}-ghost`, creditNoteId: `cn-ghost-${++c.misc}`, amountMinor: 100, currency: c.currency, reason: 'x' });
        break;
      case 2:
        if (inv !== undefined) emit('invoices', c.id, 'InvoiceIssued', { invoiceId: inv.id, orderId: null, amountMinor: inv.amount + 1, currency: inv.currency, invoiceDate: dateOf(today), dueDate: dateOf(today + 30), termsCode: 'NET30', netDays: 30 });
        break;
      case 3:
        if (inv !== undefined) emit('invoices', c.id, 'InvoiceAdjusted', { invoiceId: inv.id, creditNoteId: `cn-bad-${++c.misc}`, amountMinor: 10, currency: inv.currency === 'USD' ? 'EUR' : 'USD', reason: 'x' });
        break;
      case 4:
        emit('payments', c.id, 'PaymentReturned', { paymentId: `pay-ghost-${++c.misc}`, amountMinor: 100, currency: c.currency, reason: 'NSF', returnedOn: dateOf(today), reversedApplications: [], feeMinor: 0 });
        break;
      case 5:
        emit('orders', c.id, 'OrderShipped', { orderId: `ord-ghost-${++c.misc}`, shipmentId: 's', amountMinor: 100, currency: c.currency, shippedOn: dateOf(today), finalShipment: true });
        break;
      case 6:
        emit('payments', c.id, 'PaymentReceived', { paymentId: `pay-bad-${++c.misc}`, amountMinor: 1000, currency: c.currency, method: 'CARD', receivedOn: dateOf(today), applications: [{ invoiceId: inv?.id ?? 'x', amountMinor: 400 }], unappliedMinor: 0 });
        break;
      case 7: {
        // An invoice in a foreign currency and a payment for it: accepted, kept out of the customer's aggregates.
        issueInvoice(c, rand.int(1000, 90_000), null, 'USD');
        break;
      }
      case 8: {
        // A payment in a foreign currency applied to a normal invoice: accepted, the application is not counted.
        const target = c.invoices.find((x) => x.open > 0 && x.currency === c.currency);
        if (target !== undefined) pay(c, [target], Math.min(target.open, 777), 'CHF');
        break;
      }
      case 9:
        if (inv !== undefined) emit('invoices', c.id, 'InvoiceIssued', { invoiceId: inv.id, orderId: null, amountMinor: inv.amount, currency: inv.currency, invoiceDate: dateOf(inv.due - c.netDays), dueDate: dateOf(inv.due), termsCode: `NET${c.netDays}`, netDays: c.netDays });
        break;
      default: {
        const r = c.returnable.find((x) => c.returned.has(x.paymentId));
        if (r !== undefined) emit('payments', c.id, 'PaymentReturned', { paymentId: r.paymentId, amountMinor: r.amount, currency: r.currency, reason: 'OTHER', returnedOn: dateOf(today), reversedApplications: r.apps, feeMinor: 99 });
      }
    }
  }

  const registerDay = customers.map((_, i) => (i === 1 ? 25 : 0));
  for (today = 0; today < days; today++) {
    emit('clock', '*', 'BusinessDayTick', { businessDate: dateOf(today), previousBusinessDate: today === 0 ? null : dateOf(today - 1), partition });
    customers.forEach((c, i) => {
      if (today === registerDay[i]) register(c);
      if (rand.chance(0.25)) placeOrder(c);
      if (rand.chance(0.02)) issueInvoice(c, rand.int(1000, 300_000), null);
      if (today > registerDay[i]! && rand.chance(0.01)) {
        emit('customers', c.id, 'CreditLimitSet', { limitType: 'BALANCE', amountMinor: rand.int(1, 10) * 100_000, currency: c.currency, unlimited: false, expiresOn: dateOf(today + rand.int(5, 60)), temporary: true, reason: 'season' });
      }
      if (today > registerDay[i]! && rand.chance(0.004)) {
        emit('customers', c.id, 'AccountStatusChanged', { status: rand.pick(['ACTIVE', 'BLOCKED', 'CLOSED']), previousStatus: null, reason: 'review', changedBy: 'tester' });
      }
      if (bad && rand.chance(0.02)) badEvent(c);
    });
    for (const action of agenda.get(today) ?? []) action();
    agenda.delete(today);
  }
  return streams;
}

export type Strategy = 'random' | 'lag' | 'lead' | 'bursts' | 'time';

/**
 * One consumption order of the streams: each topic stays in its order, topics interleave per `strategy`, and with
 * `redeliver` some events are consumed again later (as after a crash before the offset commit).
 */
export function interleave(streams: Streams, rand: Random, strategy: Strategy, redeliver = 0): SourcedEvent[] {
  const queues = FAMILIES.map((f) => ({ family: f, items: streams[f], next: 0 }));
  const out: SourcedEvent[] = [];
  const special = rand.pick(FAMILIES);
  while (queues.some((q) => q.next < q.items.length)) {
    let live = queues.filter((q) => q.next < q.items.length);
    if (strategy === 'lag' && live.length > 1) live = live.filter((q) => q.family !== special);
    if (strategy === 'lead' && live.some((q) => q.family === special)) live = live.filter((q) => q.family === special);
    let q = rand.pick(live);
    let take = strategy === 'bursts' ? rand.int(1, 60) : 1;
    if (strategy === 'time') {
      // By eventTime, which is what a perfectly caught-up consumer would see.
      q = live.reduce((a, b) => ((a.items[a.next]?.event.eventTime ?? '') <= (b.items[b.next]?.event.eventTime ?? '') ? a : b));
      take = 1;
    }
    for (; take > 0 && q.next < q.items.length; take--) {
      out.push(q.items[q.next++] as SourcedEvent);
      if (redeliver > 0 && rand.chance(redeliver)) out.push(q.items[rand.int(Math.max(0, q.next - 20), q.next - 1)] as SourcedEvent);
    }
  }
  return out;
}
