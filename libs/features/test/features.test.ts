import * as assert from 'node:assert/strict';
import {
  addDays,
  AsOfBeforeStateError,
  createFolder,
  CUSTOMER_FEATURE_NAMES,
  customerFeatures,
  customerFeatureVector,
  diffFeatures,
  FEATURE_NAMES,
  featureRecord,
  findInvoice,
  INVOICE_FEATURE_NAMES,
  invoiceFeatures,
  type CustomerState,
  type InvoiceState,
  type SourcedEvent,
} from '../src';
import { scenario, type Built } from './support/events';
import { referenceFeatures } from './support/reference';

function foldAllOf(items: Built[]): CustomerState {
  const folder = createFolder();
  for (const { event, source } of items) {
    const r = folder.apply(event, source);
    assert.equal(r.rejection, undefined, JSON.stringify(r.rejection));
  }
  return [...folder.customers.values()][0] as CustomerState;
}

describe('feature names', () => {
  it('are unique, invoice features first, and stable (they are the model column order)', () => {
    assert.equal(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length);
    assert.deepEqual(FEATURE_NAMES.slice(0, INVOICE_FEATURE_NAMES.length), [...INVOICE_FEATURE_NAMES]);
    assert.deepEqual(FEATURE_NAMES.slice(INVOICE_FEATURE_NAMES.length), [...CUSTOMER_FEATURE_NAMES]);
    assert.equal(FEATURE_NAMES.length, 65);
    assert.equal(FEATURE_NAMES[0], 'invoice_amount');
    assert.equal(FEATURE_NAMES[13], 'settled_count');
    assert.equal(FEATURE_NAMES[64], 'customer_terms_days');
    for (const n of FEATURE_NAMES) assert.match(n, /^[a-z0-9_]+$/);
  });
});

describe('invoiceFeatures', () => {
  const s = scenario();
  const state = foldAllOf([
    s.registered('2024-01-01', { openedOn: '2023-01-01' }),
    s.limit('2024-01-01', { amountMinor: 40_000 }),
    s.invoice('2024-01-01', 'OLD', 1_000, '2024-01-31'),
    s.payment('2024-02-10', 'p0', [['OLD', 1_000]], { method: 'CARD' }),
    s.invoice('2024-03-01', 'A', 10_000, '2024-03-31'),
    s.invoice('2024-03-05', 'B', 6_000, '2024-04-04'),
    s.payment('2024-03-20', 'p1', [['A', 2_500]], { method: 'BANK_TRANSFER' }),
    s.dispute('2024-03-21', 'A', 'd1', 500),
    s.credit('2024-03-22', 'A', 'cn1', 500),
    s.tick('2024-04-10'),
  ]);
  const a = findInvoice(state, 'A') as InvoiceState;

  it('describes the invoice and its customer as of the business date', () => {
    const f = featureRecord(invoiceFeatures(state, a));
    assert.equal(f.invoice_amount, 10_000);
    assert.equal(f.invoice_terms_days, 30);
    assert.equal(f.invoice_days_to_due, -10);
    assert.equal(f.invoice_days_past_due, 10);
    assert.equal(f.invoice_age_days, 40);
    assert.equal(f.invoice_paid_amount, 2_500);
    assert.equal(f.invoice_paid_share, 0.25);
    assert.equal(f.invoice_credited_amount, 500);
    assert.equal(f.invoice_open_amount, 7_000);
    assert.equal(f.invoice_open_share_of_balance, 7_000 / 13_000);
    assert.equal(f.invoice_disputed, 1);
    assert.equal(f.invoice_dispute_count, 1);
    assert.equal(f.invoice_payment_reversals, 0);
    assert.equal(f.settled_count, 1);
    assert.equal(f.mean_days_late_all, 10);
    assert.equal(f.open_amount, 13_000);
    assert.equal(f.overdue_amount, 13_000);
    assert.equal(f.max_days_overdue, 10);
    assert.equal(f.credit_utilisation, 13_000 / 40_000);
    assert.equal(f.tenure_days, 465);
    assert.equal(f.share_card, 0.5);
    assert.equal(f.share_bank_transfer, 0.5);
    assert.ok(Number.isNaN(f.days_since_last_nsf), 'never had an NSF: missing, not 0');
    assert.ok(Number.isNaN(f.customer_terms_days), 'no terms set');
  });

  it('gives the same vector with a precomputed customer vector, and a later asOf moves the day counts', () => {
    assert.deepStrictEqual(invoiceFeatures(state, a, state.asOf, customerFeatureVector(state)), invoiceFeatures(state, a));
    const later = featureRecord(invoiceFeatures(state, a, '2024-04-20'));
    assert.equal(later.invoice_days_past_due, 20);
    assert.equal(later.max_days_overdue, 20);
  });

  it('refuses an asOf before the state (that would read the future)', () => {
    assert.throws(() => invoiceFeatures(state, a, '2024-04-09'), AsOfBeforeStateError);
    assert.throws(() => customerFeatures(state, '2023-01-01'), /before the customer state's business date 2024-04-10/);
  });

  it('leaves undefined customer features out of the record and diffs records by name', () => {
    const rec = customerFeatures(state);
    assert.equal('days_since_last_nsf' in rec, false);
    assert.equal(Object.values(rec).every((x) => Number.isFinite(x)), true);
    const changed = { ...rec, open_amount: 1, days_since_last_nsf: 3 };
    delete (changed as Record<string, number>).tenure_days;
    assert.deepEqual(diffFeatures(rec, changed), ['open_amount', 'days_since_last_nsf', 'tenure_days']);
    assert.deepEqual(diffFeatures(rec, { ...rec }), []);
  });
});

describe('last N invoices', () => {
  it('stay exact when an NSF return reopens one of them after older settlements left the window', () => {
    const s = scenario();
    const items: Built[] = [s.registered('2021-12-01')];
    for (let i = 0; i < 14; i++) {
      const issued = addDays('2022-01-01', i * 7);
      items.push(s.invoice(issued, `I${i}`, 1_000 + i, addDays(issued, 30)));
      items.push(s.payment(addDays(issued, 20 + 3 * i), `P${i}`, [[`I${i}`, 1_000 + i]], { method: 'CHECK' }));
    }
    items.push(s.tick('2024-06-01'));
    const state = foldAllOf(items);
    assert.equal(state.settlements.length, 10, 'only the last 10 are kept once all are older than 365 days');
    const nsf = s.returned('2024-06-02', 'P12', 1_012);
    const folder = createFolder();
    for (const it of [...items, nsf]) folder.apply(it.event, it.source);
    const after = folder.customers.get('c.1$') as CustomerState;
    assert.equal(findInvoice(after, 'I12')?.status, 'OPEN');
    assert.equal(after.settlements.length, 10, 'the 11th most recent came back from the invoices');
    assert.equal(after.settlements[0]?.invoiceId, 'I3');
    const accepted: SourcedEvent[] = [...items, nsf].filter((x) => x.event.type !== 'BusinessDayTick');
    assert.deepStrictEqual(customerFeatures(after), referenceFeatures(accepted, '2024-06-01'));
    assert.equal(customerFeatures(after).last_n_count, 10);
  });
});
