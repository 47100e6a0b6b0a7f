import * as assert from 'node:assert/strict';
import { simulate } from '../../src/simulator';
import type { EventRecord, FraudTruth, InvoiceTruth } from '../../src/simulator/records';

const DAY = 86_400_000;

describe('simulator fraud ground truth', function () {
  this.timeout(60_000);
  const records: EventRecord[] = [];
  const frauds: FraudTruth[] = [];
  const invoiceTruths: InvoiceTruth[] = [];

  before(() => {
    for (const day of simulate({ seed: 2024, customers: 1500, days: 365 })) {
      for (const r of day) {
        if (r.kind === 'event') records.push(r.record);
        else if (r.kind === 'fraud') frauds.push(r.truth);
        else invoiceTruths.push(r.truth);
      }
    }
  });

  const placed = () => records.filter((r) => r.event.type === 'OrderPlaced');
  const timeOf = (r: EventRecord) => Date.parse(r.event.eventTime);

  it('marks every fraudulent order, right after its OrderPlaced, with its amount', () => {
    const orders = new Map(placed().map((r) => [`${r.key}/${(r.event.payload as { orderId: string }).orderId}`, r]));
    assert.ok(frauds.length > 100, `${frauds.length} fraudulent orders`);
    for (const f of frauds) {
      const order = orders.get(`${f.customerId}/${f.orderId}`);
      assert.ok(order, `${f.customerId}/${f.orderId} was placed`);
      assert.equal((order.event.payload as { amountMinor: number }).amountMinor, f.amountMinor);
      assert.equal(order.event.eventTime.slice(0, 10), f.orderDate);
    }
    // Every order of a fraudulent new account is fraudulent.
    const fraudsters = new Set(invoiceTruths.filter((t) => t.behaviour === 'fraudulent').map((t) => t.customerId));
    const marked = new Set(frauds.map((f) => `${f.customerId}/${f.orderId}`));
    for (const r of placed()) if (fraudsters.has(r.key)) assert.ok(marked.has(`${r.key}/${(r.event.payload as { orderId: string }).orderId}`), `${r.key}: every order of a fraudulent account is marked`);
    // A fraud is a small share of the orders (a review budget of a few percent can hold them).
    const share = frauds.length / placed().length;
    assert.ok(share > 0.005 && share < 0.03, `fraudulent share ${share}`);
  });

  it('has every pattern: new accounts, bust-outs after a returned payment, dormant takeovers, closed accounts ordering again', () => {
    const by = (p: FraudTruth['pattern']) => frauds.filter((f) => f.pattern === p);
    for (const p of ['new-account', 'bust-out', 'dormant-takeover', 'closed-account'] as const) assert.ok(by(p).length > 0, `${p}: ${by(p).length}`);
    const eventsOf = (customerId: string) => records.filter((r) => r.key === customerId);
    for (const f of by('bust-out')) {
      const t = Date.parse(`${f.orderDate}T23:59:59Z`);
      const returns = eventsOf(f.customerId).filter((r) => r.event.type === 'PaymentReturned' && timeOf(r) <= t);
      assert.ok(returns.some((r) => t - timeOf(r) <= 21 * DAY), `${f.customerId}/${f.orderId}: a bust-out follows a returned payment`);
    }
    for (const f of by('dormant-takeover')) {
      const legit = new Set(frauds.filter((x) => x.customerId === f.customerId).map((x) => x.orderId));
      const earlier = eventsOf(f.customerId).filter((r) => r.event.type === 'OrderPlaced' && !legit.has((r.event.payload as { orderId: string }).orderId) && r.event.eventTime.slice(0, 10) <= f.orderDate);
      // The owner's last order, or its registration when it had not ordered yet.
      const last = earlier[earlier.length - 1] ?? eventsOf(f.customerId).find((r) => r.event.type === 'CustomerRegistered');
      assert.ok(last !== undefined && Date.parse(`${f.orderDate}T00:00:00Z`) - timeOf(last) >= 40 * DAY, `${f.customerId}/${f.orderId}: the owner has not ordered for weeks`);
    }
    for (const f of by('closed-account')) {
      const closed = eventsOf(f.customerId).find((r) => r.event.type === 'AccountStatusChanged' && (r.event.payload as { status: string }).status === 'CLOSED');
      assert.ok(closed && closed.event.eventTime.slice(0, 10) <= f.orderDate, `${f.customerId}/${f.orderId}: placed on a closed account`);
    }
  });
});
