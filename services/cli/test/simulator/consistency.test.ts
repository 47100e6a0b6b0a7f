import * as assert from 'node:assert/strict';
import { TOPIC } from '@creditstream/schemas';
import { isBusinessDay } from '../../src/calendar/business-days';
import { parseIsoDate } from '../../src/calendar/dates';
import { simulate } from '../../src/simulator';
import type { EventRecord, InvoiceTruth } from '../../src/simulator/records';
import { schemaProblems } from '../helpers';

describe('simulator output is consistent', () => {
  const partitions = 4;
  const records: EventRecord[] = [];
  const truths: InvoiceTruth[] = [];
  before(() => {
    for (const day of simulate({ seed: 11, customers: 400, days: 300, partitions })) {
      for (const r of day) {
        if (r.kind === 'event') records.push(r.record);
        else if (r.kind === 'truth') truths.push(r.truth);
      }
    }
  });

  it('every event matches its topic\'s Avro schema', () => {
    for (const r of records) assert.deepEqual(schemaProblems(r), [], `${r.event.type} ${r.event.eventId}`);
  });

  it('covers every input event type', () => {
    const types = new Set(records.map((r) => r.event.type));
    for (const t of ['CustomerRegistered', 'CreditLimitSet', 'PaymentTermsSet', 'AccountStatusChanged', 'InvoiceIssued', 'InvoiceAdjusted', 'InvoiceDisputed', 'DisputeResolved', 'InvoiceWrittenOff', 'PaymentReceived', 'PaymentReturned', 'OrderPlaced', 'OrderCancelled', 'OrderShipped', 'BusinessDayTick']) {
      assert.ok(types.has(t as never), `no ${t}`);
    }
  });

  it('is in event-time order, with unique event ids, keyed by customer id', () => {
    const ids = new Set<string>();
    let last = '';
    for (const r of records) {
      assert.ok(r.event.eventTime >= last, `${r.event.eventId} at ${r.event.eventTime} after ${last}`);
      last = r.event.eventTime;
      assert.ok(!ids.has(r.event.eventId), `duplicate ${r.event.eventId}`);
      ids.add(r.event.eventId);
      assert.equal(r.key, r.event.customerId);
    }
  });

  it('ticks once per partition on every business day and never on weekends', () => {
    const ticks = records.filter((r) => r.topic === TOPIC.clock);
    const byDate = new Map<string, number[]>();
    let previous: string | null = null;
    for (const t of ticks) {
      if (t.event.type !== 'BusinessDayTick') assert.fail('clock carries only ticks');
      const p = t.event.payload;
      assert.equal(t.partition, p.partition);
      assert.equal(t.event.customerId, '*');
      assert.ok(isBusinessDay(parseIsoDate(p.businessDate) ?? 0), p.businessDate);
      const list = byDate.get(p.businessDate) ?? [];
      if (list.length === 0) {
        assert.equal(p.previousBusinessDate, previous);
        previous = p.businessDate;
      }
      list.push(p.partition);
      byDate.set(p.businessDate, list);
    }
    for (const [date, list] of byDate) assert.deepEqual(list, [0, 1, 2, 3], date);
    assert.ok(byDate.size >= 210 && byDate.size <= 216, `${byDate.size} business days in 300 days`);
  });

  it('customers are registered before anything else happens to them', () => {
    const registered = new Set<string>();
    for (const r of records) {
      if (r.event.type === 'CustomerRegistered') registered.add(r.key);
      else if (r.key !== '*') assert.ok(registered.has(r.key), `${r.event.type} of ${r.key} before its registration`);
    }
  });

  it('orders, shipments, invoices, disputes and payments reference each other correctly and never overpay', () => {
    const orders = new Map<string, { shipped: number; amount: number; cancelled: boolean }>();
    const invoices = new Map<string, { open: number; due: string }>();
    const payments = new Map<string, { invoiceId: string; amountMinor: number }[]>();
    const disputes = new Set<string>();
    for (const r of records) {
      const e = r.event;
      const k = (id: string) => `${r.key}/${id}`;
      switch (e.type) {
        case 'OrderPlaced':
          orders.set(k(e.payload.orderId), { shipped: 0, amount: e.payload.amountMinor, cancelled: false });
          break;
        case 'OrderCancelled': {
          const o = orders.get(k(e.payload.orderId));
          assert.ok(o && o.shipped === 0, `cancel of ${e.payload.orderId}`);
          o.cancelled = true;
          break;
        }
        case 'OrderShipped': {
          const o = orders.get(k(e.payload.orderId));
          assert.ok(o && !o.cancelled, `shipment of ${e.payload.orderId}`);
          o.shipped += e.payload.amountMinor;
          assert.ok(o.shipped <= o.amount);
          if (e.payload.finalShipment) assert.equal(o.shipped, o.amount);
          break;
        }
        case 'InvoiceIssued':
          assert.ok(e.payload.orderId && orders.has(k(e.payload.orderId)));
          assert.ok(e.payload.dueDate > e.payload.invoiceDate);
          invoices.set(k(e.payload.invoiceId), { open: e.payload.amountMinor, due: e.payload.dueDate });
          break;
        case 'InvoiceDisputed':
          assert.ok(invoices.has(k(e.payload.invoiceId)));
          disputes.add(k(e.payload.disputeId));
          break;
        case 'DisputeResolved':
          assert.ok(disputes.delete(k(e.payload.disputeId)), `resolution of unknown dispute ${e.payload.disputeId}`);
          break;
        case 'InvoiceAdjusted': {
          const inv = invoices.get(k(e.payload.invoiceId));
          assert.ok(inv && inv.open > e.payload.amountMinor);
          inv.open -= e.payload.amountMinor;
          break;
        }
        case 'PaymentReceived': {
          const applied = e.payload.applications.reduce((s, a) => s + a.amountMinor, 0);
          assert.equal(e.payload.amountMinor, applied + e.payload.unappliedMinor);
          for (const a of e.payload.applications) {
            const inv = invoices.get(k(a.invoiceId));
            assert.ok(inv, `payment for unknown invoice ${a.invoiceId}`);
            assert.ok(a.amountMinor > 0 && a.amountMinor <= inv.open, `overpayment of ${a.invoiceId}`);
            inv.open -= a.amountMinor;
          }
          payments.set(k(e.payload.paymentId), e.payload.applications);
          break;
        }
        case 'PaymentReturned': {
          const apps = payments.get(k(e.payload.paymentId));
          assert.ok(apps, `return of unknown payment ${e.payload.paymentId}`);
          assert.deepEqual(e.payload.reversedApplications, apps);
          for (const a of apps) {
            const inv = invoices.get(k(a.invoiceId));
            if (inv) inv.open += a.amountMinor;
          }
          break;
        }
        case 'InvoiceWrittenOff': {
          const inv = invoices.get(k(e.payload.invoiceId));
          assert.ok(inv && inv.open === e.payload.amountMinor, `write-off of ${e.payload.invoiceId} for its open amount`);
          inv.open = 0;
          break;
        }
        default:
          break;
      }
    }
    assert.equal(truths.length, [...records].filter((r) => r.event.type === 'InvoiceIssued').length);
  });

  it('ground truth probabilities are probabilities', () => {
    for (const t of truths) {
      for (const p of [t.pOnTime, t.pLate, t.pVeryLate]) assert.ok(p >= 0 && p <= 1);
      assert.ok(Math.abs(t.pOnTime + t.pLate + t.pVeryLate - 1) < 1e-9);
    }
  });
});
