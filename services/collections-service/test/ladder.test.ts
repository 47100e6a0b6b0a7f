import assert from 'node:assert/strict';
import { compilePolicy } from '../src/policy';
import { Harness } from './harness';

// The default policy: level 1 seven days after the due date, then every 14 days; five levels; fees from level 3.

describe('collection letter ladder (pure logic on an in-memory task)', () => {
  it('walks an unpaid invoice through the five levels with the grace days, one letter per level, then stops', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-05-31');
    const letters = h.actions('CollectionLetterIssued');
    assert.deepEqual(letters.map((l) => [l.payload.businessDate, l.payload.level]), [['2024-02-08', 1], ['2024-02-22', 2], ['2024-03-07', 3], ['2024-03-21', 4], ['2024-04-04', 5]]);
    assert.deepEqual(letters.map((l) => l.payload.feeMinor), [0, 0, 1000, 2000, 2000]);
    assert.deepEqual(letters.map((l) => l.payload.blocksAccount), [false, false, false, false, true]);
    const first = letters[0]?.payload;
    assert.deepEqual(first?.lines, [{ invoiceId: 'A', dueDate: '2024-02-01', daysOverdue: 7, openMinor: 100_000 }]);
    assert.equal(first?.policyVersion, 'builtin@1');
    assert.equal(letters[0]?.eventId, 'c1:letter:2024-02-08:1');
    assert.equal(letters[0]?.causationId, 'tick-2024-02-08');
    // Level 5 blocks the account: once, on the customers topic, stamped at the end of the day of the run that issued it.
    const blocks = h.forwarded.filter((f) => f.topic === 'customers').map((f) => f.event as unknown as { eventId: string; eventTime: string; payload: { status: string } });
    assert.deepEqual(blocks.map((b) => [b.eventId, b.eventTime, b.payload.status]), [['c1:letter:2024-04-04:5:block', '2024-04-04T23:59:59.999Z', 'BLOCKED']]);
  });

  it('starts a due-date collection on the first day an invoice without predictions is overdue', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.issue('B', '2024-01-02', '2024-02-01', 50_000);
    h.days('2024-01-31', '2024-02-05');
    const starts = h.actions('CollectionStarted');
    assert.equal(starts.length, 1);
    assert.deepEqual([starts[0]?.payload.trigger, starts[0]?.payload.businessDate, starts[0]?.payload.invoiceIds, starts[0]?.payload.amountMinor], ['OVERDUE', '2024-02-02', ['A', 'B'], 150_000]);
  });

  it('partial payment mid-ladder: dunning continues on the remaining overdue amount, at the next level, on the planned date', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-14');
    h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 60_000 }]);
    h.days('2024-02-15', '2024-03-10');
    const letters = h.actions('CollectionLetterIssued');
    assert.deepEqual(letters.map((l) => [l.payload.businessDate, l.payload.level, l.payload.overdueMinor]), [['2024-02-08', 1, 100_000], ['2024-02-22', 2, 40_000], ['2024-03-07', 3, 40_000]]);
  });

  it('a partial payment neither resets nor skips a level (the invoice keeps level and last-letter date)', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-23');
    const before = structuredClone(h.value().c.dunning[0]);
    h.pay('P1', '2024-02-24', [{ invoiceId: 'A', amountMinor: 1 }]);
    h.days('2024-02-24', '2024-03-07');
    assert.deepEqual([before?.level, before?.lastLetterOn], [2, '2024-02-22']);
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => l.payload.level), [1, 2, 3]);
    assert.equal(h.actions('CollectionLetterIssued')[2]?.payload.businessDate, '2024-03-07');
  });

  it('never issues a letter for a paid invoice', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-10');
    h.pay('P1', '2024-02-11', [{ invoiceId: 'A', amountMinor: 100_000 }]);
    h.days('2024-02-11', '2024-04-30');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => l.payload.level), [1]);
  });

  it('groups the invoices due for the same level on one letter and leaves out invoices below the level\'s minimum balance', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01', 500);
    h.days('2024-02-01', '2024-02-12');
    assert.equal(h.actions('CollectionLetterIssued').length, 0, 'an overdue balance of 5.00 is below the minimum of 10.00: no letter');
    h.issue('B', '2024-01-05', '2024-02-04', 20_000);
    h.days('2024-02-13', '2024-02-13');
    const letters = h.actions('CollectionLetterIssued');
    assert.deepEqual(letters.map((l) => [l.payload.level, l.payload.invoiceIds, l.payload.overdueMinor]), [[1, ['A', 'B'], 20_500]]);
  });

  it('a dispute pauses letters and interest on the disputed invoice until it is resolved, then dunning resumes', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-09');
    h.send('invoices', 'InvoiceDisputed', '2024-02-10', { invoiceId: 'A', disputeId: 'D1', amountMinor: 100_000, currency: 'EUR', reason: 'quantity' });
    h.days('2024-02-10', '2024-03-04');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => l.payload.level), [1], 'no letter while disputed');
    h.send('invoices', 'DisputeResolved', '2024-03-05', { invoiceId: 'A', disputeId: 'D1', outcome: 'UPHELD', creditedMinor: 0, currency: 'EUR' });
    // Resolved on 5 March before that day's run (the harness sends it first): level 2, due since 22 February, goes out that day.
    h.days('2024-03-05', '2024-03-06');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => [l.payload.level, l.payload.businessDate]), [[1, '2024-02-08'], [2, '2024-03-05']]);
    // February's interest: 2 Feb to 9 Feb only (8 days of 100,000 at 18% a year), the disputed days are free.
    const note = h.actions('InterestNoteIssued')[0]?.payload;
    assert.deepEqual(note?.lines.map((l) => [l.overdueMinor, l.daysCharged, l.rateBasisPoints, l.interestMinor]), [[100_000, 8, 1800, 395]]);
  });

  it('a letter level\'s fee and account block come from the segment\'s sequence when the policy overrides it', () => {
    const h = new Harness();
    const policy = compilePolicy({ policyId: 'p', version: '2', effectiveFrom: '2023-01-01', sequences: [{ sequenceId: 'std', levels: [{ days: 5, minOverdueMinor: 0, feeMinor: 0, note: 'n' }] }, { sequenceId: 'strict', levels: [{ days: 1, minOverdueMinor: 0, feeMinor: 500, note: 'pay now', blocksAccount: true }] }], defaultSequence: 'std', interestCodes: [], overrides: [{ segment: 'risky', sequenceId: 'strict' }] });
    h.send('policies', 'CollectionPolicyPublished', '2023-01-01', { policyId: 'p', version: '2', effectiveFrom: '2023-01-01', document: JSON.stringify(policy), publishedBy: 't', partition: 0 }, '*');
    h.register('c1', 'risky');
    h.register('c2', 'smb');
    h.issue('A', '2024-01-02', '2024-02-01', 100_000, 'c1');
    h.issue('B', '2024-01-02', '2024-02-01', 100_000, 'c2');
    h.days('2024-02-01', '2024-02-10');
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => [l.customerId, l.payload.businessDate, l.payload.sequenceId, l.payload.feeMinor, l.payload.blocksAccount, l.payload.policyVersion]), [
      ['c1', '2024-02-02', 'strict', 500, true, 'p@2'],
      ['c2', '2024-02-06', 'std', 0, false, 'p@2'],
    ]);
  });
});
