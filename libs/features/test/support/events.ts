import type { InputEvent, EventSource } from '../../src';
import { TOPICS, type Family } from './history';

// Small builders for hand-written scenarios: each event gets the next offset of its topic (partition 0).

const FAMILY_OF: Record<string, Family> = {
  CustomerRegistered: 'customers',
  CreditLimitSet: 'customers',
  PaymentTermsSet: 'customers',
  AccountStatusChanged: 'customers',
  InvoiceIssued: 'invoices',
  InvoiceAdjusted: 'invoices',
  InvoiceDisputed: 'invoices',
  DisputeResolved: 'invoices',
  InvoiceWrittenOff: 'invoices',
  PaymentReceived: 'payments',
  PaymentReturned: 'payments',
  OrderPlaced: 'orders',
  OrderCancelled: 'orders',
  OrderShipped: 'orders',
  BusinessDayTick: 'clock',
};

export interface Built {
  event: InputEvent;
  source: EventSource;
}

/** A scenario writer: `at(date).x(...)` returns the event with its source, offsets counted per topic. */
export function scenario(customerId = 'c.1$') {
  const offsets: Record<Family, number> = { customers: 0, invoices: 0, payments: 0, orders: 0, clock: 0 };
  let seq = 0;
  const make = (type: string, payload: object, date: string, who = customerId): Built => {
    const family = FAMILY_OF[type] as Family;
    const event = { eventId: `ev-${++seq}`, eventTime: `${date}T09:00:00.000Z`, customerId: who, causationId: null, type, payload } as unknown as InputEvent;
    return { event, source: { topic: TOPICS[family], partition: 0, offset: offsets[family]++ } };
  };
  return {
    make,
    registered: (date: string, over: object = {}) =>
      make('CustomerRegistered', { name: 'Acme', country: 'DE', segment: 'mid-market', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01', ...over }, date),
    limit: (date: string, over: object = {}) =>
      make('CreditLimitSet', { limitType: 'BALANCE', amountMinor: 100_000, currency: 'EUR', unlimited: false, expiresOn: null, temporary: false, reason: null, ...over }, date),
    terms: (date: string, netDays = 30) => make('PaymentTermsSet', { termsCode: `NET${netDays}`, netDays }, date),
    status: (date: string, status: string) => make('AccountStatusChanged', { status, previousStatus: null, reason: 'test', changedBy: 'tester' }, date),
    invoice: (date: string, invoiceId: string, amountMinor: number, dueDate: string, over: object = {}) =>
      make('InvoiceIssued', { invoiceId, orderId: null, amountMinor, currency: 'EUR', invoiceDate: date, dueDate, termsCode: 'NET30', netDays: 30, ...over }, date),
    credit: (date: string, invoiceId: string, creditNoteId: string, amountMinor: number, over: object = {}) =>
      make('InvoiceAdjusted', { invoiceId, creditNoteId, amountMinor, currency: 'EUR', reason: 'price', ...over }, date),
    dispute: (date: string, invoiceId: string, disputeId: string, amountMinor: number) => make('InvoiceDisputed', { invoiceId, disputeId, amountMinor, currency: 'EUR', reason: 'quality' }, date),
    resolve: (date: string, invoiceId: string, disputeId: string, outcome = 'UPHELD', creditedMinor = 0) => make('DisputeResolved', { invoiceId, disputeId, outcome, creditedMinor, currency: 'EUR' }, date),
    writeOff: (date: string, invoiceId: string, amountMinor: number) => make('InvoiceWrittenOff', { invoiceId, writeOffId: `wo-${invoiceId}`, amountMinor, currency: 'EUR', reason: 'bad debt' }, date),
    payment: (date: string, paymentId: string, applications: [string, number][], over: { unappliedMinor?: number; currency?: string; method?: string; amountMinor?: number } = {}) => {
      const apps = applications.map(([invoiceId, amountMinor]) => ({ invoiceId, amountMinor }));
      const unappliedMinor = over.unappliedMinor ?? 0;
      const amountMinor = over.amountMinor ?? apps.reduce((s, a) => s + a.amountMinor, unappliedMinor);
      return make('PaymentReceived', { paymentId, amountMinor, currency: over.currency ?? 'EUR', method: over.method ?? 'BANK_TRANSFER', receivedOn: date, applications: apps, unappliedMinor }, date);
    },
    returned: (date: string, paymentId: string, amountMinor: number, over: object = {}) =>
      make('PaymentReturned', { paymentId, amountMinor, currency: 'EUR', reason: 'NSF', returnedOn: date, reversedApplications: [], feeMinor: 1500, ...over }, date),
    order: (date: string, orderId: string, amountMinor: number, over: object = {}) =>
      make('OrderPlaced', { orderId, amountMinor, currency: 'EUR', lineCount: 2, orderDate: date, requestedShipDate: null, ...over }, date),
    cancel: (date: string, orderId: string) => make('OrderCancelled', { orderId, reason: 'changed mind' }, date),
    ship: (date: string, orderId: string, shipmentId: string, amountMinor: number, finalShipment = true, over: object = {}) =>
      make('OrderShipped', { orderId, shipmentId, amountMinor, currency: 'EUR', shippedOn: date, finalShipment, ...over }, date),
    tick: (date: string, previous: string | null = null) => make('BusinessDayTick', { businessDate: date, previousBusinessDate: previous, partition: 0 }, date, '*'),
  };
}
