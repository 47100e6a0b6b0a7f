import assert from 'node:assert/strict';
import type { DisputeResolvedEvent, InvoiceDisputedEvent } from '@creditstream/schemas';
import { Harness } from './harness';

/** What the processor forwarded to the invoices topic, fed back as the invoices topic would bring it. */
function echoInvoices(h: Harness, from: number): number {
  const out = h.forwarded.slice(from).filter((f) => f.topic === 'invoices');
  for (const f of out) {
    const e = f.event as unknown as InvoiceDisputedEvent | DisputeResolvedEvent;
    h.send('invoices', e.type, e.eventTime.slice(0, 10), e.payload, e.customerId, e.eventId);
  }
  return out.length;
}

describe('dispute commands (OpenDispute, ResolveDispute)', () => {
  it('opens a dispute as InvoiceDisputed on the invoices topic, which pauses letters; resolving it resumes them; each names its command', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-09');
    let mark = h.forwarded.length;
    assert.equal(h.command('OpenDispute', '2024-02-10', { commandId: 'o1', actor: 'ann (collector)', invoiceId: 'A', amountMinor: 40_000, currency: 'EUR', reason: 'quantity' }), undefined);
    const opened = h.actions('DisputeRecorded');
    assert.deepEqual(opened.map((a) => [a.payload.status, a.payload.commandId, a.payload.actor, a.payload.amountMinor, a.payload.outcome]), [['OPENED', 'o1', 'ann (collector)', 40_000, null]]);
    const disputeId = opened[0]?.payload.disputeId as string;
    assert.equal(disputeId, 'c1:dispute:o1');
    const disputed = h.forwarded.slice(mark).filter((f) => f.topic === 'invoices').map((f) => f.event as unknown as InvoiceDisputedEvent);
    assert.deepEqual(disputed.map((e) => [e.type, e.payload.invoiceId, e.payload.disputeId, e.payload.amountMinor, e.payload.reason, e.causationId, e.eventTime]), [['InvoiceDisputed', 'A', disputeId, 40_000, 'quantity', 'cmd-event-o1', '2024-02-10T09:00:00.001Z']]);
    assert.equal(echoInvoices(h, mark), 1);
    assert.deepEqual(h.rejections, [], 'the shared fold accepts what the command produced');
    assert.equal(h.processor.view('c1', h.value())?.openDisputes, 1);
    h.days('2024-02-10', '2024-03-04');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => l.payload.level), [1], 'no letter while disputed');
    mark = h.forwarded.length;
    h.command('ResolveDispute', '2024-03-05', { commandId: 'r1', actor: 'ann (collector)', invoiceId: 'A', disputeId, outcome: 'UPHELD', creditedMinor: 0, currency: 'EUR', reason: 'quantity delivered as ordered' });
    const resolved = h.actions('DisputeRecorded').slice(1);
    assert.deepEqual(resolved.map((a) => [a.payload.status, a.payload.outcome, a.payload.commandId, a.payload.amountMinor]), [['RESOLVED', 'UPHELD', 'r1', 40_000]]);
    assert.equal(echoInvoices(h, mark), 1);
    assert.deepEqual(h.rejections, []);
    assert.equal(h.processor.view('c1', h.value())?.openDisputes, 0);
    h.days('2024-03-05', '2024-03-06');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => [l.payload.level, l.payload.businessDate]), [[1, '2024-02-08'], [2, '2024-03-05']]);
  });

  it('refuses, naming why, a dispute of an unknown or settled invoice, another currency, more than is open, a missing reason; and a resolution of an unknown or resolved dispute or with a credit its outcome does not allow', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.issue('B', '2024-01-02', '2024-02-01', 50_000);
    h.pay('P1', '2024-01-20', [{ invoiceId: 'B', amountMinor: 50_000 }]);
    const open = (commandId: string, fields: object) => h.command('OpenDispute', '2024-02-10', { commandId, actor: 'ann', invoiceId: 'A', amountMinor: 1_000, currency: 'EUR', reason: 'quantity', ...fields });
    open('x1', { invoiceId: 'Z' });
    open('x2', { invoiceId: 'B' });
    open('x3', { currency: 'USD' });
    open('x4', { amountMinor: 100_001 });
    open('x5', { reason: ' ' });
    open('ok', {});
    const disputeId = 'c1:dispute:ok';
    echoInvoices(h, 0);
    const resolve = (commandId: string, fields: object) => h.command('ResolveDispute', '2024-02-12', { commandId, actor: 'ann', invoiceId: 'A', disputeId, outcome: 'UPHELD', creditedMinor: 0, currency: 'EUR', reason: 'r', ...fields });
    resolve('y1', { disputeId: 'nope' });
    resolve('y2', { outcome: 'UPHELD', creditedMinor: 500 });
    resolve('y3', { outcome: 'CREDITED', creditedMinor: 0 });
    resolve('y4', { outcome: 'PARTIALLY_CREDITED', creditedMinor: 1_001 });
    resolve('y5', { outcome: 'PARTIALLY_CREDITED', creditedMinor: 400 });
    echoInvoices(h, 0);
    resolve('y6', {});
    const refused = h.actions('CollectionCommandRefused').map((r) => [r.payload.commandId, r.payload.reasonCode]);
    assert.deepEqual(refused, [
      ['x1', 'UNKNOWN_INVOICE'],
      ['x2', 'NOT_OPEN'],
      ['x3', 'CURRENCY_MISMATCH'],
      ['x4', 'INVALID_AMOUNT'],
      ['x5', 'NO_REASON'],
      ['y1', 'UNKNOWN_DISPUTE'],
      ['y2', 'INVALID_AMOUNT'],
      ['y3', 'INVALID_AMOUNT'],
      ['y4', 'INVALID_AMOUNT'],
      ['y6', 'ALREADY_RESOLVED'],
    ]);
    assert.match(h.actions('CollectionCommandRefused')[3]?.payload.reason ?? '', /open amount 100000/);
    assert.deepEqual(h.actions('DisputeRecorded').map((a) => [a.payload.commandId, a.payload.status, a.payload.outcome, a.payload.creditedMinor]), [['ok', 'OPENED', null, 0], ['y5', 'RESOLVED', 'PARTIALLY_CREDITED', 400]]);
    assert.deepEqual(h.rejections, [], 'nothing produced was refused by the shared fold');
  });

  it('carries out a redelivered command once', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    const cmd = { commandId: 'o1', actor: 'ann', invoiceId: 'A', amountMinor: 1_000, currency: 'EUR', reason: 'quantity' };
    h.command('OpenDispute', '2024-02-10', cmd);
    h.command('OpenDispute', '2024-02-10', cmd);
    assert.equal(h.actions('DisputeRecorded').length, 1);
    assert.equal(h.forwarded.filter((f) => f.topic === 'invoices').length, 1);
  });
});
