import assert from 'node:assert/strict';
import type { LoggedAction } from '../src/documents';
import { DEFAULT_POLICY } from '../src/policy';
import { buildStatement, money, statementHtml, statementPdf } from '../src/statement';
import { Harness } from './harness';

function scenario() {
  const h = new Harness();
  h.register();
  h.issue('A', '2024-01-02', '2024-02-01');
  h.issue('B', '2024-02-10', '2024-03-11', 30_000);
  h.days('2024-02-01', '2024-02-14');
  h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 60_000 }]);
  h.days('2024-02-15', '2024-03-05');
  const actions = h.logged.filter((l) => l.collection === 'collections_actions').map((l) => l.document as unknown as LoggedAction);
  return { h, actions };
}

describe('account statements (pure)', () => {
  it('lists the open items and aging as of the date (amounts at that date) and the period\'s payments, letters and interest', () => {
    const { h, actions } = scenario();
    const s = buildStatement(h.value().fold, actions, '2024-02-29', DEFAULT_POLICY);
    assert.deepEqual(s.items.map((i) => [i.invoiceId, i.openMinor, i.daysOverdue]), [['A', 40_000, 28], ['B', 30_000, 0]]);
    assert.deepEqual(s.aging.map((a) => [a.label, a.amountMinor]), [['current', 30_000], ['1-30', 40_000], ['31-60', 0], ['61-90', 0], ['over-90', 0]]);
    assert.deepEqual(s.payments.map((p) => [p.paymentId, p.amountMinor]), [['P1', 60_000]]);
    assert.deepEqual(s.letters.map((l) => [l.businessDate, l.level, l.overdueMinor]), [['2024-02-08', 1, 100_000], ['2024-02-22', 2, 40_000]]);
    const earlier = buildStatement(h.value().fold, actions, '2024-02-10', DEFAULT_POLICY);
    assert.deepEqual(earlier.items.map((i) => [i.invoiceId, i.openMinor]), [['A', 100_000], ['B', 30_000]], 'before the partial payment, the whole amount');
    const march = buildStatement(h.value().fold, actions, '2024-03-05', DEFAULT_POLICY);
    assert.deepEqual(march.interest.map((n) => [n.noteId, n.totalMinor]), [['c1:interest:2024-02-29', 937]]);
  });

  it('renders HTML (escaped) and a PDF, the same bytes for the same statement', async () => {
    const { h, actions } = scenario();
    const s = buildStatement(h.value().fold, actions, '2024-02-29', DEFAULT_POLICY);
    s.name = 'Acme <Trading> & Co';
    const html = statementHtml(s);
    assert.match(html, /Acme &lt;Trading&gt; &amp; Co/);
    assert.match(html, /<td>A<\/td><td>2024-01-02<\/td><td>2024-02-01<\/td><td>1,000.00<\/td><td>400.00<\/td><td>28<\/td>/);
    const pdf = await statementPdf(s);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length > 1000);
    assert.deepEqual(await statementPdf(s), pdf);
    assert.equal(money(-123_456_78), '-123,456.78');
  });
});

describe('month-end statements (pure logic on an in-memory task)', () => {
  it('at the first business day of a month, each customer with something open gets the statement of the month that closed, listing that month\'s letters', () => {
    const { h } = scenario();
    const stored = h.logged.filter((l) => l.collection === 'collections_statements').map((l) => l.document as unknown as { _id: string; asOf: string; statement: ReturnType<typeof buildStatement> });
    assert.deepEqual(stored.map((s) => [s._id, s.asOf]), [['2:c1:2024-02-29', '2024-02-29']]);
    const s = stored[0]?.statement;
    assert.deepEqual(s?.items.map((i) => [i.invoiceId, i.openMinor]), [['A', 40_000], ['B', 30_000]]);
    assert.deepEqual(s?.letters.map((l) => l.level), [1, 2]);
    assert.deepEqual(s?.payments.map((p) => p.paymentId), ['P1']);
    assert.deepEqual(h.value().c.period.letters, [], "February's letters are not carried into March");
    assert.deepEqual(h.value().c.period.interest.map((n) => n.noteId), ['c1:interest:2024-02-29'], "the note of February, dated 1 March, goes on March's statement");
  });
});
