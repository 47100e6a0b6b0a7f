import * as assert from 'node:assert/strict';
import { parseIsoDate } from '../../src/calendar/dates';
import { BEHAVIOURS, type Behaviour, type Bucket, simulate } from '../../src/simulator';
import type { EventRecord, InvoiceTruth } from '../../src/simulator/records';

interface Realized {
  readonly truth: InvoiceTruth;
  /** What the events show; null while the invoice is open and not yet 30 days overdue. */
  readonly bucket: Bucket | null;
}

/** Buckets as a downstream system would compute them from the events alone. */
function realizedBuckets(records: readonly EventRecord[], truths: readonly InvoiceTruth[], endDay: number): Realized[] {
  const state = new Map<string, { open: number; settledOn: string | null; writtenOff: boolean }>();
  for (const r of records) {
    const e = r.event;
    const k = (id: string) => `${r.key}/${id}`;
    if (e.type === 'InvoiceIssued') state.set(k(e.payload.invoiceId), { open: e.payload.amountMinor, settledOn: null, writtenOff: false });
    else if (e.type === 'InvoiceAdjusted') (state.get(k(e.payload.invoiceId)) as { open: number }).open -= e.payload.amountMinor;
    else if (e.type === 'InvoiceWrittenOff') (state.get(k(e.payload.invoiceId)) as { writtenOff: boolean }).writtenOff = true;
    else if (e.type === 'PaymentReceived' || e.type === 'PaymentReturned') {
      const apps = e.type === 'PaymentReceived' ? e.payload.applications : e.payload.reversedApplications;
      for (const a of apps) {
        const s = state.get(k(a.invoiceId));
        if (!s) continue;
        s.open += e.type === 'PaymentReceived' ? -a.amountMinor : a.amountMinor;
        s.settledOn = s.open === 0 && e.type === 'PaymentReceived' ? e.payload.receivedOn : null;
      }
    }
  }
  return truths.map((truth) => {
    const s = state.get(`${truth.customerId}/${truth.invoiceId}`);
    const due = parseIsoDate(truth.dueDate) ?? 0;
    let bucket: Bucket | null = null;
    if (s?.writtenOff) bucket = 'VERY_LATE';
    else if (s?.settledOn) {
      const late = (parseIsoDate(s.settledOn) ?? 0) - due;
      bucket = late <= 0 ? 'ON_TIME' : late <= 30 ? 'LATE' : 'VERY_LATE';
    } else if (endDay - due > 30) bucket = 'VERY_LATE';
    return { truth, bucket };
  });
}

function share(items: readonly Realized[], pred: (r: Realized) => boolean): number {
  return items.length === 0 ? NaN : items.filter(pred).length / items.length;
}

describe('simulator realism', function () {
  this.timeout(60_000);
  const records: EventRecord[] = [];
  const truths: InvoiceTruth[] = [];
  const startDay = parseIsoDate('2024-01-01') ?? 0;
  const days = 365;
  let realized: Realized[] = [];
  const byBehaviour = new Map<Behaviour, Realized[]>();
  const behaviourOf = new Map<string, Behaviour>();

  before(() => {
    for (const day of simulate({ seed: 2024, customers: 1500, days })) {
      for (const r of day) {
        if (r.kind === 'event') records.push(r.record);
        else if (r.kind === 'truth') truths.push(r.truth);
      }
    }
    realized = realizedBuckets(records, truths, startDay + days - 1);
    for (const r of realized) {
      behaviourOf.set(r.truth.customerId, r.truth.behaviour);
      if (r.bucket === null) continue;
      const list = byBehaviour.get(r.truth.behaviour) ?? [];
      list.push(r);
      byBehaviour.set(r.truth.behaviour, list);
    }
  });

  it('the events realise exactly the bucket drawn for each invoice', () => {
    // Payments planned after the end (and bounced cheques whose return falls after it) are not in the events.
    const end = startDay + days - 1;
    const decided = realized.filter((r) => r.bucket !== null && (r.truth.settlementDate === null ? (parseIsoDate(r.truth.dueDate) ?? 0) < end - 60 : (parseIsoDate(r.truth.settlementDate) ?? 0) <= end));
    assert.ok(decided.length > 20_000, `${decided.length} decided invoices`);
    for (const r of decided) assert.equal(r.bucket, r.truth.bucket, `${r.truth.invoiceId}`);
  });

  it('every behaviour class is present', () => {
    for (const b of BEHAVIOURS) assert.ok((byBehaviour.get(b)?.length ?? 0) > 50, `${b}: ${byBehaviour.get(b)?.length ?? 0} invoices`);
  });

  it('the share of late invoices differs by behaviour class as designed', () => {
    const late = (b: Behaviour) => share(byBehaviour.get(b) ?? [], (r) => r.bucket !== 'ON_TIME');
    const veryLate = (b: Behaviour) => share(byBehaviour.get(b) ?? [], (r) => r.bucket === 'VERY_LATE');
    assert.ok(late('reliable') < 0.15, `reliable late ${late('reliable')}`);
    assert.ok(late('slow-but-steady') > 0.7 && veryLate('slow-but-steady') < 0.25, `slow-but-steady late ${late('slow-but-steady')}, very late ${veryLate('slow-but-steady')}`);
    assert.ok(late('chronically-late') > 0.9 && veryLate('chronically-late') > 0.35, `chronically-late late ${late('chronically-late')}, very late ${veryLate('chronically-late')}`);
    assert.ok(veryLate('fraudulent') > 0.8, `fraudulent very late ${veryLate('fraudulent')}`);
    for (const b of ['seasonal', 'deteriorating', 'dispute-prone', 'nsf-prone'] as const) {
      assert.ok(late(b) > late('reliable') + 0.1 && late(b) < late('chronically-late'), `${b} late ${late(b)}`);
    }
  });

  it('the ground truth is calibrated: mean P(bucket) matches the realised shares per class', () => {
    // Invoices due well before the end, so that every outcome is known.
    const cutoff = startDay + days - 120;
    for (const b of BEHAVIOURS) {
      const items = (byBehaviour.get(b) ?? []).filter((r) => (parseIsoDate(r.truth.dueDate) ?? 0) < cutoff);
      if (items.length < 500) continue;
      const meanOnTime = items.reduce((s, r) => s + r.truth.pOnTime, 0) / items.length;
      const meanVeryLate = items.reduce((s, r) => s + r.truth.pVeryLate, 0) / items.length;
      const tolerance = 3 * Math.sqrt(0.25 / items.length) + 0.01;
      assert.ok(Math.abs(meanOnTime - share(items, (r) => r.bucket === 'ON_TIME')) < tolerance, `${b}: P(on time) ${meanOnTime} vs ${share(items, (r) => r.bucket === 'ON_TIME')}`);
      assert.ok(Math.abs(meanVeryLate - share(items, (r) => r.bucket === 'VERY_LATE')) < tolerance, `${b}: P(very late) ${meanVeryLate}`);
    }
  });

  it('NSF-prone customers produce NSF returns, others rarely', () => {
    const returnsBy = new Map<string, number>();
    for (const r of records) if (r.event.type === 'PaymentReturned' && r.event.payload.reason === 'NSF') returnsBy.set(r.key, (returnsBy.get(r.key) ?? 0) + 1);
    const customersOf = (b: Behaviour) => [...behaviourOf].filter(([, x]) => x === b).map(([id]) => id);
    const perCustomer = (b: Behaviour) => customersOf(b).reduce((s, id) => s + (returnsBy.get(id) ?? 0), 0) / customersOf(b).length;
    const withReturn = customersOf('nsf-prone').filter((id) => (returnsBy.get(id) ?? 0) > 0).length / customersOf('nsf-prone').length;
    assert.ok(withReturn > 0.6, `${withReturn} of NSF-prone customers had a return`);
    assert.ok(perCustomer('nsf-prone') > 10 * perCustomer('reliable'), `NSF returns per customer: nsf-prone ${perCustomer('nsf-prone')}, reliable ${perCustomer('reliable')}`);
    assert.ok(records.some((r) => r.event.type === 'AccountStatusChanged' && r.event.payload.status === 'BLOCKED' && /NSF/.test(r.event.payload.reason)), 'repeated NSF blocks an account');
  });

  it('dispute-prone customers dispute far more often', () => {
    const disputed = new Set(records.filter((r) => r.event.type === 'InvoiceDisputed').map((r) => (r.event.payload as { invoiceId: string }).invoiceId));
    const rate = (b: Behaviour) => share(byBehaviour.get(b) ?? [], (r) => disputed.has(r.truth.invoiceId));
    assert.ok(rate('dispute-prone') > 0.2, `dispute-prone ${rate('dispute-prone')}`);
    assert.ok(rate('reliable') < 0.05, `reliable ${rate('reliable')}`);
  });

  it('fraudulent new accounts open during the simulation, order big, never pay and get closed', () => {
    const fraudsters = [...behaviourOf].filter(([, b]) => b === 'fraudulent').map(([id]) => id);
    assert.ok(fraudsters.length >= 10, `${fraudsters.length} fraudulent accounts`);
    for (const id of fraudsters) {
      const reg = records.find((r) => r.key === id && r.event.type === 'CustomerRegistered');
      assert.ok(reg && reg.event.eventTime > '2024-01-06', `${id} registered ${reg?.event.eventTime}`);
    }
    const writtenOff = records.filter((r) => r.event.type === 'InvoiceWrittenOff' && fraudsters.includes(r.key));
    assert.ok(writtenOff.length > 0);
    assert.ok(records.some((r) => r.event.type === 'AccountStatusChanged' && r.event.payload.status === 'CLOSED' && fraudsters.includes(r.key)));
    const medianOrder = (ids: Set<string>) => {
      const amounts = records.filter((r) => r.event.type === 'OrderPlaced' && ids.has(r.key) && r.event.payload.currency === 'USD').map((r) => (r.event.payload as { amountMinor: number }).amountMinor).sort((a, b) => a - b);
      return amounts[Math.floor(amounts.length / 2)] ?? 0;
    };
    const reliable = new Set([...behaviourOf].filter(([, b]) => b === 'reliable').map(([id]) => id));
    assert.ok(medianOrder(new Set(fraudsters)) > 2 * medianOrder(reliable), 'fraudulent accounts place larger orders');
    // Regression: a fraudster's order size grew ×1.35 per order without end, and at 10,000 customers one order
    // overflowed a long (amountMinor 15,252,170,862,895,194). The ramp levels off after 20 orders.
    const fraudOrders = records.filter((r) => r.event.type === 'OrderPlaced' && fraudsters.includes(r.key)).map((r) => (r.event.payload as { amountMinor: number }).amountMinor);
    assert.ok(fraudOrders.every((a) => Number.isSafeInteger(a) && a < 1e12), `largest fraudulent order ${Math.max(...fraudOrders)}`);
  });

  it('deteriorating customers pay later in the second half of the year than in the first', () => {
    const items = byBehaviour.get('deteriorating') ?? [];
    const mid = '2024-06-15';
    const first = share(items.filter((r) => r.truth.invoiceDate < '2024-04-01'), (r) => r.bucket !== 'ON_TIME');
    const second = share(items.filter((r) => r.truth.invoiceDate >= mid), (r) => r.bucket !== 'ON_TIME');
    assert.ok(second > first + 0.2, `deteriorating late share ${first} → ${second}`);
  });

  it('seasonal customers pay later away from their busiest month', () => {
    // The busiest month is latent; the orders reveal it.
    const busiest = new Map<string, number>();
    const counts = new Map<string, number[]>();
    for (const r of records) {
      if (r.event.type !== 'OrderPlaced' || behaviourOf.get(r.key) !== 'seasonal') continue;
      const c = counts.get(r.key) ?? new Array<number>(13).fill(0);
      const month = Number(r.event.payload.orderDate.slice(5, 7));
      c[month] = (c[month] ?? 0) + 1;
      counts.set(r.key, c);
    }
    for (const [id, c] of counts) busiest.set(id, c.indexOf(Math.max(...c)));
    const distance = (r: Realized) => {
      const d = Math.abs(Number(r.truth.dueDate.slice(5, 7)) - (busiest.get(r.truth.customerId) ?? 0));
      return Math.min(d, 12 - d);
    };
    const items = byBehaviour.get('seasonal') ?? [];
    const near = share(items.filter((r) => distance(r) <= 1), (r) => r.bucket !== 'ON_TIME');
    const far = share(items.filter((r) => distance(r) >= 4), (r) => r.bucket !== 'ON_TIME');
    assert.ok(far > near + 0.25, `seasonal late share near peak ${near}, far ${far}`);
  });

  it('has the realistic mix: partial payments, batched payments, credit notes, multiple currencies and terms', () => {
    const payments = records.filter((r) => r.event.type === 'PaymentReceived').map((r) => r.event.payload as { applications: unknown[]; unappliedMinor: number });
    assert.ok(payments.some((p) => p.applications.length > 1), 'a payment settles several invoices');
    assert.ok(payments.some((p) => p.unappliedMinor > 0), 'unapplied cash');
    const partial = new Map<string, number>();
    for (const r of records) if (r.event.type === 'PaymentReceived') for (const a of r.event.payload.applications) partial.set(a.invoiceId, (partial.get(a.invoiceId) ?? 0) + 1);
    assert.ok([...partial.values()].some((n) => n > 1), 'an invoice paid in instalments');
    const issued = records.filter((r) => r.event.type === 'InvoiceIssued').map((r) => r.event.payload as { currency: string; netDays: number });
    assert.deepEqual(new Set(issued.map((i) => i.netDays)), new Set([15, 30, 45, 60]));
    for (const c of ['USD', 'EUR', 'GBP', 'JPY']) assert.ok(issued.some((i) => i.currency === c), c);
    const limits = records.filter((r) => r.event.type === 'CreditLimitSet').map((r) => r.event.payload as { unlimited: boolean; temporary: boolean; amountMinor: number; expiresOn: string | null });
    assert.ok(limits.some((l) => l.unlimited) && limits.some((l) => l.temporary) && limits.some((l) => l.amountMinor === 0 && !l.unlimited) && limits.some((l) => l.expiresOn !== null));
  });
});
